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
from projections.equipment import queries
from projections.equipment.queries import StatusBoardRow

# A device's (``e``) last readings the log kept: the state, then each metric's
# last hour; as the live board's, one row of when and what.
_KEPT_READINGS = (
    "SELECT max(at) AS last_at, jsonb_object_agg(metric, value) AS latest FROM ("
    "SELECT 'state' AS metric, e.state_at AS at, e.state AS value WHERE e.state IS NOT NULL "
    "UNION ALL (SELECT DISTINCT ON (s.details->>'metric') s.details->>'metric', "
    "  (s.details->>'hour')::timestamptz + interval '1 hour', s.details->>'average' "
    "  FROM equipment_archive s "
    "  WHERE s.equipment_id = e.equipment_id AND s.event_type = 'ReadingsSummarised' "
    "  ORDER BY s.details->>'metric', s.position DESC)) kept"
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
    return queries.board(
        conn,
        reach,
        estate_id=estate_id,
        kind=kind,
        offline_before=offline_before,
        after_key=after_key,
        limit=limit,
        readings=_KEPT_READINGS,
    )
