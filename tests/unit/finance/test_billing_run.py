"""A billing run's record of what it billed, and what a later run of its period may still bill."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from domain.finance.billing_run import BillingRun, rate_records, supplement_id_for
from domain.finance.rates import Rate, SharedCost

AT = datetime(2026, 2, 1, 9, tzinfo=UTC)


def _rate(item: str) -> Rate:
    return Rate(item, Decimal("2.5000"), "CNY", "gross", date(2026, 1, 1), uuid4())


def _cost() -> SharedCost:
    return SharedCost(uuid4(), "shared_area", "lift power", Decimal("300.00"), "CNY", "gross")


def _run(rates: list[Rate], shared_costs: Any) -> BillingRun:
    return BillingRun(
        estate_id=uuid4(),
        period="2026-01",
        bills=3,
        units_billed=3,
        units_skipped=0,
        amount=Decimal("750.00"),
        currency="CNY",
        rates=rate_records(rates),
        registry_position=1,
        run_by=uuid4(),
        at=AT,
        shared_costs=shared_costs,
    )


def test_a_supplement_bills_what_no_run_of_the_period_billed_and_then_nothing() -> None:
    fee, greening, cost, later = _rate("property_fee"), _rate("greening"), _cost(), _cost()
    run = _run([fee], [cost.cost_id])
    assert run.unbilled([fee, greening], [cost, later]) == ([greening], [later])

    supplement_id = run.supplement(
        bills=3,
        units_billed=3,
        units_skipped=0,
        amount=Decimal("90.00"),
        rates=[greening],
        costs=[later],
        registry_position=2,
        run_by=uuid4(),
        at=AT,
    )
    assert supplement_id == supplement_id_for(run.id, 1) != run.id
    assert run.unbilled([fee, greening], [cost, later]) == ([], [])
    names = [type(e).__name__ for e in run.collect_events()]
    assert names == ["Completed", "Supplemented"]


def test_a_run_recorded_before_it_named_its_shared_costs_lets_no_cost_be_billed_again() -> None:
    state: dict[str, Any] = {"period": "2026-01"}
    BillingRun.Completed.upcast_v1_v2(state)
    assert state["shared_costs"] is None
    fee, greening = _rate("property_fee"), _rate("greening")
    run = _run([fee], state["shared_costs"])
    # Which costs a version 1 run billed is not known: new fee items only.
    assert run.unbilled([fee, greening], [_cost()]) == ([greening], [])
