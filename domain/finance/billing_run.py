"""A billing run: one estate, one period, each fee item and shared cost billed once (R5.1).

The run's ID derives from the estate and the period, and it is saved in the
same atomic append as every bill it issues: a run that crashed stored
nothing and can simply be run again. Running a billed period again bills
what no run of it billed yet: the items in force now that were not then (a
fee adopted after the run, 补收) and the shared costs recorded since. That
is a supplementary run, recorded on the period's run as ``Supplemented``
with its own ID; with nothing new, running again bills nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.finance.rates import Rate, SharedCost

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/billing-run")


def run_id_for(estate_id: UUID, period: str) -> UUID:
    return uuid5(NAMESPACE, f"{estate_id}:{period}")


def supplement_id_for(run_id: UUID, number: int) -> UUID:
    return uuid5(NAMESPACE, f"{run_id}:supplement:{number}")


def rate_records(rates: Sequence[Rate]) -> list[dict[str, Any]]:
    """What a run records of each rate it billed."""
    return [
        {"item": r.item, "rate": r.rate, "basis": r.basis, "change_id": r.change_id} for r in rates
    ]


class BillingRun(Aggregate):
    @staticmethod
    def create_id(estate_id: UUID, period: str, **_: Any) -> UUID:
        return run_id_for(estate_id, period)

    class Completed(Aggregate.Created):
        """The period's first run. Version 2 names the shared costs it billed;
        a version 1 run did not, so no supplement bills a cost of its period
        (which of them it billed is not known: never bill one twice)."""

        class_version = 2
        estate_id: UUID
        period: str
        bills: int
        units_billed: int
        units_skipped: int
        amount: Decimal
        currency: str
        rates: list[dict[str, Any]]
        registry_position: int
        run_by: UUID
        at: datetime
        shared_costs: list[UUID] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["shared_costs"] = None

    @event(Completed)
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
        shared_costs: list[UUID] | None = None,
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
        self.items = {r["item"] for r in rates}
        self.costs: set[UUID] | None = None if shared_costs is None else set(shared_costs)
        self.supplements = 0

    def unbilled(
        self, rates: Sequence[Rate], costs: Sequence[SharedCost]
    ) -> tuple[list[Rate], list[SharedCost]]:
        """Of the rates in force and the shared costs of the period now, those no run
        of the period billed."""
        new_costs = [] if self.costs is None else [c for c in costs if c.cost_id not in self.costs]
        return [r for r in rates if r.item not in self.items], new_costs

    def supplement(
        self,
        *,
        bills: int,
        units_billed: int,
        units_skipped: int,
        amount: Decimal,
        rates: Sequence[Rate],
        costs: Sequence[SharedCost],
        registry_position: int,
        run_by: UUID,
        at: datetime,
    ) -> UUID:
        """Record a supplementary run of what :meth:`unbilled` found; its ID names its bills."""
        number = self.supplements + 1
        supplement_id = supplement_id_for(self.id, number)
        self._supplemented(
            supplement_id=supplement_id,
            number=number,
            estate_id=self.estate_id,
            period=self.period,
            bills=bills,
            units_billed=units_billed,
            units_skipped=units_skipped,
            amount=amount,
            currency=self.currency,
            rates=rate_records(rates),
            shared_costs=[c.cost_id for c in costs],
            registry_position=registry_position,
            run_by=run_by,
            at=at,
        )
        return supplement_id

    @event("Supplemented")
    def _supplemented(
        self,
        supplement_id: UUID,
        number: int,
        estate_id: UUID,
        period: str,
        bills: int,
        units_billed: int,
        units_skipped: int,
        amount: Decimal,
        currency: str,
        rates: list[dict[str, Any]],
        shared_costs: list[UUID],
        registry_position: int,
        run_by: UUID,
        at: datetime,
    ) -> None:
        self.supplements = number
        self.items |= {r["item"] for r in rates}
        if self.costs is not None:
            self.costs |= set(shared_costs)
