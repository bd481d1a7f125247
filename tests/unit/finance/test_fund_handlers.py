"""The maintenance-fund handlers on the in-memory log: deposits and spendings
are the business of the estate's finance staff, and nobody else's."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.service import ApprovalService
from application.errors import NotFound
from application.finance.fund import (
    DisburseSpending,
    FundService,
    ProposeSpending,
    RecordDeposit,
)
from domain.finance.fund import FundAccount
from domain.finance.fund_rules import fund_account_id
from domain.finance.money import Money
from domain.identity.policy import Role
from domain.registry.places import Estate
from domain.registry.unit import Unit
from tests.support.memory import MemoryEventLog, memory_deps
from tests.support.vote_totals import FixedTotals
from tests.unit.finance.actors import actor

EMERGENCY = {
    "category": "pump_failure",
    "description": "Booster pump 1 failed; upper floors without water.",
    "evidence": ["inspection PUMP-0318"],
}


class Listed:
    """The registry's list of units, as a test sets it."""

    def __init__(self) -> None:
        self.units: list[UUID] = []

    def in_order(self, estate_id: UUID) -> list[UUID]:
        return list(self.units)


class World:
    def __init__(self) -> None:
        self.deps = memory_deps()
        self.log = self.deps.event_log
        assert isinstance(self.log, MemoryEventLog)
        self.units = Listed()
        self.service = FundService(self.deps, ApprovalService(self.deps), self.units, FixedTotals())
        estate = Estate.register("HVG", "Harbour View Gardens", "1 Harbour Road")
        unit = Unit.register(estate.id, uuid4(), "101", 1, "90.00", "80.00", "residential")
        self.log.save_and_position(estate, unit)
        self.estate_id, self.unit_id = estate.id, unit.id
        self.units.units = [uuid4(), unit.id]  # the first has no fund account
        self.finance = actor(Role.FINANCE, self.estate_id)
        self.stranger = actor(Role.FINANCE, uuid4())

    def deposit(self, who: Actor, estate_id: UUID | None = None) -> UUID:
        deposit_id, _ = self.service.deposit(
            RecordDeposit(
                actor=who,
                unit_id=self.unit_id,
                amount=Money.of("6000.00", "CNY"),
                method="bank_transfer",
                reference="FUND-A101",
                estate_id=estate_id,
            )
        )
        return deposit_id

    def propose(self, who: Actor) -> UUID:
        return self.service.propose_spending(
            ProposeSpending(
                actor=who,
                estate_id=self.estate_id,
                purpose="Replace the booster pump",
                amount=Money.of("960.00", "CNY"),
                basis="emergency",
                emergency=EMERGENCY,
                unit_ids=[self.unit_id],
            )
        ).id


@pytest.fixture
def world() -> World:
    return World()


def test_the_first_deposit_opens_the_units_fund_account(world: World) -> None:
    world.deposit(world.finance)
    account = world.log.repository.get(fund_account_id(world.unit_id))
    assert isinstance(account, FundAccount)
    assert account.balance == Decimal("6000.00")
    assert account.estate_id == world.estate_id


def test_another_estates_staff_cannot_see_the_unit_to_deposit(world: World) -> None:
    with pytest.raises(NotFound):
        world.deposit(world.stranger)
    assert world.service.account(world.unit_id) is None


def test_a_deposit_naming_another_estate_is_for_no_such_unit(world: World) -> None:
    with pytest.raises(NotFound, match="no such unit on this estate"):
        world.deposit(world.finance, estate_id=uuid4())


def test_a_deposit_for_an_unknown_unit_is_missing(world: World) -> None:
    world.unit_id = uuid4()
    with pytest.raises(NotFound):
        world.deposit(world.finance)


def test_residents_and_other_estates_cannot_propose_spending(world: World) -> None:
    world.deposit(world.finance)
    for who in (actor(Role.OWNER, world.estate_id), world.stranger):
        with pytest.raises(NotFound):
            world.propose(who)


def test_a_proposal_opens_its_urgent_approval_in_the_same_save(world: World) -> None:
    world.deposit(world.finance)
    spending = world.service.spending(world.propose(world.finance))
    assert spending.estate_id == world.estate_id
    approval = world.service.approvals.get(spending.approval_id)
    assert (approval.kind, str(approval.urgency)) == ("fund_spending", "urgent")


def test_a_spending_without_units_is_shared_by_every_unit_with_a_fund_account(
    world: World,
) -> None:
    world.deposit(world.finance)
    spending = world.service.propose_spending(
        ProposeSpending(
            actor=world.finance,
            estate_id=world.estate_id,
            purpose="Repaint the stairwells",
            amount=Money.of("100.00", "CNY"),
            basis="emergency",
            emergency=EMERGENCY,
        )
    )
    assert world.service.spending(spending.id).unit_ids == [world.unit_id]


def test_another_estate_cannot_disburse_a_spending(world: World) -> None:
    world.deposit(world.finance)
    spending_id = world.propose(world.finance)
    with pytest.raises(NotFound):
        world.service.disburse(DisburseSpending(world.stranger, spending_id, "PAY-1"))
    with pytest.raises(NotFound):
        world.service.disburse(DisburseSpending(world.finance, uuid4(), "PAY-1"))
