"""Every record a handler creates takes its ID from the deps' ``ids`` (the
container's ``build(ids=...)``); only IDs derived from a natural key do not."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from application.registry import commands as c
from domain.approvals.approval import Approval
from domain.finance.expenses import ExpenseClaim
from domain.finance.vendors import Vendor
from domain.registry.unit import Unit
from tests.support.ids import SequentialIds
from tests.support.memory import MemoryEventLog
from tests.unit.finance.test_expense_handlers import World as ExpenseWorld
from tests.unit.registry.world import manager_of, registry


def originators(log: MemoryEventLog) -> set[UUID]:
    return {event.originator_id for event in log.domain_events()}


def test_a_vendor_its_claim_and_the_claims_approval_take_the_next_ids() -> None:
    ids = SequentialIds(start=1000)
    world = ExpenseWorld(ids=ids)  # registers the estate (its ID from its code) and a vendor
    claim_id, approval_id = world.submit(world.finance)
    assert (world.vendor_id, claim_id, approval_id) == (ids.nth(1), ids.nth(2), ids.nth(3))
    assert isinstance(world.log.repository.get(ids.nth(1)), Vendor)
    claim = world.log.repository.get(ids.nth(2))
    assert isinstance(claim, ExpenseClaim) and claim.approval_id == ids.nth(3)
    assert isinstance(world.log.repository.get(ids.nth(3)), Approval)
    # Nothing else in the log took an ID of its own.
    assert isinstance(world.log, MemoryEventLog)
    assert originators(world.log) == {world.estate_id, *ids.issued}


def test_people_and_occupancies_take_the_next_ids_units_keep_theirs() -> None:
    ids = SequentialIds(start=2000)
    w = registry(ids=ids)
    assert (w.person_a, w.person_b) == (ids.nth(1), ids.nth(2))
    w.handlers.move_in(c.MoveIn(manager_of(w.a), w.unit_a, w.person_a, "owner", date(2020, 1, 1)))
    unit = w.handlers.deps.event_log.repository.get(w.unit_a)
    assert isinstance(unit, Unit) and unit.id not in ids.issued
    assert list(unit.occupancies) == [str(ids.nth(3))]
    assert ids.issued == [ids.nth(1), ids.nth(2), ids.nth(3)]
