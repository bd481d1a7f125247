"""What the data-quality service reads from the read models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from uuid import UUID

from domain.quality.checks import month_bounds


@dataclass(frozen=True)
class CheckScope:
    """What one evaluation of the checks looks at: an estate, a month, a moment."""

    estate_id: UUID
    month: str  # YYYY-MM: the period-bound checks read this month
    now: datetime  # the moment the staleness is judged at
    stale_days: int

    @property
    def first_day(self) -> date:
        return month_bounds(self.month)[0]

    @property
    def last_day(self) -> date:
        return month_bounds(self.month)[1]

    @property
    def stale_before(self) -> datetime:
        return self.now - timedelta(days=self.stale_days)


class QualityReadings(Protocol):
    def counts(self, scope: CheckScope) -> dict[str, int]:
        """Per check name, how many records of the estate fail it."""
        ...

    def estates(self) -> list[UUID]:
        """Every estate registered, for the monthly run."""
        ...
