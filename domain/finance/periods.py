"""Accounting periods: calendar months written 'YYYY-MM', and the days they span."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

from domain.errors import ValidationFailed

# ASCII digits only: ``\d`` would also match Arabic-Indic and other digits.
PERIOD_PATTERN = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# Books of a property company start no earlier and end no later than this;
# the bounds also keep date arithmetic on a period (a month before, a year
# after) inside what ``datetime.date`` can hold.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def check_period(period: str) -> str:
    """``period`` if it is a month 'YYYY-MM' between 1900 and 2999."""
    if not isinstance(period, str) or not PERIOD_PATTERN.match(period):
        raise ValidationFailed(f"period: {period!r} is not a month 'YYYY-MM'")
    if not FIRST_YEAR <= int(period[:4]) <= LAST_YEAR:
        raise ValidationFailed(f"period: {period!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return period


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_start(period: str) -> date:
    year, month = check_period(period).split("-")
    return date(int(year), int(month), 1)


def shift_period(period: str, months: int) -> str:
    """The month ``months`` after (negative: before) ``period``."""
    start = period_start(period)
    index = start.year * 12 + start.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def next_period(period: str) -> str:
    return shift_period(period, 1)


def previous_period(period: str) -> str:
    return shift_period(period, -1)


def period_end(period: str) -> date:
    """The last day of ``period`` (of 2999-12 too: the month after it is no period)."""
    start = period_start(period)
    return start.replace(day=monthrange(start.year, start.month)[1])


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of ``period``."""
    return period_start(period), period_end(period)
