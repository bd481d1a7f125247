"""The expense handlers on the in-memory log: who may act on which estate's
budget and claims, what they decide and which events they save."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.commands import Approve
from application.approvals.service import ApprovalService
from application.errors import Forbidden, NotFound
from application.finance.expenses import (
    ChangeVendor,
    DeactivateVendor,
    ExpenseService,
    PayClaim,
    RegisterVendor,
    SetBudget,
    SubmitClaim,
    WithdrawClaim,
)
from application.ports import Ids
from application.services import random_id
from domain.errors import ValidationFailed
from domain.finance.expense_rules import budget_id
from domain.finance.expenses import Budget, ExpenseClaim
from domain.finance.money import Money
from domain.identity.policy import Role
from domain.registry.places import Estate
from tests.support.actors import registered
from tests.support.memory import MemoryEventLog, memory_deps
from tests.unit.finance.actors import actor


class World:
    def __init__(self, ids: Ids = random_id) -> None:
        self.deps = memory_deps(ids=ids)
        self.log = self.deps.event_log
        assert isinstance(self.log, MemoryEventLog)
        self.service = ExpenseService(self.deps, ApprovalService(self.deps))
        estate = Estate.register("HVG", "Harbour View Gardens", "1 Harbour Road")
        self.estate_id = estate.id
        self.log.save_and_position(estate)
        self.admin = actor(Role.ADMIN)
        self.vendor_id, _ = self.service.register_vendor(
            RegisterVendor(
                actor=self.admin,
                name="Eastern Lift Engineering",
                tax_id="91310115MA1H8LFT02",
                bank_account="6222020200112345",
                contact=None,
                categories=["repairs", "cleaning"],
            )
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
                amount=Money.of(amount, "CNY"),
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


def counting_loads(world: World, monkeypatch: pytest.MonkeyPatch) -> list[UUID]:
    """The IDs the repository is asked for from now on."""
    loads: list[UUID] = []
    get = world.log.repository.get

    def counted(aggregate_id: UUID, *args: object, **kwargs: object) -> object:
        loads.append(aggregate_id)
        return get(aggregate_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(world.log.repository, "get", counted)
    return loads


# ---- vendors: company master data, changed only with vendors:manage:any ---------


def new_vendor(who: Actor) -> RegisterVendor:
    return RegisterVendor(
        actor=who,
        name="Harbour Clean Services",
        tax_id="91310115MA1H8CLN01",
        bank_account="6222020200198765",
        contact=None,
        categories=["cleaning"],
    )


def test_estate_finance_staff_may_not_register_a_vendor(world: World) -> None:
    with pytest.raises(Forbidden):
        world.service.register_vendor(new_vendor(world.finance))


def test_a_vendor_manager_registers_a_vendor(world: World) -> None:
    vendor_id, _ = world.service.register_vendor(new_vendor(world.admin))
    assert world.names(vendor_id) == ["Registered"]


def test_estate_staff_may_not_change_or_deactivate_a_vendor(world: World) -> None:
    for who in (world.finance, world.manager, world.owner):
        with pytest.raises(Forbidden):
            world.service.change_vendor(
                ChangeVendor(actor=who, vendor_id=world.vendor_id, changes={"contact": "x"})
            )
        with pytest.raises(Forbidden):
            world.service.deactivate_vendor(
                DeactivateVendor(actor=who, vendor_id=world.vendor_id, reason="cheaper elsewhere")
            )
    assert world.names(world.vendor_id) == ["Registered"]


def test_a_vendor_manager_changes_and_deactivates_a_vendor(world: World) -> None:
    world.service.change_vendor(
        ChangeVendor(actor=world.admin, vendor_id=world.vendor_id, changes={"contact": "Ms Wu"})
    )
    world.service.deactivate_vendor(
        DeactivateVendor(actor=world.admin, vendor_id=world.vendor_id, reason="contract ended")
    )
    vendor = world.service.vendor(world.vendor_id)
    assert vendor.contact == "Ms Wu"
    assert not vendor.active
    assert world.names(world.vendor_id) == ["Registered", "DetailsChanged", "Deactivated"]


def test_a_missing_vendor_is_not_found_even_for_a_vendor_manager(world: World) -> None:
    with pytest.raises(NotFound):
        world.service.deactivate_vendor(
            DeactivateVendor(actor=world.admin, vendor_id=uuid4(), reason="gone")
        )


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
                amount=Money.of("1.00", "CNY"),
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


def test_withdrawing_a_claim_loads_its_approval_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each aggregate once per attempt: a second load is a second read of the
    # log (or the cache) and a chance to decide on a different version.
    claim_id, approval_id = world.submit(world.manager)
    loads = counting_loads(world, monkeypatch)
    world.service.withdraw_claim(WithdrawClaim(world.manager, claim_id, "sent twice"))
    assert loads.count(approval_id) == 1
    assert loads.count(claim_id) == 1
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


def test_a_claim_approved_on_submission_loads_its_budget_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Within the clerk's authority the approval is final as it opens, and the
    # claim's amount is committed to the budget in the same save: the budget
    # the submission read is the one committed to, not a second read.
    budget(world, world.finance, {"repairs": "1000.00"})
    loads = counting_loads(world, monkeypatch)
    claim_id, _ = world.submit(world.manager)
    the_budget = budget_id(world.estate_id, 2026)
    assert loads.count(the_budget) == 1
    assert world.names(claim_id) == ["Submitted", "Approved"]
    assert world.names(the_budget) == ["BudgetSet", "Committed"]


def test_the_final_decision_on_a_claim_loads_its_budget_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    budget(world, world.finance, {"repairs": "20000.00"})
    claim_id, approval_id = world.submit(world.manager, amount="6000.00")
    deciders = [
        registered(world.log, "clerk", Role.FINANCE, world.estate_id),
        registered(world.log, "head", Role.PROPERTY_MANAGER, world.estate_id),
    ]
    for decider in deciders:
        world.service.approvals.decide(Approve(decider, approval_id))
    assert world.names(claim_id) == ["Submitted"]
    boss = registered(world.log, "boss", Role.ADMIN)
    loads = counting_loads(world, monkeypatch)
    world.service.approvals.decide(Approve(boss, approval_id))
    the_budget = budget_id(world.estate_id, 2026)
    assert loads.count(the_budget) == 1
    assert loads.count(claim_id) == 1
    assert world.names(claim_id) == ["Submitted", "Approved"]
    assert world.names(the_budget) == ["BudgetSet", "Committed"]
