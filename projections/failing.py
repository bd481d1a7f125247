"""A data-quality check (R7.5) as SQL over one read model's tables.

A :class:`RecordCheck` is the failing records of one estate: the tables it
reads (``source``), what makes a record fail (``where``), how a record is
named (``label``, ``detail``) and the keyset its pages follow (``keys``, the
record's ID last), chosen so that an estate's page is read off an index the
read model has. Its SQL takes named parameters (:func:`parameters`): the
estate, the month's bounds and the staleness cut-off. The checks are
declared beside the tables they read (``projections/<context>/quality.py``);
``projections/quality/checks.py`` lists them against the domain's table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from application.quality.ports import CheckScope


class FailingRow(TypedDict):
    id: UUID
    label: str
    detail: str
    key: list[str]  # the record's sort keys as text: the page's cursor


@dataclass(frozen=True)
class RecordCheck:
    name: str
    tables: tuple[str, ...]  # every table the SQL reads, for the test of ownership
    source: str  # FROM ..., with aliases
    where: str  # the failing records of %(estate_id)s
    id: str  # the record's ID column
    label: str  # SQL text naming the record
    detail: str  # SQL text saying what is wrong with it
    keys: tuple[tuple[str, str], ...]  # (column, its SQL type), the ID last

    def count_sql(self) -> str:
        return f"SELECT count(*) FROM {self.source} WHERE {self.where}"

    def page_sql(self, after: bool) -> str:
        columns = ", ".join(column for column, _ in self.keys)
        key = ", ".join(f"{column}::text" for column, _ in self.keys)
        where = self.where
        if after:
            bound = ", ".join(f"%(after_{i})s::{kind}" for i, (_, kind) in enumerate(self.keys))
            where = f"{where} AND ({columns}) > ({bound})"
        return (
            f"SELECT {self.id} AS id, {self.label} AS label, {self.detail} AS detail, "
            f"ARRAY[{key}] AS key FROM {self.source} WHERE {where} "
            f"ORDER BY {columns} LIMIT %(limit)s"
        )


_PARSERS: dict[str, Any] = {"uuid": UUID, "bigint": int, "text": str}


def typed_key(check: RecordCheck, key: tuple[str, ...]) -> tuple[Any, ...]:
    """A page's key (its texts, from a cursor) as the values of the check's key
    columns; ValueError if it is not one of this check's keys."""
    if len(key) != len(check.keys):
        raise ValueError("a key of another check")
    return tuple(_PARSERS[kind](value) for value, (_, kind) in zip(key, check.keys, strict=True))


def parameters(scope: CheckScope) -> dict[str, Any]:
    return {
        "estate_id": scope.estate_id,
        "month": scope.month,
        "first_day": scope.first_day,
        "last_day": scope.last_day,
        "stale_before": scope.stale_before,
    }


def count(conn: psycopg.Connection[Any], check: RecordCheck, scope: CheckScope) -> int:
    row = conn.execute(check.count_sql(), parameters(scope)).fetchone()
    return int(row[0]) if row else 0


def page(
    conn: psycopg.Connection[Any],
    check: RecordCheck,
    scope: CheckScope,
    after: tuple[str, ...] | None,
    limit: int,
) -> list[FailingRow]:
    """The failing records after the key ``after`` (a row's ``key``), in key order."""
    params = {**parameters(scope), "limit": limit}
    if after is not None:
        params.update({f"after_{i}": value for i, value in enumerate(typed_key(check, after))})
    cur = conn.execute(check.page_sql(after is not None), params)
    names = [d.name for d in cur.description or ()]
    return [FailingRow(**dict(zip(names, row, strict=True))) for row in cur.fetchall()]  # type: ignore[typeddict-item]
