"""One run of the data-quality checks over an estate (R7.5): the counts it found.

A run is recorded as an event, ``QualityRun.Recorded``, with the month it
covers, the position of the log it read at, and per check its severity and
how many records failed it; the failing records themselves are read live
from the read models (they change as the records are fixed). A scheduled
run of a month has the ID :func:`~domain.quality.checks.monthly_run_id`, so
the monthly job records it once; a run on demand has an ID of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed
from domain.quality.checks import SPECS, CheckName, month_of, stale_days_of


class Trigger(StrEnum):
    SCHEDULED = "scheduled"
    ON_DEMAND = "on_demand"


def _counts(counts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    for row in counts:
        try:
            spec = SPECS[CheckName(str(row.get("check")))]
        except ValueError:
            raise ValidationFailed(f"counts: unknown check {row.get('check')!r}") from None
        count = row.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationFailed("counts: a count is a whole number, not negative")
        kept.append({"check": spec.name.value, "severity": spec.severity.value, "count": count})
    names = [c["check"] for c in kept]
    if not kept or len(set(names)) != len(names):
        raise ValidationFailed("counts: each check once, at least one")
    return kept


class QualityRun(Aggregate):
    """What one run of the checks found in one estate."""

    @classmethod
    def record(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        month: str,
        trigger: Trigger,
        stale_days: int,
        as_of_position: int,
        counts: Sequence[Mapping[str, Any]],
        run_by: UUID | None,
        at: datetime,
    ) -> QualityRun:
        if as_of_position < 0:
            raise ValidationFailed("as_of_position: not negative")
        return cls(
            id=id,
            estate_id=estate_id,
            month=month_of(month),
            trigger=Trigger(trigger).value,
            stale_days=stale_days_of(stale_days),
            as_of_position=as_of_position,
            counts=_counts(counts),
            run_by=run_by,
            at=at,
        )

    @event("Recorded")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        month: str,
        trigger: str,
        stale_days: int,
        as_of_position: int,
        counts: list[dict[str, Any]],
        run_by: UUID | None,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.month = month
        self.trigger = trigger
        self.stale_days = stale_days
        self.as_of_position = as_of_position
        self.counts = counts
        self.run_by = run_by
        self.run_at = at

    @property
    def failing(self) -> int:
        """Failing records over every check (a record failing two checks counts twice)."""
        return sum(c["count"] for c in self.counts)
