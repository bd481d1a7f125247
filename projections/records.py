"""How a read model that keeps one row per record writes its rows, and reads them.

:class:`PerAggregate` hands each event to the read model's method for its
aggregate; :func:`insert` and :func:`update` write a record's row from
column -> value mappings, the update stamping when and at which position
the row last changed; :func:`fetched` reads rows as the query's typed view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

import psycopg
from eventsourcing.persistence import Notification

from projections.events import as_uuid, kind_of

V = TypeVar("V")


class PerAggregate:
    """``apply`` for a read model with one method per aggregate it reads:
    ``_<aggregate in lower case>(cur, event name, event, record ID, position)``.
    An event of an aggregate without a method changes nothing."""

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        handler = getattr(self, f"_{aggregate.lower()}", None)
        if handler is not None:
            handler(cur, name, event, as_uuid(note.originator_id), note.id)


def insert(cur: Any, table: str, values: Mapping[str, Any], *, tail: str = "") -> None:
    """One row of ``values`` (column -> value); ``tail`` such as ``ON CONFLICT ...``."""
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    cur.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks}){tail}", list(values.values()))


def update(
    cur: Any, table: str, key: str, record_id: Any, sets: Mapping[str, Any], at: Any, pos: int
) -> None:
    """Set ``sets`` on the record's row, and when and at which position it changed."""
    sets = {**sets, "updated_at": at, "position": pos}
    assignments = ", ".join(f"{column} = %s" for column in sets)
    cur.execute(f"UPDATE {table} SET {assignments} WHERE {key} = %s", [*sets.values(), record_id])


def fetched(cur: psycopg.Cursor[Any], view: type[V]) -> list[V]:
    """The rows of an executed query, keyed by its column names, as ``view``: a
    TypedDict the query declares, held to the SQL by ``tests/integration/views/``."""
    names = [d.name for d in cur.description or ()]
    return cast(list[V], [dict(zip(names, row, strict=True)) for row in cur.fetchall()])
