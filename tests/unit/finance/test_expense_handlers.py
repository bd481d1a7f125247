"""The expense handlers on the in-memory log: who may act on which estate's
budget and claims, what they decide and which events they save."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.service import ApprovalService
from application.errors import Forbidden, NotFound
from application.finance.expenses import (
    ExpenseService,
    PayClaim,
    SetBudget,
    SubmitClaim,
    WithdrawClaim,
)
from domain.errors import ValidationFailed
from domain.finance.expense_rules import budget_id
from domain.finance.expenses import Budget, ExpenseClaim
from domain.identity.policy import Role
from domain.registry.places import Estate
from tests.support.memory import MemoryEventLog, memory_deps
from tests.unit.finance.actors import actor


class World:
    def __init__(self) -> None:
        self.deps = memory_deps()
        self.log = self.deps.event_log
        assert isinstance(self.log, MemoryEventLog)
        self.service = ExpenseService(self.deps, ApprovalService(self.deps))
        estate = Estate.register("HVG", "Harbour View Gardens", "1 Harbour Road")
        self.estate_id = estate.id
        self.log.save_and_position(estate)
        self.vendor_id, _ = self.service.register_vendor(
            name="Eastern Lift Engineering",
            tax_id="91310115MA1H8LFT02",
            bank_account="6222020200112345",
            contact=None,
            categories=["repairs", "cleaning"],
        )
        self.finance = actor(Role.FINANCE, self.estate_id)
        self.manager = actor(Role.PROPERTY_MANAGER, self.estate_id)
        self.stranger = actor(Role.FINANCE, uuid4())
        self.owner = actor(Role.OWNER, self.estate_id)

    def submit(self, who: Actor, amount: str = "100.00") -> tuple[UUID, UUID]:
        claim_id, approval_id, _ = self.service.submit_claim(
            SubmitClaim(
                actor=who,
                estate_id=self.estate_id,
                vendor_id=self.vendor_id,
                category="repairs",
                amount=Decimal(amount),
                currency="CNY",
                description="Replace the lift door operator",
                incurred_on=date(2026, 1, 1),
                invoice_ref="INV-1",
            )
        )
        return claim_id, approval_id

    def names(self, aggregate_id: UUID) -> list[str]:
        assert isinstance(self.log, MemoryEventLog)
        return [type(e).__name__ for e in self.log.domain_events(aggregate_id)]


@pytest.fixture
def world() -> World:
    return World()


def budget(world: World, who: Actor, lines: dict[str, object]) -> int:
    return world.service.set_budget(
        SetBudget(actor=who, estate_id=world.estate_id, year=2026, lines=lines, currency="CNY")
    )


def test_finance_staff_set_a_budget_and_revise_a_line(world: World) -> None:
    budget(world, world.finance, {"repairs": "1000.00"})
    budget(world, world.finance, {"repairs": "1500.00"})
    saved = world.log.repository.get(budget_id(world.estate_id, 2026))
    assert isinstance(saved, Budget)
    assert saved.line("repairs") == Decimal("1500.00")
    assert world.names(saved.id) == ["BudgetSet", "LineRevised"]


def test_setting_the_same_lines_again_is_refused(world: World) -> None:
    budget(world, world.finance, {"repairs": "1000.00"})
    with pytest.raises(ValidationFailed):
        budget(world, world.finance, {"repairs": "1000.00"})


def test_another_estates_staff_cannot_see_the_budget_to_set_it(world: World) -> None:
    with pytest.raises(NotFound):
        budget(world, world.stranger, {"repairs": "1000.00"})
    assert world.log.head() == 2  # the estate and the vendor, nothing else


def test_a_manager_without_expenses_manage_cannot_set_a_budget(world: World) -> None:
    with pytest.raises(NotFound):
        budget(world, world.manager, {"repairs": "1000.00"})


def test_a_claim_opens_its_approval_in_the_same_save(world: World) -> None:
    claim_id, approval_id = world.submit(world.finance)
    claim = world.log.repository.get(claim_id)
    assert isinstance(claim, ExpenseClaim)
    assert claim.approval_id == approval_id
    assert world.names(claim_id) == ["Submitted"]
    assert world.names(approval_id)[0] == "Opened"


def test_an_owner_or_another_estate_cannot_submit_a_claim(world: World) -> None:
    for who in (world.owner, world.stranger):
        with pytest.raises(NotFound):
            world.submit(who)


def test_a_claim_of_an_unknown_estate_is_missing(world: World) -> None:
    with pytest.raises(NotFound):
        world.service.submit_claim(
            SubmitClaim(
                actor=actor(Role.ADMIN),
                estate_id=uuid4(),
                vendor_id=world.vendor_id,
                category="repairs",
                amount=Decimal("1.00"),
                currency="CNY",
                description="x",
                incurred_on=date(2026, 1, 1),
                invoice_ref="INV-1",
            )
        )


def test_the_submitter_withdraws_their_claim_and_its_approval(world: World) -> None:
    claim_id, approval_id = world.submit(world.manager)
    world.service.withdraw_claim(WithdrawClaim(world.manager, claim_id, "sent twice"))
    assert world.names(claim_id)[-1] == "Withdrawn"
    assert world.names(approval_id)[-1] == "Withdrawn"


def test_only_the_submitter_or_an_expense_manager_withdraws(world: World) -> None:
    claim_id, _ = world.submit(world.finance)
    other_manager = actor(Role.PROPERTY_MANAGER, world.estate_id)
    with pytest.raises(Forbidden):
        world.service.withdraw_claim(WithdrawClaim(other_manager, claim_id, "not mine"))
    with pytest.raises(NotFound):
        world.service.withdraw_claim(WithdrawClaim(world.stranger, claim_id, "not mine"))
    world.service.withdraw_claim(WithdrawClaim(actor(Role.FINANCE, world.estate_id), claim_id, "x"))
    assert world.names(claim_id)[-1] == "Withdrawn"


def test_paying_is_for_expense_managers_of_the_estate(world: World) -> None:
    claim_id, _ = world.submit(world.finance)
    for who in (world.stranger, world.manager):
        with pytest.raises(NotFound):
            world.service.pay_claim(PayClaim(who, claim_id, "PAY-1", "bank_transfer"))
    assert world.names(claim_id) == ["Submitted"]


def test_an_unknown_claim_is_missing(world: World) -> None:
    with pytest.raises(NotFound):
        world.service.pay_claim(PayClaim(world.finance, uuid4(), "PAY-1", "bank_transfer"))
