"""Numbers assigned under the append's lock (decision 0041).

Every append holds ``LOCK TABLE <events> IN EXCLUSIVE MODE`` from before its
first insert to its commit, so a counter read and bumped inside that
transaction never races another writer. The ``<events>_numbered`` table
beside the events holds one row per numbered event: its series, its serial,
the event (originator, version) and its position. An append that asks for
numbers (:class:`application.ports.Number`, carried by a context variable as
an Idempotency-Key claim is) adds ONE statement to its pipeline, which
inserts its rows with ``serial = greatest(max(serial) of the series, floor) +
row_number()`` in the order of the events' positions and returns them. A
failed append rolls its rows back with its events: no serial is ever used and
then lost. Like the log, the table refuses UPDATE, DELETE and TRUNCATE.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Composable, Composed, Identifier

from application.ports import Number

_numbers: ContextVar[tuple[Number, ...]] = ContextVar("numbers", default=())

#: (originator_id, originator_version) -> serial, as the statement returns them.
Serials = dict[tuple[UUID, int], int]


@contextlib.contextmanager
def numbering(numbers: Sequence[Number]) -> Iterator[None]:
    """Appends made in this context number as ``numbers`` ask (once each)."""
    token = _numbers.set(tuple(numbers))
    try:
        yield
    finally:
        _numbers.reset(token)


def asked() -> tuple[Number, ...]:
    """The numbers the next append must assign (those not assigned yet)."""
    return tuple(n for n in _numbers.get() if n.serial is None)


def open_numbers(events: Sequence[StoredEvent]) -> tuple[Number, ...]:
    """The numbers this append must assign, each with its event's version.

    A number asked for an aggregate with no event in the append is a
    programming error, refused before anything is written.
    """
    numbers = asked()
    if numbers:
        resolve(numbers, events)
        versions = {(UUID(str(e.originator_id)), e.originator_version) for e in events}
        for number in numbers:
            if (number.originator_id, number.version) not in versions:
                raise ValueError(f"no event of {number.originator_id} to number in this append")
    return numbers


def resolve(numbers: Sequence[Number], events: Sequence[StoredEvent]) -> None:
    """Give each number without a version its aggregate's first event among ``events``."""
    waiting = {n.originator_id: n for n in numbers if n.version is None}
    for event in events:
        number = waiting.pop(UUID(str(event.originator_id)), None)
        if number is not None:
            number.version = event.originator_version


def columns(numbers: Sequence[Number]) -> tuple[list[Any], ...]:
    return (
        [n.series for n in numbers],
        [n.originator_id for n in numbers],
        [n.version for n in numbers],
        [n.floor for n in numbers],
    )


def settle(numbers: Sequence[Number], serials: Serials) -> None:
    """Hand the committed serials to the numbers that asked for them."""
    for number in numbers:
        serial = serials.get((number.originator_id, number.version or 0))
        if serial is None:
            raise ValueError(f"no event of {number.originator_id} was numbered in the append")
        number.serial = serial


def serials(rows: Sequence[tuple[Any, ...]]) -> Serials:
    return {(UUID(str(row[0])), int(row[1])): int(row[2]) for row in rows}


def table_name(events_table: str) -> str:
    return f"{events_table}_numbered"


def create_statements(schema: str, events_table: str, guard_fn: Composable) -> list[Composed]:
    """The table and its append-only triggers, with the recorder's own statements."""
    table = Identifier(schema, table_name(events_table))
    return [
        SQL(
            "CREATE TABLE IF NOT EXISTS {} ("
            "series text NOT NULL, serial int4 NOT NULL CHECK (serial > 0), "
            "originator_id uuid NOT NULL, originator_version int8 NOT NULL, "
            "position int8 NOT NULL, PRIMARY KEY (series, serial), "
            "UNIQUE (originator_id, originator_version))"
        ).format(table),
        *append_only(table, guard_fn),
    ]


def append_only(table: Identifier, guard_fn: Composable) -> list[Composed]:
    """Triggers that refuse UPDATE, DELETE and TRUNCATE (the log's, and this table's)."""
    return [
        SQL("DROP TRIGGER IF EXISTS append_only ON {}").format(table),
        SQL(
            "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION {fn}()"
        ).format(table=table, fn=guard_fn),
        SQL("DROP TRIGGER IF EXISTS append_only_truncate ON {}").format(table),
        SQL(
            "CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
        ).format(table=table, fn=guard_fn),
    ]


def insert_statement(schema: str, events_table: str, id_type: str) -> str:
    """Number the asked events by their positions; RETURNING (originator, version, serial).

    Run after the append's events are inserted, in its transaction: the
    subquery sees every serial committed before the lock was taken and those
    of earlier appends of the group (the one-by-one path); ``row_number``
    orders this statement's own rows.
    """
    table = Identifier(schema, table_name(events_table))
    return (
        SQL(
            "INSERT INTO {table} (series, serial, originator_id, originator_version, position) "
            "SELECT r.series, greatest("
            "coalesce((SELECT max(n.serial) FROM {table} n WHERE n.series = r.series), 0), "
            "max(r.floor) OVER (PARTITION BY r.series)) "
            "+ row_number() OVER (PARTITION BY r.series ORDER BY e.notification_id), "
            "r.originator_id, r.originator_version, e.notification_id "
            "FROM unnest(%s::text[], %s::{id_type}[], %s::int8[], %s::int4[]) "
            "AS r(series, originator_id, originator_version, floor) "
            "JOIN {events} e USING (originator_id, originator_version) "
            "RETURNING originator_id, originator_version, serial"
        )
        .format(table=table, events=Identifier(schema, events_table), id_type=Identifier(id_type))
        .as_string()
    )


def select_serial(schema: str, events_table: str) -> str:
    table = Identifier(schema, table_name(events_table))
    return (
        SQL("SELECT serial FROM {} WHERE originator_id = %s ORDER BY originator_version LIMIT 1")
        .format(table)
        .as_string()
    )
