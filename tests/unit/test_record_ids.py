"""Every record a handler creates takes its ID from the deps' ``ids`` (the
container's ``build(ids=...)``); only IDs derived from a natural key do not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from application.approvals.service import ApprovalService
from application.finance.expenses import ExpenseService, RegisterVendor, SubmitClaim
from application.registry import commands as c
from domain.approvals.approval import Approval
from domain.finance.expenses import ExpenseClaim
from domain.finance.vendors import Vendor
from domain.identity.policy import Role
from domain.registry.places import Estate
from domain.registry.unit import Unit
from tests.support.ids import SequentialIds
from tests.support.memory import MemoryEventLog, memory_deps
from tests.unit.finance.actors import actor
from tests.unit.registry.world import manager_of, registry


def originators(log: MemoryEventLog) -> set[UUID]:
    return {event.originator_id for event in log.domain_events()}


def test_a_vendor_its_claim_and_the_claims_approval_take_the_next_ids() -> None:
    ids = SequentialIds(start=1000)
    deps = memory_deps(ids=ids)
    log = deps.event_log
    assert isinstance(log, MemoryEventLog)
    expenses = ExpenseService(deps, ApprovalService(deps))
    estate = Estate.register("HVG", "Harbour View Gardens", "1 Harbour Road")
    log.save_and_position(estate)
    vendor_id, _ = expenses.register_vendor(
        RegisterVendor(
            actor=actor(Role.ADMIN),
            name="Eastern Lift Engineering",
            tax_id="91310115MA1H8LFT02",
            bank_account="6222020200112345",
            contact=None,
            categories=["repairs"],
        )
    )
    claim_id, approval_id, _ = expenses.submit_claim(
        SubmitClaim(
            actor=actor(Role.FINANCE, estate.id),
            estate_id=estate.id,
            vendor_id=vendor_id,
            category="repairs",
            amount=Decimal("100.00"),
            currency="CNY",
            description="Replace the lift door operator",
            incurred_on=date(2026, 1, 1),
            invoice_ref="INV-1",
        )
    )
    assert (vendor_id, claim_id, approval_id) == (ids.nth(1), ids.nth(2), ids.nth(3))
    assert isinstance(log.repository.get(ids.nth(1)), Vendor)
    claim = log.repository.get(ids.nth(2))
    assert isinstance(claim, ExpenseClaim) and claim.approval_id == ids.nth(3)
    assert isinstance(log.repository.get(ids.nth(3)), Approval)
    # Nothing else in the log took an ID of its own: the estate's comes from its code.
    assert originators(log) == {estate.id, *ids.issued}


def test_people_and_occupancies_take_the_next_ids_units_keep_theirs() -> None:
    ids = SequentialIds(start=2000)
    w = registry(ids=ids)
    assert (w.person_a, w.person_b) == (ids.nth(1), ids.nth(2))
    w.handlers.move_in(c.MoveIn(manager_of(w.a), w.unit_a, w.person_a, "owner", date(2020, 1, 1)))
    unit = w.handlers.deps.event_log.repository.get(w.unit_a)
    assert isinstance(unit, Unit) and unit.id not in ids.issued
    assert list(unit.occupancies) == [str(ids.nth(3))]
    assert ids.issued == [ids.nth(1), ids.nth(2), ids.nth(3)]
