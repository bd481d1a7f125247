"""Snapshots taken by a follower of the log, never inside a request.

The library snapshots in ``save()``: the request that happens to write an
aggregate's 100th event pays for a full load and a write of its whole state
(about 1 MB for a busy user). Here a background thread follows the log as the
projector does, notes which aggregates' versions have moved ``every`` events or
more past their latest snapshot, and snapshots them (decision 0032).

Its place in the log is a row of ``snapshotter_position``, moved after the
snapshots of a batch are written: a crash in between takes them again, or
finds them taken (the versions are compared with the snapshot table, so nothing
is taken twice). Snapshots are a cache of the log: one not taken costs a longer
load, never a wrong one, so an aggregate that cannot be snapshotted is logged
and passed over, and nothing here can fail or hold up a command.

A snapshot a load found stale (of another ``class_version`` of its class,
decision 0033) is replaced at the start of the next round: the loads of this
process name it in ``EventLog.stale_snapshots``. One found by another process
is replaced when its aggregate has grown ``every`` events, as the snapshot
taken then is folded from the events, past the stale one.

Following the log anyway, it also tells its ``version_watchers`` each batch's
latest version of each aggregate: the users' versions in Redis (decision
0035) catch up from here when the process that saved one died before saying so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

from infrastructure.eventstore.store import EventLog
from projections.positions import ProjectionStatus, pending_age
from projections.transient import is_transient

log = logging.getLogger(__name__)

NAME = "snapshots"
DDL = (
    """CREATE TABLE IF NOT EXISTS snapshotter_position (
        name text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    )""",
)
#: Events of one aggregate since its latest snapshot that make it worth another.
EVERY = 100
#: Backoff while the database cannot be reached: first wait, longest wait.
RETRY_FIRST, RETRY_LONGEST = 0.5, 10.0


class Snapshotter:
    """Follows the log and snapshots aggregates that have grown ``every`` events."""

    def __init__(
        self,
        event_log: EventLog,
        pool: ConnectionPool,
        *,
        every: int = EVERY,
        batch_size: int = 10_000,
        poll_every: float = 2.0,
    ) -> None:
        assert event_log.snapshots is not None
        self.event_log = event_log
        self.pool = pool
        self.every = every
        self.batch_size = batch_size
        self.poll_every = poll_every
        #: The error of the last round, while the rounds fail (this process's thread).
        self.failing: str | None = None
        events = event_log.chained_recorder
        snapshots: Any = event_log.snapshots.recorder
        schema = Identifier(events.datastore.schema)
        # Only the ids, versions and topics: the state of events is never read here.
        self._events_sql = SQL(
            "SELECT notification_id, originator_id, originator_version, topic FROM {}.{} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(schema, Identifier(events.events_table_name))
        self._snapshots_sql = SQL(
            "SELECT originator_id, max(originator_version) FROM {}.{} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(schema, Identifier(snapshots.events_table_name))
        #: Told of each batch's latest (aggregate, version, topic of that event)
        #: before the position moves past it; a watcher that fails is logged.
        self.version_watchers: list[Callable[[list[tuple[UUID, int, str]]], None]] = []

    def position(self) -> int:
        """The last position of the log looked at."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT position FROM snapshotter_position WHERE name = %s", [NAME]
            ).fetchone()
        return int(row[0]) if row else 0

    def status(self) -> ProjectionStatus:
        """How far behind the log it is, as a read model's status reads: a
        snapshot not yet taken costs loads, so operators watch this lag too.
        Never ``failed``: an aggregate it cannot snapshot is passed over; while
        its rounds fail (the database away) it is ``retrying``, with the error."""
        head = self.event_log.head()
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT position, updated_at FROM snapshotter_position WHERE name = %s", [NAME]
            ).fetchone()
        position, updated_at = (int(row[0]), row[1]) if row else (0, None)
        return ProjectionStatus(
            name=NAME,
            position=position,
            head=head,
            lag_events=max(head - position, 0),
            lag_seconds=pending_age(self.event_log, position, head, datetime.now(UTC)),
            state="running" if self.failing is None else "retrying",
            failed_position=None,
            error=self.failing,
            updated_at=updated_at,
        )

    def catch_up(self) -> int:
        """Look at the log up to its head; the number of snapshots taken."""
        taken = self._retake_stale()
        while True:
            start = self.position()
            with self.pool.connection() as conn:
                rows = conn.execute(self._events_sql, [start, self.batch_size]).fetchall()
                if not rows:
                    return taken
                latest: dict[UUID, int] = {}
                topics: dict[UUID, str] = {}
                for _, aggregate_id, version, topic in rows:  # in log order: the last is latest
                    latest[aggregate_id] = max(version, latest.get(aggregate_id, 0))
                    topics[aggregate_id] = topic
                snapped: dict[UUID, int] = dict(
                    conn.execute(self._snapshots_sql, [list(latest)]).fetchall()
                )
            for aggregate_id, version in latest.items():
                if version - snapped.get(aggregate_id, 0) >= self.every:
                    taken += self._take(aggregate_id, version)
            self._tell([(a, v, topics[a]) for a, v in latest.items()])
            self._advance(rows[-1][0])
            if len(rows) < self.batch_size:
                return taken

    def _tell(self, latest: list[tuple[UUID, int, str]]) -> None:
        for watcher in self.version_watchers:
            try:
                watcher(latest)
            except Exception:
                log.exception("a watcher of versions failed; the snapshots go on")

    def _retake_stale(self) -> int:
        """Replace the stale snapshots loads came upon; the number taken."""
        taken = 0
        while self.event_log.stale_snapshots:
            try:
                aggregate_id = self.event_log.stale_snapshots.pop()
            except KeyError:
                break  # another thread took the last
            # The stale one may be at the aggregate's latest version, where the new
            # one goes; until the new one is in, loads fold the events.
            self.event_log.forget_snapshots(aggregate_id)
            taken += self._take(aggregate_id, None)
        return taken

    def _take(self, aggregate_id: UUID, version: int | None) -> int:
        try:
            self.event_log.take_snapshot(aggregate_id, version=version)
        except IntegrityError:
            return 0  # another process took it first
        except Exception as e:
            if is_transient(e):
                raise  # the database is away: this batch is looked at again
            log.exception("cannot snapshot %s at version %s; passed over", aggregate_id, version)
            return 0
        return 1

    def _advance(self, position: int) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO snapshotter_position (name, position) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = greatest("
                "snapshotter_position.position, excluded.position), updated_at = now()",
                [NAME, position],
            )

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set, looking every ``poll_every`` seconds."""
        wait = RETRY_FIRST
        while not stop.is_set():
            try:
                self.catch_up()
                wait, self.failing = RETRY_FIRST, None
            except Exception as e:
                if stop.is_set():
                    return
                self.failing = repr(e)
                if is_transient(e):
                    log.warning("snapshotter cannot reach the database (%r); retrying", e)
                else:
                    log.exception("snapshotter round failed; retrying")
                stop.wait(wait)
                wait = min(wait * 2, RETRY_LONGEST)
                continue
            stop.wait(self.poll_every)
