"""The first deposit per m² (首期交存) without a database: the amount due, the rule in
force on a day, and a fund account that takes its first deposit up to the amount
assessed and folds the same from its events; an account never assessed folds as
it always did. Then the handlers on the in-memory log: each unit assessed once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any
from uuid import uuid4

import pytest

from application.errors import NotFound
from application.finance.fund.first_deposit import (
    AssessFirstDeposits,
    SetFirstDepositRule,
    assess_first_deposits,
    set_first_deposit_rule,
)
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.fund import FundAccount
from domain.finance.fund_first_deposit import (
    FirstDepositAssessment,
    FirstDepositRule,
    assessed_amount,
    rule_terms,
)
from domain.finance.money import Money
from domain.registry.unit import Unit
from tests.unit.finance.test_fund_handlers import World

AT = datetime(2026, 1, 1, tzinfo=UTC)
RAISED = {
    "reference": "FIN-2026-02",
    "meeting_on": date(2026, 1, 1),
    "total_area": D("300.00"),
    "total_owners": 3,
    "participating_area": D("300.00"),
    "participating_owners": 3,
    "area_for": D("300.00"),
    "owners_for": 3,
}


def terms(rate: str, on: date, **buildings: str) -> dict[str, Any]:
    return rule_terms(
        rate=rate,
        currency="CNY",
        building_rates=buildings,
        reference="京建法 2023-12",
        effective_on=on,
    )


def pay(account: FundAccount, amount: str, **more: Any) -> None:
    account.deposit(
        deposit_id=uuid4(),
        amount=amount,
        currency="CNY",
        method="bank_transfer",
        reference=f"DEP-{amount}",
        booked_on=date(2026, 1, 2),
        recorded_by=uuid4(),
        at=AT,
        **more,
    )


def replayed(events: list[Any]) -> FundAccount:
    folded = None
    for e in events:
        folded = e.mutate(folded)
    assert isinstance(folded, FundAccount)
    return folded


@pytest.mark.parametrize(
    ("rate", "area", "due"),
    [
        ("48.00", "89.37", "4289.76"),
        ("48.05", "80.10", "3848.81"),  # 3,848.805: half-up, where half-even gives 3,848.80
        ("60.00", "75.50", "4530.00"),
        ("0.01", "0.01", "0.00"),
    ],
)
def test_the_amount_due_is_the_rate_times_the_gross_area_half_up_to_the_fen(
    rate: str, area: str, due: str
) -> None:
    assert assessed_amount(D(rate), D(area), "CNY") == D(due)


def test_the_rule_in_force_is_the_latest_that_took_effect_and_a_building_has_its_own_rate() -> None:
    rule = FirstDepositRule.establish(
        estate_id=uuid4(), terms=terms("48.00", date(2026, 1, 1)), set_by=uuid4(), at=AT
    )
    rule.revise(terms=terms("52.00", date(2026, 3, 1)), set_by=uuid4(), at=AT)
    assert rule.in_force(date(2026, 2, 28))["rate"] == D("48.00")
    assert rule.in_force(date(2026, 3, 1))["rate"] == D("52.00")
    with pytest.raises(ValidationFailed, match="takes effect on 2026-01-01"):
        rule.in_force(date(2025, 12, 31))
    with pytest.raises(InvalidTransition):
        rule.revise(terms=terms("53.00", date(2026, 3, 1)), set_by=uuid4(), at=AT)
    with pytest.raises(ValidationFailed):
        terms("0.00", date(2026, 1, 1))

    lift = uuid4()
    with_lift = terms("48.00", date(2026, 1, 1), **{str(lift): "60.00"})
    unit = {"estate_id": uuid4(), "unit_id": uuid4(), "assessed_by": uuid4(), "at": AT}
    high = FirstDepositAssessment.assess(
        terms=with_lift, building_id=lift, gross_area=D("75.50"), **unit
    )
    low = FirstDepositAssessment.assess(
        terms=with_lift, building_id=uuid4(), gross_area=D("75.50"), **unit
    )
    assert (high.rate, high.amount, low.rate, low.amount) == (
        D("60.00"),
        D("4530.00"),
        D("48.00"),
        D("3624.00"),
    )


def test_an_assessed_account_takes_parts_up_to_the_amount_due_then_only_top_ups() -> None:
    account = FundAccount.open(estate_id=uuid4(), unit_id=uuid4(), currency="CNY", at=AT)
    account.note_assessment(D("3840.00"), at=AT)
    pay(account, "1000.00")
    with pytest.raises(ValidationFailed, match=r"3840\.00 and 2840\.00 of it is outstanding"):
        pay(account, "3000.00")
    pay(account, "2840.00")
    assert (account.first_deposit, account.threshold) == (D("3840.00"), D("1152.00"))
    with pytest.raises(ValidationFailed, match="top-up"):
        pay(account, "100.00")
    pay(account, "100.00", resolution=RAISED)
    assert (account.balance, account.first_deposit) == (D("3940.00"), D("3840.00"))
    with pytest.raises(InvalidTransition):
        account.note_assessment(D("1.00"), at=AT)

    again = replayed(account.collect_events())
    assert (again.balance, again.first_deposit, again.first_due) == (
        D("3940.00"),
        D("3840.00"),
        D("3840.00"),
    )


def test_an_account_never_assessed_takes_every_deposit_before_a_charge_as_its_first() -> None:
    account = FundAccount.open(estate_id=uuid4(), unit_id=uuid4(), currency="CNY", at=AT)
    pay(account, "100.00")
    pay(account, "9900.00")
    again = replayed(account.collect_events())
    assert (again.first_due, again.first_deposit) == (None, D("10000.00"))


# ---- the handlers, on the in-memory log ------------------------------------------------


def test_a_run_assesses_each_unit_once_and_leaves_out_an_account_from_before_the_rule() -> None:
    """Unit 101 (90.00 m²) paid before the rule and is left out; unit 102 (89.37 m²) is
    assessed 4,289.76 at 48.00; a second run records nothing; the estate's finance
    clerk runs it and nobody else."""
    world = World()
    world.deposit(world.finance)
    later = Unit.register(world.estate_id, uuid4(), "102", 1, "89.37", "70.00", "residential")
    world.log.save_and_position(later)
    world.units.units = [world.unit_id, later.id]
    rule = SetFirstDepositRule(
        world.finance, world.estate_id, Money.of("48.00", "CNY"), "R-1", date(2026, 1, 1)
    )
    set_first_deposit_rule(world.deps, rule)
    run = AssessFirstDeposits(world.finance, world.estate_id)

    done = assess_first_deposits(world.deps, world.units, run)
    assert [(a["unit_id"], a["amount"]) for a in done.assessed] == [(later.id, D("4289.76"))]
    assert done.skipped == [world.unit_id]
    head = world.log.head()
    again = assess_first_deposits(world.deps, world.units, run)
    assert (again.position, again.assessed, world.log.head()) == (None, [], head)
    with pytest.raises(NotFound):
        assess_first_deposits(
            world.deps, world.units, AssessFirstDeposits(world.stranger, world.estate_id)
        )
