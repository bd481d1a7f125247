"""Background jobs on dramatiq + Redis, fed by a follower of the event log.

The log is the outbox: a projection (``AlertOutbox``) enqueues a job for each
``AdminAlert.Raised`` event and advances its position only after the enqueue
succeeded. If Redis or the workers are down, the follower retries from its
position later, so nothing is lost; a job may run twice after a crash, so
every job is idempotent (its rows are keyed by the alert and the recipient).
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import dramatiq
import psycopg
from dramatiq.brokers.redis import RedisBroker
from eventsourcing.persistence import Notification
from psycopg_pool import ConnectionPool

from projections.events import kind_of

log = logging.getLogger(__name__)

QUEUE = "estatelog-alerts"

DDL = [
    """CREATE TABLE IF NOT EXISTS alert_inbox (
        alert_id uuid NOT NULL,
        recipient_id uuid NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL,
        message text NOT NULL,
        raised_position bigint NOT NULL,
        delivered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (alert_id, recipient_id)
    )""",
    # An administrator's inbox, newest first (projections/operations/alerts.py).
    "CREATE INDEX IF NOT EXISTS alert_inbox_recipient "
    "ON alert_inbox (recipient_id, raised_position)",
]


def make_broker(redis_url: str) -> RedisBroker:
    return RedisBroker(url=redis_url, namespace="estatelog")


class Jobs:
    """The actors, bound to one broker and one database (no global registry)."""

    def __init__(self, broker: RedisBroker, pool: ConnectionPool) -> None:
        self.broker = broker
        self.pool = pool
        self.deliver_admin_alert: Any = dramatiq.actor(  # type: ignore[call-overload]
            fn=self._deliver_admin_alert,
            actor_name="deliver_admin_alert",
            queue_name=QUEUE,
            broker=broker,
            max_retries=20,
            min_backoff=500,
            max_backoff=60_000,
        )

    def _deliver_admin_alert(
        self, alert_id: str, kind: str, severity: str, message: str, position: int
    ) -> None:
        """Put the alert in every administrator's in-app inbox, once."""
        with self.pool.connection() as conn:
            admins = conn.execute(
                "SELECT user_id FROM user_directory "
                "WHERE 'admin' = ANY(roles) AND status <> 'disabled'"
            ).fetchall()
            for (admin_id,) in admins:
                conn.execute(
                    "INSERT INTO alert_inbox (alert_id, recipient_id, kind, severity, message, "
                    "raised_position) VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                    [UUID(alert_id), admin_id, kind, severity, message, position],
                )
        log.info("admin alert %s (%s) delivered to %d administrators", alert_id, kind, len(admins))


class AlertOutbox:
    """Follows the log and enqueues a delivery job per raised admin alert."""

    name = "alert_outbox"
    aggregates = frozenset({"AdminAlert"})
    tables: tuple[str, ...] = ()
    ddl: tuple[str, ...] = ()
    transient_failures = True  # Redis down: try again later, do not stop for good
    has_side_effects = True  # never replayed: a rebuild would send every old alert again

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        if kind_of(event) != ("AdminAlert", "Raised"):
            return
        self.jobs.deliver_admin_alert.send(
            str(note.originator_id), event.kind, str(event.severity), event.message, note.id
        )
