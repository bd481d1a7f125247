"""What the estate's data-quality report (R7.5) and dashboard read of the equipment
and alarm read models."""

from __future__ import annotations

from typing import Any, TypedDict
from uuid import UUID

import psycopg

from domain.equipment.alarm import AlarmStatus
from projections.failing import RecordCheck

#: The last sign of life of a facility record: a telemetry state, a service or
#: repair (an inspection), its installation or registration.
LAST_SEEN = (
    "greatest(e.state_at, e.last_serviced_at, e.last_repaired_at, "
    "e.installed_on::timestamptz, e.registered_at)"
)

STALE_FACILITY_RECORDS = RecordCheck(
    name="stale_facility_records",
    tables=("equipment_list",),
    source="equipment_list e",
    where=(
        "e.estate_id = %(estate_id)s AND e.status <> 'decommissioned' "
        f"AND {LAST_SEEN} < %(stale_before)s"
    ),
    id="e.equipment_id",
    label="e.name",
    detail=f"'nothing recorded since ' || to_char({LAST_SEEN} AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    keys=(("e.name", "text"), ("e.equipment_id", "uuid")),
)

ACTIVE = tuple(s.value for s in AlarmStatus if s is not AlarmStatus.CLEARED)


class AlarmFigures(TypedDict):
    active: int  # not cleared: raised, acknowledged or escalated
    by_severity: dict[str, int]


def active_alarms(conn: psycopg.Connection[Any], estate_id: UUID) -> AlarmFigures:
    """The estate's alarms not yet cleared, by severity."""
    rows = conn.execute(
        "SELECT severity, count(*) FROM equipment_alarms "
        "WHERE estate_id = %s AND status = ANY(%s) GROUP BY severity ORDER BY severity",
        [estate_id, list(ACTIVE)],
    ).fetchall()
    by_severity = {str(r[0]): int(r[1]) for r in rows}
    return {"active": sum(by_severity.values()), "by_severity": by_severity}
