"""The status board as it stood at a position (an auditor's ``?as_of=``, decision 0055).

The live board's last readings come from ``equipment_latest_readings``, a
plain table the telemetry ingest writes (decision 0007): not an event, so not
in an as-of build. As of a position the board reads what the log kept, from
the build's read models: the devices in service then, their state and open
alarms as they stood, and as last readings the state (at its last change)
and, per measured metric, the last hourly summary recorded by then (its
average, at the end of its hour). Connectivity is judged at the moment of
the position, by the caller's ``offline_before``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from application.actor import Reach
from projections.equipment.queries import BOARD_COLUMNS, StatusBoardRow, _board_row, _rows
from projections.reach import clause

# The last readings the log kept: the state, then each metric's last hour.
_KEPT_READINGS = (
    "SELECT 'state' AS metric, e.state_at AS at, e.state AS value WHERE e.state IS NOT NULL "
    "UNION ALL (SELECT DISTINCT ON (s.details->>'metric') s.details->>'metric', "
    "  (s.details->>'hour')::timestamptz + interval '1 hour', s.details->>'average' "
    "  FROM equipment_archive s "
    "  WHERE s.equipment_id = e.equipment_id AND s.event_type = 'ReadingsSummarised' "
    "  ORDER BY s.details->>'metric', s.position DESC)"
)


def board(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    estate_id: UUID | None,
    kind: str | None,
    offline_before: datetime,
    after_key: tuple[int, str, UUID] | None = None,
    limit: int,
) -> list[StatusBoardRow]:
    """:func:`projections.equipment.queries.board`, on an as-of build's tables:
    the same rows, order and cursor, with the last readings the log kept."""
    where, params = clause(reach, "e.estate_id")
    clauses = [where, "e.status <> 'decommissioned'"]
    if estate_id:
        clauses.append("e.estate_id = %s")
        params.append(estate_id)
    if kind:
        clauses.append("e.kind = %s")
        params.append(kind)
    if after_key is not None:
        clauses.append("(-coalesce(a.worst, 0), e.name, e.equipment_id) > (-%s, %s, %s)")
        params += after_key
    sql = (
        "SELECT e.equipment_id, e.estate_id, e.kind, e.name, e.location, e.status, e.state, "
        "e.active_conditions, coalesce(a.open, 0), a.worst, r.last_at, r.latest "
        "FROM equipment_list e "
        "LEFT JOIN LATERAL (SELECT count(*) AS open, max(severity_rank) AS worst "
        "  FROM equipment_alarms WHERE equipment_id = e.equipment_id AND status <> 'cleared') a "
        "  ON true "
        "LEFT JOIN LATERAL (SELECT max(at) AS last_at, jsonb_object_agg(metric, value) AS latest "
        f"  FROM ({_KEPT_READINGS}) kept) r ON true "
        f"WHERE {' AND '.join(clauses)} "
        "ORDER BY -coalesce(a.worst, 0), e.name, e.equipment_id LIMIT %s"
    )
    rows = _rows(conn, dict[str, Any], sql, [*params, limit], BOARD_COLUMNS)
    return [_board_row(r, offline_before) for r in rows]
