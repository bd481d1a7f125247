"""Runs projections over the event log, exactly once.

Each projection's position lives in ``projection_positions``; the rows a batch
of events produces and the new position are committed in one transaction, and
the position row is locked for that transaction, so two projector processes
never apply the same event twice. The projector sleeps on LISTEN for the log's
NOTIFY and catches up in batches; after each commit it NOTIFYs
``estatelog_projections`` so readers waiting for their own write wake up.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import Notification
from psycopg_pool import ConnectionPool

from infrastructure.eventstore.store import EVENTS_TABLE, EventLog

log = logging.getLogger(__name__)

PROGRESS_CHANNEL = "estatelog_projections"

DDL = [
    """CREATE TABLE IF NOT EXISTS projection_positions (
        name text PRIMARY KEY,
        position bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        failed_position bigint,
        error text
    )""",
]


class Projection(Protocol):
    """A read model: tables, and how one event changes them."""

    @property
    def name(self) -> str: ...
    @property
    def ddl(self) -> Sequence[str]: ...
    @property
    def tables(self) -> Sequence[str]: ...

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None: ...


@dataclass
class ProjectionFailed(Exception):
    projection: str
    position: int
    error: str


class Projector:
    """Keeps a set of projections up to date with the log."""

    def __init__(
        self,
        event_log: EventLog,
        pool: ConnectionPool,
        projections: Sequence[Projection],
        batch_size: int = 500,
    ) -> None:
        self.event_log = event_log
        self.pool = pool
        self.projections = list(projections)
        self.batch_size = batch_size
        self.failed: dict[str, ProjectionFailed] = {}

    def ddl(self) -> list[str]:
        statements = list(DDL)
        for projection in self.projections:
            statements += projection.ddl
        return statements

    def position(self, name: str) -> int:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT position FROM projection_positions WHERE name = %s", [name]
            ).fetchone()
        return int(row[0]) if row else 0

    def catch_up(self) -> int:
        """Apply everything in the log now; the number of events applied."""
        total = 0
        for projection in self.projections:
            if projection.name in self.failed:
                continue
            while True:
                try:
                    applied = self._apply_batch(projection)
                except ProjectionFailed as failure:
                    self._record_failure(failure)
                    break
                total += applied
                if applied < self.batch_size:
                    break
        return total

    def _apply_batch(self, projection: Projection) -> int:
        mapper = self.event_log.mapper_with_metadata
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "INSERT INTO projection_positions (name) VALUES (%s) ON CONFLICT DO NOTHING",
                [projection.name],
            )
            cur.execute(
                "SELECT position FROM projection_positions WHERE name = %s FOR UPDATE",
                [projection.name],
            )
            row = cur.fetchone()
            assert row is not None
            start = int(row[0])
            notes = self.event_log.read(after=start, limit=self.batch_size)
            if not notes:
                return 0
            applied = 0
            failure: ProjectionFailed | None = None
            for note in notes:
                try:
                    with conn.transaction():  # a savepoint: a failure undoes this event only
                        event, meta = mapper.decode(note)
                        projection.apply(cur, event, meta, note)
                except Exception as e:
                    log.exception("projection %s failed at %s", projection.name, note.id)
                    failure = ProjectionFailed(projection.name, note.id, repr(e))
                    break
                applied += 1
            if applied:
                cur.execute(
                    "UPDATE projection_positions SET position = %s, updated_at = now(), "
                    "failed_position = NULL, error = NULL WHERE name = %s",
                    [notes[applied - 1].id, projection.name],
                )
                cur.execute(f"NOTIFY {PROGRESS_CHANNEL}")
        if failure is not None:
            raise failure  # after the events before it were committed
        return applied

    def _record_failure(self, failure: ProjectionFailed) -> None:
        projection = next(p for p in self.projections if p.name == failure.projection)
        transient = getattr(projection, "transient_failures", False)
        if not transient:
            self.failed[failure.projection] = failure
            self._raise_alert(failure)
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO projection_positions (name, failed_position, error) "
                "VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                "failed_position = excluded.failed_position, error = excluded.error, "
                "updated_at = now()",
                [failure.projection, failure.position, failure.error[:2000]],
            )

    def _raise_alert(self, failure: ProjectionFailed) -> None:
        from domain.identity.alerts import AdminAlert, Severity

        alert = AdminAlert(
            kind="projection_failed",
            severity=Severity.CRITICAL,
            subject_id=None,
            message=f"read model {failure.projection} stopped at position {failure.position}: "
            f"{failure.error[:500]}",
            at=datetime.now(UTC),
        )
        try:
            self.event_log.save(alert)
        except Exception:
            log.exception("could not record the alert for a failed projection")

    def wake(self) -> None:
        """Interrupt the wait for new events (to stop promptly)."""
        with self.pool.connection() as conn:
            conn.execute(f"NOTIFY {EVENTS_TABLE}")

    def run(self, stop: threading.Event, idle_timeout: float = 1.0) -> None:
        """Follow the log until ``stop`` is set, waking on NOTIFY."""
        conninfo = str(self.pool.conninfo)
        while not stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as listener:
                    listener.execute(f"LISTEN {EVENTS_TABLE}")
                    while not stop.is_set():
                        self.catch_up()
                        _wait_for_notify(listener, idle_timeout)
            except psycopg.OperationalError:
                if stop.is_set():
                    return
                log.warning("projector lost its connection; retrying", exc_info=True)
                time.sleep(1.0)


def _wait_for_notify(conn: psycopg.Connection[Any], timeout: float) -> None:
    ready, _, _ = select.select([conn.fileno()], [], [], timeout)
    if ready:
        for _ in conn.notifies(timeout=0, stop_after=1000):
            pass


def wait_for_position(pool: ConnectionPool, name: str, position: int, timeout: float) -> bool:
    """Block until projection ``name`` has applied ``position`` (read-your-writes)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(str(pool.conninfo), autocommit=True) as conn:
        conn.execute(f"LISTEN {PROGRESS_CHANNEL}")
        while True:
            row = conn.execute(
                "SELECT position FROM projection_positions WHERE name = %s", [name]
            ).fetchone()
            if row and int(row[0]) >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _wait_for_notify(conn, min(remaining, 1.0))
