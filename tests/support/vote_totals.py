"""The registry's totals an owners' vote is counted against, as a unit test sets them
(the e2e tier reads them from the registry's read model)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from application.finance.ports import VoteTotals


class FixedTotals:
    def __init__(self, area: str = "300.00", owners: int = 3) -> None:
        self.totals = VoteTotals(Decimal(area), owners)

    def as_of(self, estate_id: UUID, day: date) -> VoteTotals:
        return self.totals
