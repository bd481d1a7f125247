"""Unit-account handlers in memory: who may record, reverse and refund, and what is saved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.service import ApprovalService
from application.errors import NotFound
from application.finance.accounts import AccountNotFound, AccountService, UnitNotFound
from application.finance.accounts.commands import RecordPayment, RequestRefund, ReversePayment
from application.finance.rates import RateService
from application.services import ServiceDeps
from domain.finance.account import Method, UnitAccount, account_id_for
from domain.finance.accounts import BANK, CASH
from domain.finance.money import Money
from domain.finance.references import ReferenceTaken, reference_id
from domain.identity.policy import Permission
from domain.registry.unit import Unit
from tests.support.memory import MemoryEventLog, NoArrears, memory_deps
from tests.support.vote_totals import FixedTotals
from tests.unit.finance.actors import reversed_by_two

CLERK_GRANTS = frozenset(
    {
        Permission.FINANCE_READ_ESTATE,
        Permission.FINANCE_MANAGE_ESTATE,
        Permission.PAYMENTS_RECORD_ESTATE,
    }
)


def clerk(*estates: UUID) -> Actor:
    return Actor(uuid4(), "clerk", "finance", CLERK_GRANTS, "s", frozenset(estates))


def owner() -> Actor:
    return Actor(uuid4(), "owner", "owner", frozenset({Permission.FINANCE_READ_OWN}), "s")


@pytest.fixture
def deps() -> ServiceDeps:
    return memory_deps()


@pytest.fixture
def accounts(deps: ServiceDeps) -> AccountService:
    approvals = ApprovalService(deps)
    return AccountService(deps, approvals, RateService(deps, approvals, FixedTotals()), NoArrears())


def a_unit(deps: ServiceDeps) -> Unit:
    """A unit with one owner since 2025 (a payment pays the owner's debts by default)."""
    unit = Unit.register(uuid4(), uuid4(), "101", 1, "100.00", "80.00", "residential")
    owned(unit)
    deps.event_log.save_and_position(unit)
    return unit


def owned(unit: Unit) -> None:
    unit.move_in(occupancy_id=uuid4(), person_id=uuid4(), relation="owner", on=date(2025, 1, 1))


def payment(actor: Actor, unit_id: UUID, amount: str = "100.00") -> RecordPayment:
    receipt = f"SJ-{uuid4().hex[:8]}"  # a cash payment's natural key: its receipt's number
    return RecordPayment(actor, unit_id, Money.of(amount, "CNY"), Method.CASH, receipt)


def log_of(deps: ServiceDeps) -> MemoryEventLog:
    assert isinstance(deps.event_log, MemoryEventLog)
    return deps.event_log


def test_a_clerk_of_the_estate_records_the_first_payment_which_opens_the_account(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    unit = a_unit(deps)
    by = clerk(unit.estate_id)
    payment_id, position = accounts.pay(payment(by, unit.id))
    events = log_of(deps).domain_events(account_id_for(unit.id))
    assert [type(e).__name__ for e in events] == ["Opened", "PaymentReceived"]
    assert position == deps.event_log.head()
    account = accounts.account(unit.id)
    assert account is not None and account.estate_id == unit.estate_id
    assert payment_id in account.payments
    assert events[-1].recorded_by == by.user_id
    assert account.credit == Decimal("100.00")


def test_a_clerk_of_another_estate_is_told_the_unit_does_not_exist(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    unit = a_unit(deps)
    accounts.pay(payment(clerk(unit.estate_id), unit.id))
    head = deps.event_log.head()
    with pytest.raises(NotFound):
        accounts.pay(payment(clerk(uuid4()), unit.id))
    assert deps.event_log.head() == head


def test_an_owner_records_no_payment_not_even_for_their_own_unit(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    unit = a_unit(deps)
    with pytest.raises(NotFound):
        accounts.pay(payment(owner(), unit.id))
    assert deps.event_log.head() == 2  # the unit's registration and its owner's move-in


def test_a_payment_for_no_unit_is_not_found(accounts: AccountService) -> None:
    with pytest.raises(UnitNotFound, match="no such unit"):
        accounts.pay(payment(clerk(uuid4()), uuid4()))


def test_a_reversal_needs_an_account_and_mirrors_the_payment(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    unit = a_unit(deps)
    by = clerk(unit.estate_id)
    with pytest.raises(AccountNotFound, match="no account yet"):
        accounts.reverse(ReversePayment(by, unit.id, uuid4(), "keyed twice"))
    payment_id, _ = accounts.pay(payment(by, unit.id))
    with pytest.raises(NotFound):
        accounts.reverse(ReversePayment(clerk(uuid4()), unit.id, payment_id, "keyed twice"))
    reversed_by_two(
        accounts, deps.event_log, ReversePayment(by, unit.id, payment_id, "keyed twice")
    )
    account = accounts.account(unit.id)
    assert account is not None and account.credit == Decimal(0)
    last = log_of(deps).domain_events(account_id_for(unit.id))[-1]
    assert type(last).__name__ == "PaymentReversed"


def test_a_refund_request_of_another_estate_is_not_found_and_saves_nothing(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    unit = a_unit(deps)
    accounts.pay(payment(clerk(unit.estate_id), unit.id))
    head = deps.event_log.head()
    refund = RequestRefund(clerk(uuid4()), unit.id, Money.of(50, "CNY"), Method.CASH, "moving")
    with pytest.raises(NotFound):
        accounts.refund(refund)
    assert deps.event_log.head() == head


def test_the_account_is_one_aggregate_per_unit() -> None:
    unit_id = uuid4()
    assert UnitAccount.create_id(unit_id) == account_id_for(unit_id)


def two_units_paying(
    deps: ServiceDeps, accounts: AccountService, method: Method
) -> tuple[UUID, Unit, Unit, Actor, Callable[[Unit, str], UUID]]:
    """An estate's two units, its clerk, and a payment of 50.00 by ``method`` with a reference."""
    estate, building = uuid4(), uuid4()
    first, second = (Unit.register(estate, building, n, 1, "90", "80", "residential") for n in "12")
    owned(first)
    owned(second)
    deps.event_log.save_and_position(first, second)
    by = clerk(estate)

    def pay(unit: Unit, reference: str) -> UUID:
        command = RecordPayment(by, unit.id, Money.of("50.00", "CNY"), method, reference)
        return accounts.pay(command)[0]

    return estate, first, second, by, pay


def test_a_bank_reference_claimed_by_one_unit_is_refused_on_another_until_reversed(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    estate, first, second, by, transfer = two_units_paying(deps, accounts, Method.BANK_TRANSFER)

    paid = transfer(first, "CMB-0001")
    head = deps.event_log.head()
    with pytest.raises(ReferenceTaken, match="CMB-0001"):
        transfer(second, " cmb-0001 ")  # case and blanks make no other line
    assert deps.event_log.head() == head
    claim_id = reference_id(estate, BANK, "CMB-0001")
    reversed_by_two(accounts, deps.event_log, ReversePayment(by, first.id, paid, "wrong unit"))
    again = transfer(second, "CMB-0001")
    claim = deps.event_log.repository.get(claim_id)
    assert (claim.payment_id, claim.unit_id) == (again, second.id)
    events = log_of(deps).domain_events(claim_id)
    assert [type(e).__name__ for e in events] == ["Opened", "Claimed", "Released", "Claimed"]


def test_a_reversed_cash_payment_voids_its_receipt_number_never_to_be_used_again(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    estate, first, second, by, cash = two_units_paying(deps, accounts, Method.CASH)

    paid = cash(first, "SJ-0007")
    reversed_by_two(accounts, deps.event_log, ReversePayment(by, first.id, paid, "wrong unit"))
    head = deps.event_log.head()
    for unit in (first, second):
        with pytest.raises(ReferenceTaken, match=f"voided when payment {paid}"):
            cash(unit, "sj-0007")
    assert deps.event_log.head() == head
    claim_id = reference_id(estate, CASH, "SJ-0007")
    events = log_of(deps).domain_events(claim_id)
    assert [type(e).__name__ for e in events] == ["Opened", "Claimed", "Voided"]
    assert cash(second, "SJ-0008") != paid


def test_a_reversal_approved_by_a_rule_alone_is_declined_and_the_payment_stands(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    """A pre-screening rule is no second person (maker-checker, decision 0020)."""
    accounts.approvals.configure(
        "reversal",
        [{"name": "checker", "role": "finance"}],
        [{"then": "approve", "reason": "every reversal passes"}],
    )
    unit = a_unit(deps)
    by = clerk(unit.estate_id)
    payment_id, _ = accounts.pay(payment(by, unit.id))
    approval_id, _ = accounts.reverse(ReversePayment(by, unit.id, payment_id, "keyed twice"))
    assert str(accounts.approvals.get(approval_id).status) == "approved"
    account = accounts.account(unit.id)
    assert account is not None
    assert account.payments[payment_id]["reversed"] is False
    assert account.credit == Decimal("100.00")
    last = log_of(deps).domain_events(account_id_for(unit.id))[-1]
    assert type(last).__name__ == "ReversalDeclined"
    assert "second person" in last.outcome
