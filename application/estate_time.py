"""An estate's local time: the day its guards, residents and managers live by.

Times are stored in UTC; a day people name (the gate's log of 3 March, the
visitors of today) is a day of the estate's own clock, and a time told to a
resident is on that clock. No estate records a zone of its own yet: every
estate is on China Standard Time, the patrol plans' default zone and the car
park's tariff clock (decision 0066). An estate that records one later changes
:func:`estate_zone` and nothing that calls it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

ESTATE_ZONE = ZoneInfo("Asia/Shanghai")


def estate_zone(estate_id: UUID | None = None) -> ZoneInfo:
    """The zone an estate's days and clock times are in (every estate's, for now)."""
    return ESTATE_ZONE


def local_day(at: datetime, estate_id: UUID | None = None) -> date:
    """The estate's date at the instant ``at``."""
    return at.astimezone(estate_zone(estate_id)).date()


def day_bounds(day: date, estate_id: UUID | None = None) -> tuple[datetime, datetime]:
    """The UTC instants the estate's ``day`` runs between: [start, end)."""
    zone = estate_zone(estate_id)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_clock(at: datetime, estate_id: UUID | None = None) -> str:
    """``at`` as the estate's people read a clock: ``2026-03-01 09:05``."""
    return at.astimezone(estate_zone(estate_id)).strftime("%Y-%m-%d %H:%M")
