"""The audit trail (R2.5): every event, who did it, from where, queryable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from projections.events import kind_of, meta_uuid, occurred_at, payload_of, to_json
from projections.runtime import Decoded


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
        cur.execute(
            "INSERT INTO audit_events VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            self._row(event, meta, note),
        )

    def apply_batch(self, cur: psycopg.Cursor[Any], events: Sequence[Decoded]) -> None:
        """Insert-only: the batch's rows in one ``COPY``.

        ``COPY`` is text, so the metadata's IDs go as the strings they are and
        the server reads them as ``uuid`` (as it would a ``UUID``'s text).
        """
        with cur.copy("COPY audit_events FROM STDIN") as copy:
            for event, meta, note in events:
                row = self._row(event, meta, note, uuid=_text)
                copy.write_row(row)

    @staticmethod
    def _row(
        event: Any, meta: dict[str, Any], note: Notification, uuid: Any = meta_uuid
    ) -> list[Any]:
        aggregate_type, event_type = kind_of(event)
        return [
            note.id,
            occurred_at(event),
            note.originator_id,
            note.originator_version,
            aggregate_type,
            event_type,
            uuid(meta, "actor_id"),
            meta.get("actor_role"),
            meta.get("client_ip"),
            meta.get("user_agent"),
            meta.get("request_id"),
            uuid(meta, "correlation_id"),
            uuid(meta, "causation_id"),
            to_json(payload_of(event)),
        ]


def _text(meta: dict[str, Any], key: str) -> str | None:
    """A metadata ID as text for ``COPY`` (None when absent or empty, as ``meta_uuid``)."""
    return meta.get(key) or None
