"""The temporary-parking tariff (临停收费标准) of a car park, and the fee it gives.

A tariff is free for its first ``free_minutes`` (a car that leaves within
them pays nothing); past them every started hour from entry is charged at
``per_hour``, or ``night_per_hour`` for an hour that starts in the night
window (local time, China Standard Time, UTC+8: ``night_from`` to
``night_until``, wrapping midnight when it ends earlier than it starts).
The hours of each 24 hours from entry are capped at ``daily_cap`` (封顶).
A car that has paid may leave within ``grace_minutes`` of paying (离场宽限);
later, the fee to the later exit less what was paid is owed. A car whose
entry was never recorded may be let out for ``lost_ticket_fee`` (丢卡/无入场
记录). Versions recorded before these two existed restore with no grace and
no lost-ticket fee, as they were.

So the fee is never below zero, never above the cap times the started days,
and never falls as the stay grows (``tests/unit/parking/test_tariff.py``).
A tariff change is a new version with an effective time: a session is
charged by the tariff in force when the car entered.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from domain.errors import ValidationFailed
from domain.finance.money import currency_of, exact_money

LOCAL = timezone(timedelta(hours=8))  # China Standard Time (no daylight saving)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MAX_FREE_MINUTES = 24 * 60
MAX_GRACE_MINUTES = 120
GRACE_MINUTES = 15  # what the barrier systems in use give after paying


def _clock(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return time.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        raise ValidationFailed(f"{field}: a time of day as HH:MM, got {value!r}") from None


@dataclass(frozen=True)
class Tariff:
    currency: str
    free_minutes: int
    per_hour: Decimal
    daily_cap: Decimal
    night_per_hour: Decimal | None = None
    night_from: str | None = None  # "22:00", local time
    night_until: str | None = None  # "07:00"
    grace_minutes: int = 0  # after paying (versions from before it: none)
    lost_ticket_fee: Decimal | None = None  # an exit with no recorded entry

    @classmethod
    def of(
        cls,
        *,
        currency: str = "CNY",
        free_minutes: int,
        per_hour: object,
        daily_cap: object,
        night_per_hour: object | None = None,
        night_from: str | None = None,
        night_until: str | None = None,
        grace_minutes: int = GRACE_MINUTES,
        lost_ticket_fee: object | None = None,
    ) -> Tariff:
        """A tariff from what a manager states; each rule broken is a 422 naming the field."""
        currency = currency_of(currency)
        if not 0 <= int(free_minutes) <= MAX_FREE_MINUTES:
            raise ValidationFailed(f"free_minutes: 0 to {MAX_FREE_MINUTES}")
        hourly = exact_money(per_hour, currency, "per_hour")
        cap = exact_money(daily_cap, currency, "daily_cap")
        night = (
            None
            if night_per_hour is None
            else exact_money(night_per_hour, currency, "night_per_hour")
        )
        if hourly < 0 or cap < 0 or (night is not None and night < 0):
            raise ValidationFailed("per_hour: rates and the cap are never negative")
        start, end = _clock(night_from, "night_from"), _clock(night_until, "night_until")
        if (night is None) != (start is None) or (start is None) != (end is None):
            raise ValidationFailed("night_per_hour: give the night rate with its window, or none")
        if start is not None and start == end:
            raise ValidationFailed("night_until: the night window is empty")
        if not 0 <= int(grace_minutes) <= MAX_GRACE_MINUTES:
            raise ValidationFailed(f"grace_minutes: 0 to {MAX_GRACE_MINUTES}")
        lost = (
            None
            if lost_ticket_fee is None
            else exact_money(lost_ticket_fee, currency, "lost_ticket_fee")
        )
        if lost is not None and lost < 0:
            raise ValidationFailed("lost_ticket_fee: never negative")
        return cls(
            currency, int(free_minutes), hourly, cap, night, start, end, int(grace_minutes), lost
        )

    @classmethod
    def restored(cls, stored: dict[str, Any]) -> Tariff:
        """The tariff an event recorded (``as_dict``)."""
        return cls(**stored)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _is_night(self, at: datetime) -> bool:
        if self.night_from is None or self.night_until is None:
            return False
        clock = at.astimezone(LOCAL).strftime("%H:%M")
        if self.night_from < self.night_until:
            return self.night_from <= clock < self.night_until
        return clock >= self.night_from or clock < self.night_until

    def rate_at(self, at: datetime) -> Decimal:
        """The rate of an hour that starts at ``at``."""
        if self._is_night(at) and self.night_per_hour is not None:
            return self.night_per_hour
        return self.per_hour

    def fee(self, entered: datetime, left: datetime) -> Decimal:
        """What a stay from ``entered`` to ``left`` costs under this tariff."""
        stay = left - entered
        if stay <= timedelta(minutes=self.free_minutes):
            return Decimal(0)
        total = Decimal(0)
        for day in range(days_started(entered, left)):
            start = entered + day * DAY
            end = min(start + DAY, left)
            hours = math.ceil((end - start) / HOUR)
            charged = sum((self.rate_at(start + h * HOUR) for h in range(hours)), Decimal(0))
            total += min(charged, self.daily_cap)
        return total

    def grace_over(self, paid_at: datetime, at: datetime) -> bool:
        """Has a car that paid at ``paid_at`` stayed past its grace at ``at``?"""
        return at - paid_at > timedelta(minutes=self.grace_minutes)


def days_started(entered: datetime, left: datetime) -> int:
    """The 24-hour periods from entry a stay has begun (at least one)."""
    return max(1, math.ceil((left - entered) / DAY))
