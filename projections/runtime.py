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
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
from psycopg_pool import ConnectionPool

from infrastructure.eventstore.store import EVENTS_TABLE, EventLog
from projections.batches import ByAggregate, Decoder
from projections.protocols import (
    Decoded,
    LogProjection,
    Projection,
    batch_applier,
    reads_the_log,
)

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


@dataclass
class ProjectionFailed(Exception):
    projection: str
    position: int
    error: str


@dataclass(frozen=True)
class ProjectionStatus:
    """How far one read model is, and whether it is stuck."""

    name: str
    position: int
    head: int
    lag_events: int  # positions behind the head (a gap left by a rollback counts too)
    lag_seconds: float  # age of the oldest event not yet applied; 0 when caught up
    state: str  # running | failed | retrying (a transient failure such as Redis down)
    failed_position: int | None
    error: str | None
    updated_at: datetime | None


class Projector:
    """Keeps a set of projections up to date with the log."""

    def __init__(
        self,
        event_log: EventLog,
        pool: ConnectionPool,
        projections: Sequence[Projection],
        batch_size: int = 500,
        behind_batch_size: int = 5000,
    ) -> None:
        self.event_log = event_log
        self.pool = pool
        self.projections = list(projections)
        self.batch_size = batch_size
        # After a full batch the projection is behind: take bigger ones.
        self.behind_batch_size = behind_batch_size
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
        """Apply everything in the log now; the number of events applied.

        Read models near the head go together: one transaction, one read and
        one decode of each batch for all of them, a savepoint per read model
        (so one failing read model stops alone), one position update.
        Followers with side effects (outboxes) take their own transactions. A
        projection far behind (new, or rebuilt, or stopped for a while) takes
        bigger batches in between, shared only with those at the same position
        (after a bulk append, all of them), so it never holds the others back.
        A projection that fails for a passing reason (Redis down) sits out the
        rest of this call and is tried again on the next.
        """
        total = 0
        self._forget_repaired()
        deferred: set[str] = set()
        while True:
            healthy = [
                p for p in self.projections if p.name not in self.failed and p.name not in deferred
            ]
            if not healthy:
                break
            head = self.event_log.head()
            positions = self._positions()
            behind = [p for p in healthy if positions.get(p.name, 0) < head]
            if not behind:
                break
            near = [p for p in behind if head - positions.get(p.name, 0) <= self.batch_size]
            # Followers with side effects (they enqueue to Redis, which may be
            # slow or down) go on their own, so they never hold up a read model.
            live = [p for p in near if not getattr(p, "has_side_effects", False)]
            rounds = [(live, self.batch_size)] if live else []
            far = max(self.batch_size, self.behind_batch_size)
            # Read models far behind at the same position (a bulk append put all
            # of them there) share one read and decode too; each position is a
            # group of its own, so a rebuilt one never holds the others back.
            same_place: dict[int, list[Projection]] = {}
            for p in behind:
                if p not in live and p not in near and not getattr(p, "has_side_effects", False):
                    same_place.setdefault(positions.get(p.name, 0), []).append(p)
            rounds += [(group, far) for group in same_place.values()]
            grouped = {p.name for group in same_place.values() for p in group}
            rounds += [
                ([p], self.batch_size if p in near else far)
                for p in behind
                if p not in live and p.name not in grouped
            ]
            progressed = 0
            for group, limit in rounds:
                applied, failures = self._apply_together(group, limit)
                progressed += applied
                for failure in failures:
                    self._record_failure(failure)
                    deferred.add(failure.projection)
            total += progressed
            if not progressed:
                break
        return total

    def _positions(self) -> dict[str, int]:
        with self.pool.connection() as conn:
            return {
                name: int(position)
                for name, position in conn.execute(
                    "SELECT name, position FROM projection_positions"
                ).fetchall()
            }

    def _forget_repaired(self) -> None:
        """Resume projections whose failure was cleared elsewhere (by a rebuild)."""
        if not self.failed:
            return
        with self.pool.connection() as conn:
            cleared = conn.execute(
                "SELECT name FROM projection_positions WHERE name = ANY(%s) "
                "AND failed_position IS NULL",
                [list(self.failed)],
            ).fetchall()
        for (name,) in cleared:
            self.failed.pop(name, None)

    def status(self) -> list[ProjectionStatus]:
        """Position, lag and state of every projection, for operators."""
        head = self.event_log.head()
        with self.pool.connection() as conn:
            rows = {
                r[0]: r[1:]
                for r in conn.execute(
                    "SELECT name, position, updated_at, failed_position, error "
                    "FROM projection_positions"
                )
            }
        out = []
        now = datetime.now(UTC)
        for projection in self.projections:
            position, updated_at, failed_position, error = rows.get(
                projection.name, (0, None, None, None)
            )
            lag_seconds = 0.0
            if head > position:
                pending = self.event_log.read(after=position, limit=1)
                if pending:
                    try:
                        event, _ = self.event_log.mapper_with_metadata.decode(pending[0])
                        lag_seconds = max((now - vars(event)["timestamp"]).total_seconds(), 0.0)
                    except Exception:  # an event no code can read: the error says so
                        log.debug("cannot decode event %s for its age", pending[0].id)
            if failed_position is None and projection.name not in self.failed:
                state = "running"
            elif getattr(projection, "transient_failures", False):
                state = "retrying"
            else:
                state = "failed"
            out.append(
                ProjectionStatus(
                    name=projection.name,
                    position=int(position),
                    head=head,
                    lag_events=max(head - int(position), 0),
                    lag_seconds=round(lag_seconds, 3),
                    state=state,
                    failed_position=failed_position,
                    error=error,
                    updated_at=updated_at,
                )
            )
        return out

    def _apply_together(
        self, group: Sequence[Projection], limit: int
    ) -> tuple[int, list[ProjectionFailed]]:
        """One batch of the log for ``group``, committed at once.

        Returns how many events at least one projection applied, and the
        failures, each after the events before it were committed.
        """
        names = [p.name for p in group]
        failures: list[ProjectionFailed] = []
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "INSERT INTO projection_positions (name) SELECT unnest(%s::text[]) "
                "ON CONFLICT DO NOTHING",
                [names],
            )
            # Locked in name order, so two projectors never deadlock; another
            # projector's commit is seen here, so no event is applied twice.
            cur.execute(
                "SELECT name, position FROM projection_positions WHERE name = ANY(%s) "
                "ORDER BY name FOR UPDATE",
                [names],
            )
            positions = {str(name): int(position) for name, position in cur.fetchall()}
            start = min(positions.values())
            notes = self.event_log.read(after=start, limit=limit)
            if not notes:
                return 0, []
            decoded, unreadable = Decoder(self.event_log, group).decode(notes)
            batch = ByAggregate(decoded)
            last = notes[-1].id if unreadable is None else unreadable[0] - 1
            advanced: dict[str, int] = {}
            for projection in group:
                position = positions[projection.name]
                if reads_the_log(projection):
                    ids = [n.id for n in notes if position < n.id <= last]
                    failure = self._apply_positions(conn, cur, projection, position, ids)
                else:
                    mine = batch.share(projection, after=position)
                    failure = self._apply_events(conn, cur, projection, mine)
                if failure is not None:
                    reached = failure.position - 1  # everything before it: applied or not its
                elif unreadable is not None:
                    failure = ProjectionFailed(projection.name, *unreadable)
                    reached = unreadable[0] - 1
                else:
                    reached = last
                if reached > position:
                    advanced[projection.name] = reached
                if failure is not None:
                    failures.append(failure)
            if advanced:
                cur.executemany(
                    "UPDATE projection_positions SET position = %s, updated_at = now(), "
                    "failed_position = NULL, error = NULL WHERE name = %s",
                    [(position, name) for name, position in advanced.items()],
                )
                cur.execute(f"NOTIFY {PROGRESS_CHANNEL}")
        furthest = max(advanced.values(), default=start)
        return sum(1 for n in notes if start < n.id <= furthest), failures

    def _apply_positions(
        self,
        conn: psycopg.Connection[Any],
        cur: psycopg.Cursor[Any],
        projection: Projection,
        after: int,
        ids: Sequence[int],
    ) -> ProjectionFailed | None:
        """Apply the events ``ids`` (all of the log after ``after``, in order) to a
        log projection inside the caller's transaction; as :meth:`_apply_events`,
        one event at a time after a failure, to name the event that fails."""
        if not ids:
            return None
        apply_positions = cast(LogProjection, projection).apply_positions
        try:
            with conn.transaction():
                apply_positions(cur, after, ids[-1])
            return None
        except Exception:
            log.info("projection %s: positions after %s failed; one by one", projection.name, after)
        for position in ids:
            try:
                with conn.transaction():
                    apply_positions(cur, position - 1, position)
            except Exception as e:
                log.exception("projection %s failed at %s", projection.name, position)
                return ProjectionFailed(projection.name, position, repr(e))
        return None

    def _apply_events(
        self,
        conn: psycopg.Connection[Any],
        cur: psycopg.Cursor[Any],
        projection: Projection,
        events: Sequence[Decoded],
    ) -> ProjectionFailed | None:
        """Apply ``events`` to one projection inside the caller's transaction.

        All of them in one savepoint first (through ``apply_batch`` where the
        projection has one); if anything fails, the savepoint undoes them and
        they are applied again one savepoint each, which stops at the failing
        event exactly and keeps the ones before it.
        """
        if not events:
            return None
        fast = batch_applier(projection)
        try:
            with conn.transaction():
                if fast is not None and len(events) > 1:
                    fast(cur, events)
                else:
                    # Pipeline mode: the statements go out without waiting for
                    # each answer (a read in ``apply`` still gets its rows). Not
                    # for followers with side effects: a job must never be sent
                    # before the rows recorded with it are known to be written.
                    side_effects = getattr(projection, "has_side_effects", False)
                    with nullcontext() if side_effects else conn.pipeline():
                        for event, meta, note in events:
                            projection.apply(cur, event, meta, note)
            return None
        except Exception as e:
            if len(events) == 1 and fast is None:  # nothing to narrow down
                log.exception("projection %s failed at %s", projection.name, events[0][2].id)
                return ProjectionFailed(projection.name, events[0][2].id, repr(e))
            log.info(
                "projection %s: a batch from %s failed; applying it event by event",
                projection.name,
                events[0][2].id,
                exc_info=True,
            )
        for event, meta, note in events:
            try:
                with conn.transaction():  # a savepoint: a failure undoes this event only
                    projection.apply(cur, event, meta, note)
            except Exception as e:
                log.exception("projection %s failed at %s", projection.name, note.id)
                return ProjectionFailed(projection.name, note.id, repr(e))
        return None

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
