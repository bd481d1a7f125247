"""What the estate's data-quality report (R7.5) and dashboard read of the meters' read model."""

from __future__ import annotations

from typing import Any, TypedDict
from uuid import UUID

import psycopg

from projections.failing import RecordCheck

#: A meter installed by the month's end with no recorded (counted) reading of
#: the month: readings held as a jump or submitted by a resident and not yet
#: confirmed do not count, as for the unread list (``queries.unread``).
_UNREAD = (
    "NOT EXISTS (SELECT 1 FROM meter_readings g WHERE g.meter_id = m.meter_id "
    "AND g.period = {month} AND g.status = 'recorded')"
)

METERS_WITHOUT_READING = RecordCheck(
    name="meters_without_reading",
    tables=("meters", "meter_readings"),
    source="meters m",
    where=(
        "m.estate_id = %(estate_id)s AND m.installed_on <= %(last_day)s AND "
        + _UNREAD.format(month="%(month)s")
    ),
    id="m.meter_id",
    label="coalesce(m.unit_label, m.area) || ' ' || m.kind",
    detail="'no reading of the month; last ' || m.last_reading::text || ' on ' || "
    "to_char(m.last_read_on, 'YYYY-MM-DD')",
    keys=(("coalesce(m.unit_label, m.area)", "text"), ("m.meter_id", "uuid")),
)


class MeterFigures(TypedDict):
    month: str
    meters: int  # installed by the month's end
    read: int  # with a recorded reading of the month
    waiting: int  # readings held or submitted, not yet confirmed


def meter_figures(conn: psycopg.Connection[Any], estate_id: UUID, month: str) -> MeterFigures:
    """The estate's meters this month: how many, how many read, how many readings wait."""
    row = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT "
        + _UNREAD.format(month="%(month)s")
        + "), coalesce(sum(m.waiting), 0) FROM meters m WHERE m.estate_id = %(estate_id)s "
        "AND m.installed_on <= (to_date(%(month)s, 'YYYY-MM') + interval '1 month' - "
        "interval '1 day')::date",
        {"estate_id": estate_id, "month": month},
    ).fetchone()
    meters, read, waiting = row if row else (0, 0, 0)
    return {"month": month, "meters": int(meters), "read": int(read), "waiting": int(waiting)}
