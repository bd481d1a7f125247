"""The audit trail (R2.5): every event, who did it, from where, queryable."""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from projections.events import kind_of, meta_uuid, occurred_at, payload_of, to_json


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
            details jsonb NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS audit_events_actor ON audit_events (actor_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_events_aggregate "
        "ON audit_events (aggregate_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_events_type ON audit_events (event_type, position)",
        "CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (occurred_at)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate_type, event_type = kind_of(event)
        cur.execute(
            "INSERT INTO audit_events VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [
                note.id,
                occurred_at(event),
                note.originator_id,
                note.originator_version,
                aggregate_type,
                event_type,
                meta_uuid(meta, "actor_id"),
                meta.get("actor_role"),
                meta.get("client_ip"),
                meta.get("user_agent"),
                meta.get("request_id"),
                meta_uuid(meta, "correlation_id"),
                meta_uuid(meta, "causation_id"),
                to_json(payload_of(event)),
            ],
        )
