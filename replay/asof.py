"""Read models as they stood at a position or a moment, built into a scratch schema.

A moment becomes a position by :func:`projections.moments.position_at`
(re-exported here), which the financial statements share.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from infrastructure.eventstore.store import EventLog
from projections.moments import position_at, recorded_at
from projections.protocols import Projection
from replay.progress import Progress, ignore
from replay.readmodels import apply_range, build_indexes, checked_schema, open_build

__all__ = ["AsOfBuild", "build_as_of", "default_schema", "drop_build", "position_at", "recorded_at"]


@dataclass(frozen=True)
class AsOfBuild:
    schema: str
    position: int
    events: int
    projections: list[str]
    seconds: float


def default_schema(position: int) -> str:
    return f"estatelog_asof_{position}"


def build_as_of(
    event_log: EventLog,
    conninfo: str,
    projections: Sequence[Projection],
    position: int,
    schema: str | None = None,
    *,
    batch: int = 5000,
    progress: Progress = ignore,
) -> AsOfBuild:
    """Build ``projections`` from the log up to ``position`` into ``schema``.

    The schema also gets a one-row table ``as_of`` naming the position, so
    whoever queries it later can see what they are looking at.
    """
    started = time.perf_counter()
    schema = checked_schema(schema or default_schema(position))
    conn = open_build(conninfo, schema, projections)
    try:
        _, events = apply_range(
            conn,
            event_log,
            projections,
            after=0,
            stop=position,
            batch=batch,
            conninfo=conninfo,
            progress=progress,
        )
        build_indexes(conn, projections)
        conn.execute(
            "CREATE TABLE as_of (position bigint NOT NULL, projections text[] NOT NULL, "
            "built_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO as_of (position, projections) VALUES (%s, %s)",
            [position, [p.name for p in projections]],
        )
        conn.commit()
    finally:
        conn.close()
    return AsOfBuild(
        schema=schema,
        position=position,
        events=events,
        projections=[p.name for p in projections],
        seconds=time.perf_counter() - started,
    )


class NotAnAsOfBuild(LookupError):
    pass


def drop_build(conninfo: str, schema: str) -> None:
    """Remove an as-of build that is no longer needed (only ever an as-of build)."""
    schema = checked_schema(schema)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name = 'as_of'",
            [schema],
        ).fetchone()
        if not found:
            raise NotAnAsOfBuild(f"{schema} is not an as-of build; nothing was dropped")
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
