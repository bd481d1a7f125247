"""Blue/green rebuild of read models: build aside, catch up, swap in one transaction.

The new tables are built in a schema of their own while the live ones keep
serving. The swap locks the projections' position rows (the live projector
waits), applies the last few events, drops the live tables, moves the new
ones into the live schema and sets the positions, all in one transaction: a
reader sees the old model or the new one, never a half-built one (a query
that waited on the drop resolves the name again and reads the new table).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from psycopg import sql
from psycopg_pool import ConnectionPool

from infrastructure.eventstore.store import EventLog
from projections.positions import PROGRESS_CHANNEL
from projections.protocols import Projection
from replay.progress import Progress, ignore
from replay.readmodels import apply_range, build_indexes, live_schema, open_build

REBUILD_SCHEMA = "estatelog_rebuild"


@dataclass(frozen=True)
class RebuildReport:
    projections: list[str]
    position: int
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def _offset(progress: Progress, before: int, position: int, events: int) -> None:
    """``progress`` of a later pass: its events counted after the ``before`` done."""
    progress(position, before + events)


def rebuild(
    event_log: EventLog,
    pool: ConnectionPool,
    conninfo: str,
    projections: Sequence[Projection],
    *,
    batch: int = 5000,
    before_swap: Callable[[], None] | None = None,
    progress: Progress = ignore,
) -> RebuildReport:
    """Rebuild ``projections`` from position 0 and swap them in atomically.

    ``before_swap`` runs when the new tables are built and caught up but not
    yet live (tests use it to look at the API mid-rebuild); ``progress``
    hears of each batch as it is applied.
    """
    started = time.perf_counter()
    names = sorted(p.name for p in projections)
    with pool.connection() as conn:
        live = live_schema(conn)
        conn.rollback()
    build = open_build(conninfo, REBUILD_SCHEMA, projections)
    try:
        position, events = apply_range(
            build,
            event_log,
            projections,
            after=0,
            batch=batch,
            conninfo=conninfo,
            progress=progress,
        )
        while event_log.head() - position > batch:  # catch up without holding any lock
            position, more = apply_range(
                build,
                event_log,
                projections,
                after=position,
                batch=batch,
                conninfo=conninfo,
                progress=partial(_offset, progress, events),
            )
            events += more
        build_indexes(build, projections)
        if before_swap is not None:
            before_swap()
        with build.transaction():
            positions = sql.Identifier(live, "projection_positions")
            for name in names:  # in name order, so two rebuilds cannot deadlock
                build.execute(
                    sql.SQL("INSERT INTO {} (name) VALUES (%s) ON CONFLICT DO NOTHING").format(
                        positions
                    ),
                    [name],
                )
                build.execute(
                    sql.SQL("SELECT position FROM {} WHERE name = %s FOR UPDATE").format(positions),
                    [name],
                )
            position, more = apply_range(
                build, event_log, projections, after=position, batch=batch, commit=False
            )
            events += more
            for projection in projections:
                for table in projection.tables:
                    build.execute(
                        sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(live, table))
                    )
                    build.execute(
                        sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                            sql.Identifier(REBUILD_SCHEMA, table), sql.Identifier(live)
                        )
                    )
            build.execute(
                sql.SQL(
                    "UPDATE {} SET position = %s, updated_at = now(), failed_position = NULL, "
                    "error = NULL WHERE name = ANY(%s)"
                ).format(positions),
                [position, names],
            )
            build.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(REBUILD_SCHEMA)))
            build.execute(sql.SQL("NOTIFY {}").format(sql.Identifier(PROGRESS_CHANNEL)))
    finally:
        build.close()
    return RebuildReport(names, position, events, time.perf_counter() - started)
