"""The rule table and the approval walk, without a database; and an event a
rule cannot read does not hold back the notifications after it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from bootstrap import Container
from domain.identity.policy import Role
from projections.notifications.rules import (
    Subject,
    approval_step,
    approval_waiting,
    notice_for,
    roles_holding,
)
from tests.e2e.notifications.support import (
    deliveries,
    drain,
    message,
    user,
    wait_for_deliveries,
    working,
)
from tests.support.directory import RolesDirectory

ESTATE = uuid4()


def named(qualname: str, **fields: Any) -> Any:
    """An event object whose class has this qualname (all kind_of looks at)."""
    cls = type(qualname.rpartition(".")[2], (SimpleNamespace,), {})
    cls.__qualname__ = qualname
    return cls(**fields)


def test_unknown_events_notify_nobody() -> None:
    ev = named("Invoice.Issued", estate_id=ESTATE)
    assert (
        notice_for(ev, ("Invoice", "Issued"), Subject(uuid4(), "Invoice"), RolesDirectory({}))
        is None
    )


def test_alarm_handlers_are_the_roles_holding_alarms_handle() -> None:
    assert roles_holding("alarms:handle") == [
        "admin",
        "customer_service",
        "gate_guard",
        "property_manager",
        "technician",
    ]
    pm, finance = uuid4(), uuid4()
    directory = RolesDirectory({"property_manager": [pm], "finance": [finance]})
    ev = named("Alarm.Raised", code="fire", severity="critical", message="Smoke", equipment_id=1)
    notice = notice_for(ev, ("Alarm", "Raised"), Subject(uuid4(), "Alarm", ESTATE), directory)
    assert notice is not None
    assert (notice.recipients, notice.priority, notice.title) == (
        [pm],
        "urgent",
        "Alarm raised: fire (critical)",
    )


def test_a_complaint_handler_is_told_when_assigned() -> None:
    handler = uuid4()
    ev = named("Complaint.HandlerAssigned", handler_id=handler, by=uuid4())
    subject = Subject(uuid4(), "Complaint", ESTATE, title="Noise at night")
    notice = notice_for(ev, ("Complaint", "HandlerAssigned"), subject, RolesDirectory({}))
    assert notice is not None
    assert (notice.recipients, notice.title) == (
        [handler],
        "Complaint assigned to you: Noise at night",
    )


def test_the_approval_walk_follows_screening_returns_and_delegation() -> None:
    state: dict[str, Any] = {}
    levels = [
        {"name": "front_desk", "role": "customer_service"},
        {"name": "department", "role": "property_manager"},
    ]
    approval_step(state, "Opened", SimpleNamespace(levels=levels))
    approval_step(state, "PreScreened", SimpleNamespace(outcome="skip", skipped=["front_desk"]))
    waiting = approval_waiting(state)
    assert waiting is not None and (waiting.level, waiting.role) == (1, "property_manager")
    delegate = uuid4()
    approval_step(state, "Delegated", SimpleNamespace(to=delegate))
    waiting = approval_waiting(state)
    assert waiting is not None and waiting.delegate == delegate
    approval_step(state, "ReturnedForChanges", SimpleNamespace())
    assert approval_waiting(state) is None
    approval_step(state, "Resubmitted", SimpleNamespace())
    waiting = approval_waiting(state)
    assert waiting is not None and (waiting.role, waiting.delegate) == ("property_manager", None)
    approval_step(state, "Approved", SimpleNamespace())
    assert approval_waiting(state) is None


class Reminder(Aggregate):
    """A malformed stand-in: its Fired event lacks the fields the rule reads."""

    @event("Fired")
    def __init__(self, at: datetime) -> None:
        pass


def test_an_event_a_rule_cannot_read_is_skipped_and_later_ones_still_arrive(
    container: Container,
) -> None:
    pm = user(container, "pm.zhou", [Role.PROPERTY_MANAGER])
    owner = user(container, "owner.li", [Role.OWNER])
    container.event_log.save_and_position(Reminder(at=datetime.now(UTC)))
    _, position = message(container, pm, [owner], "Hello", "Welcome home")
    container.projector.catch_up()
    assert container.projector.position("notification_outbox") == container.event_log.head()
    with working(container):
        wait_for_deliveries(container, 1)
        drain(container)
    assert deliveries(container) == [(position, owner, "in_app", "sent")]
