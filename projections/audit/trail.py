"""The audit trail (R2.5): every event, who did it, from where, queryable.

The trail is an index over the log: one row per event with the columns an
auditor filters on. PostgreSQL writes the rows itself from the stored events
(``INSERT … SELECT``), live and in replay alike, so no event is decoded in
Python for it; what the event says (its details) is read from the log by
position when a page is shown (``interfaces/http/audit.py``).
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification
from psycopg import sql

from projections.log import EVENTS_TABLE
from projections.safetext import NUL_FREE_JSONB, STATE_JSONB

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
       NULLIF(s->'__meta__'->>'causation_id', '')::uuid
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
            causation_id uuid
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
