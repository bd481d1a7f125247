"""The audit trail (R2.5): every event, who did it, from where, queryable.

The trail is an index over the log: one row per event with the columns an
auditor filters on. PostgreSQL writes the rows itself from the stored events
(``INSERT … SELECT``), live and in replay alike, so no event is decoded in
Python for it; what the event says (its details) is read from the log by
position when a page is shown (:func:`trail_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification
from psycopg import sql

from projections.events import details_of
from projections.identity.erasures import last_erasures
from projections.log import EVENTS_TABLE
from projections.naming import user_name
from projections.safetext import NUL_FREE_JSONB, STATE_JSONB

#: The trail's columns as a page or an export shows them, in order.
COLUMNS = (
    "position",
    "occurred_at",
    "aggregate_type",
    "event_type",
    "aggregate_id",
    "aggregate_version",
    "actor_id",
    "actor_role",
    "client_ip",
    "user_agent",
    "request_id",
    "correlation_id",
    "causation_id",
    "actor_name",
    "estate_id",
    "estate_name",
    "unit_id",
    "unit_number",
    "details",
)


@dataclass(frozen=True)
class TrailFilters:
    actor_id: UUID | None = None
    aggregate_id: UUID | None = None
    event_type: str | None = None
    aggregate_type: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


# The inner query parses each event's JSON once (OFFSET 0 keeps the planner
# from inlining it into every column that reads it). The event's class is the
# topic's "module:Aggregate.Event" (kind_of names it the same way); its
# metadata is under "__meta__" (infrastructure/eventstore/mapper.py).
_INSERT = """INSERT INTO audit_events
SELECT notification_id, (s->'timestamp'->>'_data_')::timestamptz,
       originator_id, originator_version,
       regexp_replace(qualname, '\\.[^.]*$', ''), regexp_replace(qualname, '^.*\\.', ''),
       NULLIF(s->'__meta__'->>'actor_id', '')::uuid, s->'__meta__'->>'actor_role',
       s->'__meta__'->>'client_ip', s->'__meta__'->>'user_agent', s->'__meta__'->>'request_id',
       NULLIF(s->'__meta__'->>'correlation_id', '')::uuid,
       NULLIF(s->'__meta__'->>'causation_id', '')::uuid,
       CASE WHEN qualname LIKE 'Estate.%%' THEN originator_id
            WHEN s->'estate_id'->>'_type_' = 'uuid_hex' THEN (s->'estate_id'->>'_data_')::uuid END,
       CASE WHEN qualname LIKE 'Unit.%%' THEN originator_id
            WHEN s->'unit_id'->>'_type_' = 'uuid_hex' THEN (s->'unit_id'->>'_data_')::uuid END
FROM (SELECT notification_id, originator_id, originator_version,
             split_part(topic, ':', 2) AS qualname, {state_json} AS s
      FROM {log} WHERE notification_id > %s AND notification_id <= %s
      ORDER BY notification_id OFFSET 0) e"""


class AuditTrail:
    name = "audit_trail"
    tables = ("audit_events",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS audit_events (
            position bigint PRIMARY KEY,
            occurred_at timestamptz NOT NULL,
            aggregate_id uuid NOT NULL,
            aggregate_version bigint NOT NULL,
            aggregate_type text NOT NULL,
            event_type text NOT NULL,
            actor_id uuid,
            actor_role text,
            client_ip text,
            user_agent text,
            request_id text,
            correlation_id uuid,
            causation_id uuid,
            estate_id uuid,  -- the estate the event is of, where it names one
            unit_id uuid  -- the unit the event is of, where it names one
        )""",
        # Before 2026-11-26 the trail copied each event's fields; they are read
        # from the log now (a rebuild makes the table without the column).
        """DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema =
                       current_schema() AND table_name = 'audit_events' AND column_name = 'details')
            THEN ALTER TABLE audit_events DROP COLUMN details; END IF;
        END $$""",
        "CREATE INDEX IF NOT EXISTS audit_events_actor ON audit_events (actor_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_events_aggregate "
        "ON audit_events (aggregate_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_events_type ON audit_events (event_type, position)",
        # A filter by aggregate type that matches little must not walk the whole trail.
        "CREATE INDEX IF NOT EXISTS audit_events_aggregate_type "
        "ON audit_events (aggregate_type, position)",
        "CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (occurred_at)",
    )

    def __init__(self, log_schema: str) -> None:
        log = sql.Identifier(log_schema, EVENTS_TABLE)
        self._insert, self._insert_nul_free = (
            sql.SQL(_INSERT).format(log=log, state_json=sql.SQL(state_json))
            for state_json in (STATE_JSONB, NUL_FREE_JSONB)
        )

    def apply_positions(
        self, cur: psycopg.Cursor[Any], after: int, upto: int, *, nul_free: bool = False
    ) -> None:
        cur.execute(self._insert_nul_free if nul_free else self._insert, [after, upto])

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        self.apply_positions(cur, note.id - 1, note.id, nul_free=True)


def trail_rows(
    conn: psycopg.Connection[Any],
    decode: Callable[[Notification], Any],
    f: TrailFilters,
    *,
    cursor: int | None = None,
    upto: int | None = None,
    limit: int = 100,
) -> list[tuple[Any, ...]]:
    """Matching rows of the trail by position, each ending with its event's
    details read from the log (``decode`` turns a stored event into the
    domain event; secrets and ciphertext are left out of the details)."""
    where, params = _where(f, cursor, upto)
    rows = conn.execute(_SELECT.format(where=where), [*params, limit]).fetchall()
    return _with_details(conn, decode, rows)


def export_extent(conn: psycopg.Connection[Any], f: TrailFilters, limit: int) -> tuple[int, int]:
    """The trail's last position now and how many rows (at most ``limit``) match
    up to it: an export of rows up to that position has exactly that many,
    whatever is appended while it is written (trail rows never change)."""
    head = conn.execute("SELECT coalesce(max(position), 0) FROM audit_events").fetchone()
    upto = int(head[0]) if head else 0
    where, params = _where(f, None, upto)
    count = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM audit_events WHERE {where} "  # type: ignore[arg-type]
        "ORDER BY position LIMIT %s) matching",
        [*params, limit],
    ).fetchone()
    return upto, int(count[0]) if count else 0


def trail_batches(
    conn: psycopg.Connection[Any],
    decode: Callable[[Notification], Any],
    f: TrailFilters,
    *,
    upto: int,
    limit: int,
    batch: int = 1000,
) -> Iterator[list[tuple[Any, ...]]]:
    """:func:`trail_rows` for an export: the rows in batches from a server-side
    cursor, so that memory holds one batch however many rows match."""
    where, params = _where(f, None, upto)
    with conn.transaction():
        cur = conn.cursor(name="audit_export")
        cur.itersize = batch
        cur.execute(_SELECT.format(where=where), [*params, limit])  # type: ignore[arg-type]
        while rows := cur.fetchmany(batch):
            yield _with_details(conn, decode, rows)


# Who and where by name beside their IDs (issue 16): the actor's name as the
# user directory shows it (masked), "erased person" after an erasure; the
# estate's name and the unit's number from the registry. Each a primary-key
# lookup per row of the page.
_NAMED = (
    user_name("d"),
    "a.estate_id",
    "es.name",
    "a.unit_id",
    "u.number",
)
_SELECT = (
    f"SELECT {', '.join(f'a.{col}' for col in COLUMNS[: -len(_NAMED) - 1])}, {', '.join(_NAMED)}, "
    "e.topic, e.state "
    f"FROM audit_events a JOIN {EVENTS_TABLE} e ON e.notification_id = a.position "
    "LEFT JOIN user_directory d ON d.user_id = a.actor_id "
    "LEFT JOIN registry_estates es ON es.estate_id = a.estate_id "
    "LEFT JOIN registry_units u ON u.unit_id = a.unit_id "
    "WHERE {where} ORDER BY a.position LIMIT %s"
)


def _with_details(
    conn: psycopg.Connection[Any], decode: Callable[[Notification], Any], rows: list[Any]
) -> list[tuple[Any, ...]]:
    # Names an older release recorded in clear, of users erased since.
    erased_at = last_erasures(conn, list({row[4] for row in rows if row[2] == "User"}))
    return [
        (*row[:-2], _details(decode, row, erased=row[0] < erased_at.get(row[4], 0))) for row in rows
    ]


def _where(f: TrailFilters, cursor: int | None, upto: int | None) -> tuple[str, list[Any]]:
    clauses: list[str] = ["true"]
    params: list[Any] = []
    fields: tuple[tuple[str, object], ...] = (
        ("actor_id", f.actor_id),
        ("aggregate_id", f.aggregate_id),
        ("event_type", f.event_type),
        ("aggregate_type", f.aggregate_type),
    )
    for column, value in fields:
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    bounds: tuple[tuple[str, object], ...] = (
        ("occurred_at >= %s", f.since),
        ("occurred_at < %s", f.until),
        ("position > %s", cursor),
        ("position <= %s", upto),
    )
    for clause, value in bounds:
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


def _details(decode: Callable[[Notification], Any], row: tuple[Any, ...], *, erased: bool) -> Any:
    """What the event says, secrets and ciphertext left out (``payload_of``)."""
    topic, state = row[-2:]
    note = Notification(
        id=row[0], originator_id=row[4], originator_version=row[5], topic=topic, state=state
    )
    try:
        event = decode(note)
    except Exception:  # a newer release's event: say so rather than fail the page
        return {"unreadable": f"this release cannot read a {topic} event"}
    return details_of(event, erased=erased)
