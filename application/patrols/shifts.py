"""A plan's shift on a day, as UTC instants: the local start in the plan's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import ValidationFailed
from domain.patrols.plan import PatrolPlan, Window


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed("timezone: an IANA zone such as Asia/Shanghai") from exc


def window_of(plan: PatrolPlan) -> Window:
    """The plan's shift on a local date: (start, end) in UTC."""
    where = zone(plan.timezone)
    hours, minutes = (int(part) for part in plan.shift_starts.split(":"))

    def window(day: date) -> tuple[datetime, datetime]:
        starts = datetime.combine(day, time(hours, minutes), tzinfo=where).astimezone(UTC)
        return starts, starts + timedelta(minutes=plan.shift_minutes)

    return window
