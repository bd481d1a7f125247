"""The projectors' positions: how far each read model is, and waiting for one.

``projection_positions`` has a row per read model: the last position applied,
and the position and error it stopped at, if it did. Rows and position are
committed together by the projector (``projections/runtime.py``), which then
NOTIFYs ``PROGRESS_CHANNEL`` so readers waiting for their own write wake up.
"""

from __future__ import annotations

import logging
import select
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from projections.log import EVENTS_TABLE, EventSource

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
    # true while the error at failed_position is being tried again (transient)
    "ALTER TABLE projection_positions ADD COLUMN IF NOT EXISTS retrying boolean "
    "NOT NULL DEFAULT false",
]


@dataclass(frozen=True)
class ProjectionStatus:
    """How far one read model is, and whether it is stuck."""

    name: str
    position: int
    head: int
    lag_events: int  # positions behind the head (a gap left by a rollback counts too)
    lag_seconds: float  # age of the oldest event not yet applied; 0 when caught up
    state: str  # running | failed | retrying (a passing failure: Redis or PostgreSQL trouble)
    failed_position: int | None
    error: str | None
    updated_at: datetime | None


def pending_age(source: EventSource, position: int, head: int, now: datetime) -> float:
    """Seconds since the oldest event after ``position`` happened; 0 when
    ``position`` is the head (or that event cannot be read for its age)."""
    if head <= position:
        return 0.0
    pending = source.read(after=position, limit=1)
    if not pending:
        return 0.0
    try:
        event, _ = source.mapper_with_metadata.decode(pending[0])
    except Exception:  # an event no code can read: a read model's error says so
        log.debug("cannot decode event %s for its age", pending[0].id)
        return 0.0
    return round(max((now - vars(event)["timestamp"]).total_seconds(), 0.0), 3)


def stopped_read_models(conn: psycopg.Connection[Any]) -> dict[str, tuple[int, str]]:
    """The read models that have stopped for good: name -> (failed position, error)."""
    rows = conn.execute(
        "SELECT name, failed_position, coalesce(error, '') FROM projection_positions "
        "WHERE failed_position IS NOT NULL AND NOT retrying"
    ).fetchall()
    return {str(name): (int(at), str(error)) for name, at, error in rows}


def applied(conn: psycopg.Connection[Any], name: str) -> tuple[int, bool] | None:
    """(the last position projection ``name`` applied, whether it has stopped for
    good), or None for a read model that has no row yet."""
    row = conn.execute(
        "SELECT position, failed_position IS NOT NULL AND NOT retrying "
        "FROM projection_positions WHERE name = %s",
        [name],
    ).fetchone()
    return None if row is None else (int(row[0]), bool(row[1]))


def wait_for_position(pool: ConnectionPool, name: str, position: int, timeout: float) -> bool:
    """Block until projection ``name`` has applied ``position`` (read-your-writes);
    False after ``timeout``, or at once if it stopped before that position."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(str(pool.conninfo), autocommit=True) as conn:
        conn.execute(f"LISTEN {PROGRESS_CHANNEL}")
        while True:
            row = applied(conn, name)
            if row and row[0] >= position:
                return True
            if row and row[1]:
                return False  # stopped: waiting cannot help
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            wait_for_notify(conn, min(remaining, 1.0))


def wait_for_notify(conn: psycopg.Connection[Any], timeout: float) -> None:
    ready, _, _ = select.select([conn.fileno()], [], [], timeout)
    if ready:
        for _ in conn.notifies(timeout=0, stop_after=1000):
            pass


def progress(conn: psycopg.Connection[Any]) -> tuple[int, dict[str, tuple[int, str | None]]]:
    """The log's head, and each read model's (position, error), for a readiness probe:
    two cheap reads, no decoding (``Projector.status`` tells the lag in seconds too)."""
    head = conn.execute(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}").fetchone()
    rows = conn.execute("SELECT name, position, error FROM projection_positions").fetchall()
    return int(head[0]) if head else 0, {name: (int(pos), error) for name, pos, error in rows}
