"""As-of builds made on demand for reads over HTTP (decision 0051).

An auditor's read ``?as_of=P`` is served from ``estatelog_asof_P``, the read
models replayed up to P (:func:`replay.asof.build_as_of`). This service makes
such a build when one is first asked for, on a thread of its own (replay is
CPU work: never on the event loop), and keeps one row per build in
``asof_builds``: its state, its progress, when it was last read. The row is
what several processes (``serve --workers 2``) agree on: whoever inserts it
builds, the others report its progress. A builder that died leaves a row
whose heartbeat stops; the next ask after :data:`STALE_SECONDS` takes it
over. A failed build stays failed (and is reported) until the idle job drops
it, so a broken event is not replayed again on every ask.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from psycopg import sql
from psycopg_pool import ConnectionPool

from application.scheduling import ScheduledJob
from infrastructure.autocommit import autocommitted
from infrastructure.eventstore.store import EventLog
from projections.protocols import Projection
from replay.asof import build_as_of, default_schema
from replay.readmodels import checked_schema, replayable

log = logging.getLogger(__name__)

DDL = [
    """
    CREATE TABLE IF NOT EXISTS asof_builds (
        position bigint PRIMARY KEY,
        schema_name text NOT NULL,
        state text NOT NULL CHECK (state IN ('building', 'ready', 'failed')),
        reached bigint NOT NULL DEFAULT 0,
        events_done bigint NOT NULL DEFAULT 0,
        error text,
        started_at timestamptz NOT NULL DEFAULT now(),
        beat_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        used_at timestamptz NOT NULL DEFAULT now()
    )
    """
]

#: A building row whose heartbeat (every batch, a few a second) is older than
#: this has lost its builder (its process died): the next ask builds again.
STALE_SECONDS = 60.0
#: Progress is written at most this often (one UPDATE), whatever the batch rate.
BEAT_SECONDS = 0.5


@dataclass(frozen=True)
class BuildState:
    position: int
    schema: str
    state: Literal["building", "ready", "failed"]
    reached: int  # the last position applied so far
    events_done: int
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    used_at: datetime

    @property
    def ready(self) -> bool:
        return self.state == "ready"


class TooManyBuilds(RuntimeError):
    """Every place for a build is taken by one still building."""


class BeyondTheLog(ValueError):
    """A position the log has not reached: no build of it can be made (yet)."""

    def __init__(self, position: int, head: int) -> None:
        super().__init__(f"position {position} is beyond the head of the log ({head})")
        self.head = head


_COLUMNS = (
    "position, schema_name, state, reached, events_done, error, started_at, finished_at, used_at"
)


class AsOfBuilds:
    """``ensure(position)``: a ready build, or one under way (started if need be)."""

    def __init__(
        self,
        event_log: EventLog,
        pool: ConnectionPool,
        conninfo: str,
        projections: Sequence[Projection],
        *,
        ttl_seconds: float,
        max_builds: int,
        batch: int = 5000,
    ) -> None:
        self.event_log, self.pool, self.conninfo = event_log, pool, conninfo
        self.projections = replayable(projections)
        self.ttl_seconds, self.max_builds, self.batch = ttl_seconds, max_builds, batch
        # How stale "last read" may get: a tenth of the TTL, at most a minute.
        self._touch_seconds = min(60.0, ttl_seconds / 10)
        self._lock = threading.Lock()
        self._running: dict[int, threading.Thread] = {}

    # ---- reading the state -------------------------------------------------------

    def status(self, position: int) -> BuildState | None:
        with autocommitted(self.pool) as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM asof_builds WHERE position = %s", [position]
            ).fetchone()
        return _state(row)

    def all(self) -> list[BuildState]:
        with autocommitted(self.pool) as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM asof_builds ORDER BY position").fetchall()
        return [s for s in map(_state, rows) if s is not None]

    # ---- asking for a build ------------------------------------------------------

    def ensure(self, position: int) -> BuildState:
        """The build of ``position``: ready (marked as read), under way, or
        failed. One not there is started; so is a ready one whose schema is
        gone (dropped by hand) or one whose builder stopped beating."""
        with autocommitted(self.pool) as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS}, "
                "EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name), "
                "beat_at < now() - make_interval(secs => %s), "
                "used_at < now() - make_interval(secs => %s) "
                "FROM asof_builds WHERE position = %s",
                [STALE_SECONDS, self._touch_seconds, position],
            ).fetchone()
            if row is not None:
                found = _state(row[:-3])
                exists, stale, untouched = row[-3], row[-2], row[-1]
                assert found is not None
                if untouched:  # a write a read at most every so often, not on each
                    conn.execute(
                        "UPDATE asof_builds SET used_at = now() WHERE position = %s", [position]
                    )
                if found.state == "failed" or (found.state == "ready" and exists):
                    return found
                if found.state == "building" and not (stale and self._takes_over(conn, found)):
                    return found
                if found.state == "ready":  # its schema was dropped under it
                    conn.execute("DELETE FROM asof_builds WHERE position = %s", [position])
                    return self._start(conn, position)
                self._spawn(position, found.schema)
                return found
            return self._start(conn, position)

    def _takes_over(self, conn: Any, found: BuildState) -> bool:
        """Whether this process wins a stale build (exactly one asker does)."""
        if found.position in self._running:
            return False
        won = conn.execute(
            "UPDATE asof_builds SET beat_at = now(), reached = 0, events_done = 0 "
            "WHERE position = %s AND state = 'building' "
            "AND beat_at < now() - make_interval(secs => %s) RETURNING position",
            [found.position, STALE_SECONDS],
        ).fetchone()
        return won is not None

    def _start(self, conn: Any, position: int) -> BuildState:
        # Checked only here: a build that exists was of a position in the log.
        head = self.event_log.head()
        if position > head:
            raise BeyondTheLog(position, head)
        self._make_room(conn)
        schema = default_schema(position)
        inserted = conn.execute(
            "INSERT INTO asof_builds (position, schema_name, state) VALUES (%s, %s, 'building') "
            f"ON CONFLICT (position) DO NOTHING RETURNING {_COLUMNS}",
            [position, schema],
        ).fetchone()
        if inserted is None:  # another process asked first: theirs is the build
            again = self.status(position)
            assert again is not None
            return again
        self._spawn(position, schema)
        state = _state(inserted)
        assert state is not None
        return state

    def _make_room(self, conn: Any) -> None:
        """Drop the least recently read builds until one more fits."""
        count = conn.execute("SELECT count(*) FROM asof_builds").fetchone()[0]
        if count < self.max_builds:
            return
        victims = conn.execute(
            "SELECT position, schema_name FROM asof_builds WHERE state <> 'building' "
            "ORDER BY used_at LIMIT %s",
            [count - self.max_builds + 1],
        ).fetchall()
        if count - len(victims) >= self.max_builds:
            raise TooManyBuilds(
                f"{count} as-of builds are under way, the most allowed "
                "(ESTATELOG_ASOF_MAX_BUILDS): retry when one is done"
            )
        for position, schema in victims:
            self._drop(conn, position, schema)

    def _spawn(self, position: int, schema: str) -> None:
        with self._lock:
            if position in self._running:
                return
            thread = threading.Thread(
                target=self._build, args=(position, schema), name=f"asof-{position}", daemon=True
            )
            self._running[position] = thread
        thread.start()

    def _build(self, position: int, schema: str) -> None:
        last = 0.0

        def beat(reached: int, events: int) -> None:
            nonlocal last
            if time.monotonic() - last < BEAT_SECONDS:
                return
            last = time.monotonic()
            self._update(
                "SET reached = %s, events_done = %s, beat_at = now() WHERE position = %s",
                [reached, events, position],
            )

        try:
            done = build_as_of(
                self.event_log,
                self.conninfo,
                self.projections,
                position,
                schema,
                batch=self.batch,
                progress=beat,
            )
            self._update(
                "SET state = 'ready', reached = %s, events_done = %s, finished_at = now(), "
                "beat_at = now() WHERE position = %s",
                [position, done.events, position],
            )
        except Exception as e:
            log.exception("the as-of build of position %s failed", position)
            self._update(
                "SET state = 'failed', error = %s, finished_at = now() WHERE position = %s",
                [f"{type(e).__name__}: {e}"[:1000], position],
            )
        finally:
            with self._lock:
                self._running.pop(position, None)

    def _update(self, assignments: str, params: list[Any]) -> None:
        with autocommitted(self.pool) as conn:
            conn.execute(f"UPDATE asof_builds {assignments}", params)  # type: ignore[arg-type]

    # ---- dropping ------------------------------------------------------------------

    def drop(self, position: int) -> bool:
        """Drop the build of ``position`` (not one under way); whether there was one."""
        with autocommitted(self.pool) as conn:
            row = conn.execute(
                "SELECT schema_name FROM asof_builds WHERE position = %s AND state <> 'building'",
                [position],
            ).fetchone()
            if row is None:
                return False
            self._drop(conn, position, row[0])
        return True

    def drop_idle(self, now: datetime) -> int:
        """Drop every finished build nobody has read for the TTL; how many."""
        cutoff = now - timedelta(seconds=self.ttl_seconds)
        with autocommitted(self.pool) as conn:
            idle = conn.execute(
                "SELECT position, schema_name FROM asof_builds "
                "WHERE state <> 'building' AND used_at < %s",
                [cutoff],
            ).fetchall()
            for position, schema in idle:
                self._drop(conn, position, schema)
        return len(idle)

    def _drop(self, conn: Any, position: int, schema: str) -> None:
        # Readers still in a statement hold their tables: the drop waits for them.
        ident = sql.Identifier(checked_schema(schema))
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(ident))
        conn.execute("DELETE FROM asof_builds WHERE position = %s", [position])

    def scheduled(self) -> list[ScheduledJob]:
        every = max(1.0, min(60.0, self.ttl_seconds / 4))
        return [ScheduledJob("drop idle as-of builds", every, self.drop_idle)]


def _state(row: Any) -> BuildState | None:
    if row is None:
        return None
    return BuildState(*row)
