"""Runs projections over the event log, exactly once.

Each projection's position lives in ``projection_positions``; the rows a batch
of events produces and the new position are committed in one transaction, and
the position row is locked for that transaction, so two projector processes
never apply the same event twice. The projector sleeps on LISTEN for the log's
NOTIFY and catches up in batches; after each commit it NOTIFYs
``estatelog_projections`` so readers waiting for their own write wake up.

Errors that pass by themselves (the database restarting, a full disk, a lock
timeout: ``projections/transient.py``) are tried again with backoff, for as
long as they last; any other error stops a read model once it has failed on
the same event ``attempts`` times in a row (decision 0015).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import psycopg
from psycopg_pool import ConnectionPool

from application.operations.recorder import IncidentRecorder
from domain.operations.incidents import Level, Source
from projections.applying import ProjectionFailed, apply_events, apply_positions
from projections.batches import ByAggregate, Decoder
from projections.log import EVENTS_TABLE, EventSource, raise_alert
from projections.positions import DDL as DDL
from projections.positions import (
    PROGRESS_CHANNEL,
    ProjectionStatus,
    pending_age,
    wait_for_notify,
)
from projections.positions import stopped_read_models as stopped_read_models
from projections.positions import wait_for_position as wait_for_position
from projections.protocols import Projection, reads_the_log
from projections.transient import is_transient

log = logging.getLogger(__name__)

#: Tries of one event that fails with an error that does not pass by itself.
ATTEMPTS = 3
#: Backoff of a read model whose error passes by itself: first wait, longest wait.
RETRY_FIRST, RETRY_LONGEST = 0.2, 5.0
#: Backoff of the projector loop while the database cannot be reached.
RECONNECT_FIRST, RECONNECT_LONGEST = 0.1, 2.0


class Projector:
    """Keeps a set of projections up to date with the log."""

    def __init__(
        self,
        event_log: EventSource,
        pool: ConnectionPool,
        projections: Sequence[Projection],
        batch_size: int = 500,
        behind_batch_size: int = 5000,
        attempts: int = ATTEMPTS,
        incidents: IncidentRecorder | None = None,
    ) -> None:
        self.event_log = event_log
        self.incidents = incidents  # a stopped read model is a level-2 incident
        self.pool = pool
        self.projections = list(projections)
        self.batch_size = batch_size
        # After a full batch the projection is behind: take bigger ones.
        self.behind_batch_size = behind_batch_size
        self.failed: dict[str, ProjectionFailed] = {}
        # Called after every catch-up of :meth:`run` (a heartbeat for healthchecks).
        self.on_round: Callable[[], None] = lambda: None
        self.attempts = attempts
        # name -> (position it fails at, tries so far); name -> monotonic time to try again
        self._tries: dict[str, tuple[int, int]] = {}
        self._retry_at: dict[str, float] = {}

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
        A projection that fails for a passing reason (Redis or the database
        down, a full disk) sits out the rest of this call and the backoff after
        it; one that fails otherwise is tried again at once, and stops for good
        (``failed``, an alert) on the ``attempts``-th failure at the same event.
        """
        total = 0
        self._forget_repaired()
        now = time.monotonic()
        deferred = {name for name, at in self._retry_at.items() if at > now}
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
            failed = False  # then look again: a failure may append an alert to apply
            for group, limit in rounds:
                applied, failures = self._apply_together(group, limit)
                progressed += applied
                for failure in failures:
                    failed = True
                    if self._record_failure(failure):
                        deferred.add(failure.projection)
            total += progressed
            if not progressed and not failed:
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
                    "SELECT name, position, updated_at, failed_position, error, retrying "
                    "FROM projection_positions"
                )
            }
        out = []
        now = datetime.now(UTC)
        for projection in self.projections:
            position, updated_at, failed_position, error, retrying = rows.get(
                projection.name, (0, None, None, None, False)
            )
            lag_seconds = pending_age(self.event_log, int(position), head, now)
            if failed_position is None and projection.name not in self.failed:
                state = "running"
            elif projection.name not in self.failed and (
                retrying or getattr(projection, "transient_failures", False)
            ):
                state = "retrying"
            else:
                state = "failed"
            out.append(
                ProjectionStatus(
                    name=projection.name,
                    position=int(position),
                    head=head,
                    lag_events=max(head - int(position), 0),
                    lag_seconds=lag_seconds,
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
                    failure = apply_positions(conn, cur, projection, position, ids)
                else:
                    mine = batch.share(projection, after=position)
                    failure = apply_events(conn, cur, projection, mine)
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
                    "failed_position = NULL, error = NULL, retrying = false WHERE name = %s",
                    [(position, name) for name, position in advanced.items()],
                )
                cur.execute(f"NOTIFY {PROGRESS_CHANNEL}")
        for name in advanced:  # committed: its tries start again
            self._tries.pop(name, None)
            self._retry_at.pop(name, None)
        furthest = max(advanced.values(), default=start)
        return sum(1 for n in notes if start < n.id <= furthest), failures

    def _record_failure(self, failure: ProjectionFailed) -> bool:
        """Count a failure; True if the read model sits out this catch-up (it
        waits for its backoff, or has stopped), False to try it again at once."""
        name = failure.projection
        projection = next(p for p in self.projections if p.name == name)
        at, tries = self._tries.get(name, (failure.position, 0))
        tries = tries + 1 if at == failure.position else 1
        self._tries[name] = (failure.position, tries)
        passing = failure.transient or getattr(projection, "transient_failures", False)
        if not passing and tries < self.attempts:
            log.warning("projection %s failed at %s (try %s)", name, failure.position, tries)
            time.sleep(0.05 * tries)  # in case it was a passing error after all
            return False
        if passing:
            wait = min(RETRY_FIRST * 2 ** (tries - 1), RETRY_LONGEST)
            self._retry_at[name] = time.monotonic() + wait
        # The row before the alert: if the alert cannot be saved, the stop is
        # still recorded, and the next catch-up does not take it as repaired.
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO projection_positions (name, failed_position, error, retrying) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                "failed_position = excluded.failed_position, error = excluded.error, "
                "retrying = excluded.retrying, updated_at = now()",
                [name, failure.position, failure.error[:2000], passing],
            )
        if not passing:
            self.failed[name] = failure
            self._tries.pop(name, None)
            raise_alert(
                self.event_log,
                "projection_failed",
                f"read model {name} stopped at position {failure.position}: {failure.error[:500]}",
            )
            if self.incidents is not None:  # the alert above is the incident's: not another
                self.incidents.record(
                    Level.BUSINESS_INTERRUPTED,
                    Source.PROJECTOR,
                    "read_model_stopped",
                    name,
                    f"read model {name} stopped on a "
                    f"{failure.error.split('(', 1)[0][:80]} at position {failure.position}",
                    alerted=True,
                )
        return True

    def wake(self) -> None:
        """Interrupt the wait for new events (to stop promptly)."""
        with self.pool.connection() as conn:
            conn.execute(f"NOTIFY {EVENTS_TABLE}")

    def resume(self, name: str) -> int | None:
        """Clear a stopped read model's failure, so that a running projector tries
        its event again (after a fix, without a rebuild); the position it stopped
        at, or None if it had not stopped."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "UPDATE projection_positions p SET failed_position = NULL, error = NULL, "
                "retrying = false, updated_at = now() FROM projection_positions old "
                "WHERE p.name = %s AND old.name = p.name AND old.failed_position IS NOT NULL "
                "RETURNING old.failed_position",
                [name],
            ).fetchone()
            conn.execute(f"NOTIFY {EVENTS_TABLE}")  # wake the projector now
        self._tries.pop(name, None)
        self._retry_at.pop(name, None)
        return int(row[0]) if row else None

    def run(self, stop: threading.Event, idle_timeout: float = 1.0) -> None:
        """Follow the log until ``stop`` is set, waking on NOTIFY.

        Rides out a database outage of any length: whatever a round raises
        (the library's ``OperationalError``, psycopg's, a pool timeout) ends
        that round, whose transaction committed nothing; the projector waits
        (with backoff) and starts again from the positions in the database.
        """
        conninfo = str(self.pool.conninfo)
        wait = RECONNECT_FIRST
        while not stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as listener:
                    listener.execute(f"LISTEN {EVENTS_TABLE}")
                    while not stop.is_set():
                        self.catch_up()
                        self.on_round()
                        wait = RECONNECT_FIRST
                        wait_for_notify(listener, idle_timeout)
            except Exception as e:
                if stop.is_set():
                    return
                if is_transient(e):
                    log.warning("projector cannot reach the database (%r); retrying", e)
                else:
                    log.exception("projector round failed; retrying")
                stop.wait(wait)
                wait = min(wait * 2, RECONNECT_LONGEST)
