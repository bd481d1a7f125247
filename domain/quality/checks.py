"""The data-quality checks (R7.5), one row each.

A check finds records of one estate that are incomplete (a unit without an
owner) or inconsistent with another record (a bill whose rate no adopted
rate change gives). Each row says what the check finds, how serious a
finding is and which read models its query reads; the query itself lives
beside those tables (``projections/<context>/quality.py``) and
``projections/quality/checks.py`` joins the two, failing at import for a
row without a query. Adding a check ("meters without a reading this
period") is a row here, its query in the module that owns the table, its
line in docs/quality.md; the report, the runs, the trend and the dashboard
follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import ValidationFailed

#: Equipment with neither telemetry nor an inspection (a service, a repair)
#: for this many days is a stale facility record.
STALE_AFTER_DAYS = 30
LONGEST_STALE_DAYS = 3660
#: How far back an on-demand run may look: ten years of the estate's months.
HISTORY_MONTHS = 120
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")  # ASCII digits only


class Severity(StrEnum):
    """``error``: a record others rely on is wrong or missing (bills, owners);
    ``warning``: a record is incomplete and should be completed."""

    ERROR = "error"
    WARNING = "warning"


class CheckName(StrEnum):
    UNITS_WITHOUT_AREA = "units_without_area"
    UNITS_WITHOUT_OWNER = "units_without_owner"
    OCCUPANTS_WITHOUT_CONTACT = "occupants_without_contact"
    EQUIPMENT_WITHOUT_PLAN = "equipment_without_plan"
    STALE_FACILITY_RECORDS = "stale_facility_records"
    BILLS_WITHOUT_RATE = "bills_without_rate"
    METERS_WITHOUT_READING = "meters_without_reading"


@dataclass(frozen=True)
class CheckSpec:
    name: CheckName
    finds: str  # what a failing record is, in a sentence
    severity: Severity
    record: str  # the kind of record it lists: unit, person, equipment, bill
    read_models: tuple[str, ...]  # the read models whose tables its query reads


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        CheckName.UNITS_WITHOUT_AREA,
        "units whose gross or internal area is not above zero",
        Severity.ERROR,
        "unit",
        ("registry",),
    ),
    CheckSpec(
        CheckName.UNITS_WITHOUT_OWNER,
        "units with no current owner (no owner's occupancy that has not ended)",
        Severity.ERROR,
        "unit",
        ("registry",),
    ),
    CheckSpec(
        CheckName.OCCUPANTS_WITHOUT_CONTACT,
        "people living in a unit now with neither a phone nor a login",
        Severity.WARNING,
        "person",
        ("registry",),
    ),
    CheckSpec(
        CheckName.EQUIPMENT_WITHOUT_PLAN,
        "equipment not decommissioned that no active maintenance plan covers "
        "(by the equipment, or by its kind in its estate)",
        Severity.WARNING,
        "equipment",
        ("equipment", "workorders"),
    ),
    CheckSpec(
        CheckName.STALE_FACILITY_RECORDS,
        "equipment not decommissioned with no telemetry state and no service, repair, "
        "installation or registration in the last stale_days days",
        Severity.WARNING,
        "equipment",
        ("equipment",),
    ),
    CheckSpec(
        CheckName.BILLS_WITHOUT_RATE,
        "bills of the month with a fee line whose item and rate no adopted rate change "
        "of the estate, effective by the month's end, gives",
        Severity.ERROR,
        "bill",
        ("finance_accounts", "finance_rates", "registry"),  # registry: the bill's number
    ),
    CheckSpec(
        CheckName.METERS_WITHOUT_READING,
        "meters installed by the month's end with no counted reading of the month "
        "(a reading held as a jump or awaiting confirmation does not count)",
        Severity.WARNING,
        "meter",
        ("meters",),
    ),
)

SPECS: dict[CheckName, CheckSpec] = {spec.name: spec for spec in CHECKS}
CHECK_NAMES: tuple[str, ...] = tuple(spec.name.value for spec in CHECKS)
#: Every read model some check reads: a run waits for each to reach the log's head.
READ_MODELS: tuple[str, ...] = tuple(dict.fromkeys(m for s in CHECKS for m in s.read_models))


def month_of(value: str) -> str:
    """A month as ``YYYY-MM``; anything else is refused."""
    if not isinstance(value, str) or not _MONTH.match(value):
        raise ValidationFailed("month: a month as YYYY-MM")
    return value


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a ``YYYY-MM`` month."""
    year, number = (int(p) for p in month_of(month).split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def previous_month(day: date) -> str:
    """The month before the one ``day`` falls in."""
    first = day.replace(day=1)
    last = date.fromordinal(first.toordinal() - 1)
    return f"{last.year:04d}-{last.month:02d}"


def months_before(month: str, count: int) -> str:
    """The month ``count`` months before ``month`` (``YYYY-MM``)."""
    year, number = (int(p) for p in month_of(month).split("-"))
    index = year * 12 + number - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_in_reach(value: str, today: date) -> str:
    """A month a run may be asked for on the estate's ``today``: none after
    its current month (no data yet), none more than :data:`HISTORY_MONTHS` before."""
    month, current = month_of(value), f"{today:%Y-%m}"
    if month > current:
        raise ValidationFailed(f"month: {month} is after the estate's current month {current}")
    earliest = months_before(current, HISTORY_MONTHS)
    if month < earliest:
        raise ValidationFailed(f"month: {month} is before {earliest}, the earliest a run reads")
    return month


def stale_days_of(value: int | None) -> int:
    days = STALE_AFTER_DAYS if value is None else value
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= LONGEST_STALE_DAYS:
        raise ValidationFailed(f"stale_days: a whole number of days, 1 to {LONGEST_STALE_DAYS}")
    return days


def monthly_run_id(estate_id: UUID, month: str) -> UUID:
    """The scheduled run of an estate for a month: one, however often the job wakes."""
    return uuid5(NAMESPACE_URL, f"estatelog:quality-run:{estate_id}:{month_of(month)}")
