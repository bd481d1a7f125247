"""On start: create the read models' tables, and rebuild those of another shape.

A read model whose tables do not carry the fingerprint of its code's DDL
(``projections/shapes.py``: a column added, a key changed, a ``version``
raised, or tables of a release before fingerprints) is rebuilt blue/green
(``replay/rebuild.py``) before the service returns from ``bootstrap.build``,
so nothing ever serves or applies events to a table of a shape its code does
not write. Start-up with nothing changed costs one catalogue query more than
running the DDL did (decision 0018).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from psycopg_pool import ConnectionPool

from infrastructure.database import SCHEMA_LOCK_KEY
from infrastructure.eventstore.store import EventLog
from projections.positions import DDL as POSITIONS_DDL
from projections.protocols import Projection
from projections.shapes import has_shape, is_fresh, mark, misshapen, tables_here
from replay.readmodels import BuildInProgress, replayable
from replay.rebuild import rebuild

log = logging.getLogger(__name__)

#: How often a start waits for another process's rebuild of the same read models.
WAIT_FOR_OTHER_BUILD = 0.5


def open_read_models(
    event_log: EventLog, pool: ConnectionPool, conninfo: str, projections: Sequence[Projection]
) -> list[str]:
    """Create what is missing, rebuild what is misshapen; the names rebuilt.

    A misshapen read model's DDL is not run on its live tables (an index on
    a column they lack would fail): the rebuild creates them afresh. Fresh
    tables of a read model that had already applied events (someone dropped
    them) are rebuilt too, since empty tables at a later position would
    silently miss rows.
    """
    checked = replayable(projections)
    with pool.connection() as conn, conn.transaction():
        # One process at a time, like the store's own DDL: a second one starting
        # now sees the tables and marks this one made.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK_KEY])
        before = tables_here(conn)
        stale = {p.name for p in checked if not is_fresh(p, before) and not has_shape(p, before)}
        for statement in POSITIONS_DDL:
            conn.execute(statement)  # type: ignore[arg-type]
        for projection in projections:
            if projection.name not in stale:
                for statement in projection.ddl:
                    conn.execute(statement)  # type: ignore[arg-type]
        applied: dict[str, int] = dict(
            conn.execute("SELECT name, position FROM projection_positions").fetchall()
        )
        for projection in checked:
            new = projection.name not in stale and is_fresh(projection, before)
            if new and applied.get(projection.name, 0) == 0:
                mark(conn, projection)
    return _rebuild_misshapen(event_log, pool, conninfo, checked)


def _rebuild_misshapen(
    event_log: EventLog, pool: ConnectionPool, conninfo: str, projections: Sequence[Projection]
) -> list[str]:
    while True:
        with pool.connection() as conn:
            stale = misshapen(projections, tables_here(conn))
        if not stale:
            return []
        names = [p.name for p in stale]
        log.warning("read models of another shape, rebuilding before serving: %s", names)
        try:
            report = rebuild(event_log, pool, conninfo, stale)
        except BuildInProgress:  # another process (or an operator) is building: wait, look again
            time.sleep(WAIT_FOR_OTHER_BUILD)
            continue
        log.warning("rebuilt %s up to position %s in %.1fs", names, report.position, report.seconds)
        return names
