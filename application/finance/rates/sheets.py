"""An estate's meter readings per month (``MeterReadings``), as billing reads them.

:class:`RateService` records a batch of them (``POST .../meter-readings``);
the meters context records each confirmed reading of a unit's meter through
:meth:`ReadingSheets.sheet_with` and saves the sheet with the meter, in one
append (decision 0056). Both check the batch against the nearest earlier
and later months: a meter never runs backwards.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.services import ServiceDeps, find
from domain.finance.rates import LOOK_BACK_PERIODS, MeterReadings, readings_id, shift_period


class ReadingSheets:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    def readings(self, estate_id: UUID, period: str) -> MeterReadings | None:
        return find(self.deps.event_log, readings_id(estate_id, period), MeterReadings)

    def nearest(
        self, estate_id: UUID, period: str, step: int, wanted: set[tuple[UUID, str]]
    ) -> dict[tuple[UUID, str], Decimal]:
        """For each wanted (unit, meter): its reading of the nearest period
        before (step -1) or after (step +1) ``period``, looking 12 periods away."""
        found: dict[tuple[UUID, str], Decimal] = {}
        for distance in range(1, LOOK_BACK_PERIODS + 1):
            missing = wanted - set(found)
            if not missing:
                break
            other = self.readings(estate_id, shift_period(period, step * distance))
            if other is None:
                continue
            for key in missing:
                value = other.latest(*key)
                if value is not None:
                    found[key] = value
        return found

    def sheet_with(
        self, estate_id: UUID, period: str, readings: list[dict[str, Any]]
    ) -> MeterReadings:
        """The period's readings with these recorded, not yet saved."""
        sheet = self.readings(estate_id, period) or MeterReadings.open(estate_id, period, self._now)
        wanted = {(r["unit_id"], r["meter"]) for r in readings}
        sheet.record(
            readings,
            before=self.nearest(estate_id, period, -1, wanted),
            after=self.nearest(estate_id, period, +1, wanted),
            at=self._now,
        )
        return sheet
