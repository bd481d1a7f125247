"""Events are stored by their class's topic (``module:Class``): splitting the
expense and fund modules must leave every stored topic resolvable to the same
class. Budget, ExpenseClaim, FundAccount and FundSpending keep their event
classes where the log names them; Vendor moved to ``domain/finance/vendors.py``
and its old topics resolve through ``domain.finance.expenses``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic, resolve_topic

from domain.finance import expenses, fund
from domain.finance.fund_rules import EmergencyCategory
from domain.finance.vendors import Vendor
from tests.support.memory import MemoryEventLog


def events_of(aggregate: type) -> list[type]:
    found = [
        v
        for v in vars(aggregate).values()
        if isinstance(v, type) and issubclass(v, Aggregate.Event)
    ]
    assert found
    return found


@pytest.mark.parametrize(
    ("module", "aggregate"),
    [
        ("domain.finance.expenses", expenses.Budget),
        ("domain.finance.expenses", expenses.ExpenseClaim),
        ("domain.finance.fund", fund.FundAccount),
        ("domain.finance.fund", fund.FundSpending),
    ],
)
def test_event_classes_keep_their_stored_topics(module: str, aggregate: type) -> None:
    for cls in events_of(aggregate):
        assert get_topic(cls) == f"{module}:{aggregate.__name__}.{cls.__name__}"
        assert resolve_topic(get_topic(cls)) is cls


def test_the_vendors_old_topics_resolve_to_the_moved_class() -> None:
    assert resolve_topic("domain.finance.expenses:Vendor") is Vendor
    for cls in events_of(Vendor):
        assert resolve_topic(f"domain.finance.expenses:Vendor.{cls.__name__}") is cls


def test_a_vendor_event_stored_under_its_old_topic_is_read_back() -> None:
    log = MemoryEventLog()
    vendor = Vendor.register(
        id=uuid4(),
        name="Eastern Lift Engineering",
        tax_id="91310115MA1H8LFT02",
        bank_account="6222020200112345",
        contact=None,
        categories=["repairs"],
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    log.save_and_position(vendor)
    stored = log.recorder.select_notifications(1, 1)[0]
    assert stored.topic == "domain.finance.vendors:Vendor.Registered"
    old = dataclasses.replace(stored, topic="domain.finance.expenses:Vendor.Registered")
    event = log.mapper.to_domain_event(old)
    assert isinstance(event, Vendor.Registered)
    assert event.originator_id == vendor.id


@pytest.mark.parametrize(
    "name", ["ClaimStatus", "Basis", "DepositMethod", "SpendingStatus", "EmergencyCategory"]
)
def test_enum_topics_of_stored_events_still_resolve(name: str) -> None:
    module = "domain.finance.expenses" if name == "ClaimStatus" else "domain.finance.fund"
    assert resolve_topic(f"{module}:{name}").__name__ == name


def test_the_moved_emergency_category_resolves_by_its_old_topic() -> None:
    assert resolve_topic("domain.finance.fund:EmergencyCategory") is EmergencyCategory
