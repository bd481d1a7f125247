"""The events of unit accounts and fee schedules keep the topics they are stored under.

Helpers moved out of ``account.py`` and ``rates.py`` (``bills.py``,
``account_postings.py``, ``rate_values.py``); the aggregates, and with them
their event classes, stayed, so every stored topic still resolves.
"""

from __future__ import annotations

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic, resolve_topic

from domain.finance.account import UnitAccount
from domain.finance.billing_run import BillingRun
from domain.finance.rates import FeeSchedule, MeterReadings
from domain.finance.references import PaymentReference

STORED = (
    "domain.finance.account:UnitAccount.Opened",
    "domain.finance.account:UnitAccount.PaymentReceived",
    "domain.finance.account:UnitAccount.PaymentReversed",
    "domain.finance.account:UnitAccount.LateFeeCharged",
    "domain.finance.account:UnitAccount.WaiverRequested",
    "domain.finance.rates:FeeSchedule.TermsSet",
    "domain.finance.rates:FeeSchedule.RateChangeAdopted",
)


@pytest.mark.parametrize(
    ("aggregate", "module"),
    [
        (UnitAccount, "domain.finance.account"),
        (FeeSchedule, "domain.finance.rates"),
        (MeterReadings, "domain.finance.rates"),
        (BillingRun, "domain.finance.billing_run"),
        (PaymentReference, "domain.finance.references"),
    ],
)
def test_every_event_class_resolves_from_its_stored_topic(aggregate: type, module: str) -> None:
    events = [
        value
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, DomainEvent)
    ]
    assert events
    for event_class in events:
        topic = get_topic(event_class)
        assert topic.startswith(f"{module}:{aggregate.__name__}."), topic
        assert resolve_topic(topic) is event_class


@pytest.mark.parametrize("topic", STORED)
def test_topics_in_the_log_today_resolve(topic: str) -> None:
    assert issubclass(resolve_topic(topic), DomainEvent)
