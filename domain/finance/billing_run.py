"""A billing run: one estate, one period, billed once (R5.1).

The run's ID derives from the estate and the period, and it is saved in the
same atomic append as every bill it issues: running the period again finds
the run and issues nothing; a run that crashed stored nothing and can simply
be run again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/billing-run")


def run_id_for(estate_id: UUID, period: str) -> UUID:
    return uuid5(NAMESPACE, f"{estate_id}:{period}")


class BillingRun(Aggregate):
    @staticmethod
    def create_id(estate_id: UUID, period: str, **_: Any) -> UUID:
        return run_id_for(estate_id, period)

    @event("Completed")
    def __init__(
        self,
        estate_id: UUID,
        period: str,
        bills: int,
        units_billed: int,
        units_skipped: int,
        amount: Decimal,
        currency: str,
        rates: list[dict[str, Any]],
        registry_position: int,
        run_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.period = period
        self.bills = bills
        self.units_billed = units_billed
        self.units_skipped = units_skipped
        self.amount = amount
        self.currency = currency
        self.run_by = run_by
        self.at = at
