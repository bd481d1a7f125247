"""Fee-schedule handlers in memory: who may change an estate's terms and costs."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.approvals.service import ApprovalService
from application.errors import Forbidden, NotFound
from application.finance.rates import RateService
from application.finance.rates.commands import (
    RecordSharedCost,
    SetBillingTerms,
    WithdrawSharedCost,
)
from application.services import ServiceDeps
from domain.finance.money import Money
from domain.finance.rates import schedule_id
from domain.identity.policy import Permission
from domain.registry.places import Estate
from tests.support.memory import MemoryEventLog, memory_deps
from tests.support.vote_totals import FixedTotals

STAFF = frozenset({Permission.FINANCE_READ_ESTATE, Permission.FINANCE_MANAGE_ESTATE})


def staff(estate: Estate | None = None) -> Actor:
    estates = frozenset({estate.id}) if estate else frozenset({uuid4()})
    return Actor(uuid4(), "clerk", "finance", STAFF, "s", estates)


def owner() -> Actor:
    return Actor(uuid4(), "owner", "owner", frozenset({Permission.FINANCE_READ_OWN}), "s")


def terms(actor: Actor, estate_id: UUID) -> SetBillingTerms:
    return SetBillingTerms(
        actor,
        estate_id,
        20,
        Decimal("0.0005"),
        3,
        Decimal(1),
        "CNY",  # type: ignore[arg-type]
    )


@pytest.fixture
def deps() -> ServiceDeps:
    return memory_deps()


@pytest.fixture
def rates(deps: ServiceDeps) -> RateService:
    return RateService(deps, ApprovalService(deps), FixedTotals())


@pytest.fixture
def estate(deps: ServiceDeps) -> Estate:
    estate = Estate.register(code="FIN", name="Finance Garden", address="1 Road")
    deps.event_log.save_and_position(estate)
    return estate


def test_staff_of_the_estate_set_its_billing_terms(
    deps: ServiceDeps, rates: RateService, estate: Estate
) -> None:
    position = rates.set_terms(terms(staff(estate), estate.id))
    assert position == deps.event_log.head()
    assert rates.terms(estate.id).due_days == 20
    assert isinstance(deps.event_log, MemoryEventLog)
    names = [type(e).__name__ for e in deps.event_log.domain_events(schedule_id(estate.id))]
    assert names[-1] == "TermsSet"


def test_staff_of_another_estate_and_a_missing_estate_are_answered_alike(
    deps: ServiceDeps, rates: RateService, estate: Estate
) -> None:
    head = deps.event_log.head()
    with pytest.raises(NotFound) as other:
        rates.set_terms(terms(staff(), estate.id))
    missing = uuid4()
    outsider = Actor(uuid4(), "clerk", "finance", STAFF, "s", frozenset({missing}))
    with pytest.raises(NotFound) as nowhere:
        rates.set_terms(terms(outsider, missing))
    assert str(other.value) == str(nowhere.value)
    assert deps.event_log.head() == head


def test_an_owner_may_not_read_or_change_a_fee_schedule(rates: RateService, estate: Estate) -> None:
    with pytest.raises(Forbidden):
        rates.readable(owner(), estate.id)
    with pytest.raises(Forbidden):
        rates.set_terms(terms(owner(), estate.id))


def test_withdrawing_a_cost_the_schedule_does_not_have_is_not_found(
    rates: RateService, estate: Estate
) -> None:
    clerk = staff(estate)
    cost = RecordSharedCost(
        clerk, estate.id, "2026-01", "shared_area", "lift power", Money.of(90, "CNY"), "gross"
    )
    rates.record_cost(cost)
    with pytest.raises(NotFound):
        rates.withdraw_cost(WithdrawSharedCost(clerk, estate.id, uuid4(), "keyed twice"))
