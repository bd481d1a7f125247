"""Notification handlers on the in-memory log: staff address the people of the
estates they serve and nobody else; everyone manages their own reminders and
inbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.errors import Forbidden, NotFound
from application.notifications import commands as c
from application.notifications.service import NotificationService
from domain.errors import ValidationFailed
from domain.identity.policy import AUTHENTICATED_BASELINE, Role
from tests.support.actors import actor
from tests.support.memory import MemoryEventLog, NoRegistry, memory_deps

ESTATE, OTHER = uuid4(), uuid4()
NOW = datetime(2026, 1, 1, 8, tzinfo=UTC)


@dataclass
class FakeFacts:
    """The read models' answers: who belongs where, what is in whose inbox."""

    estates: dict[UUID, frozenset[UUID]] = field(default_factory=dict)
    inboxes: dict[UUID, set[int]] = field(default_factory=dict)
    reads: dict[UUID, set[int]] = field(default_factory=dict)

    def addressee_estates(self, user_id: UUID) -> frozenset[UUID] | None:
        return self.estates.get(user_id)

    def in_inbox(self, user_id: UUID, positions: Sequence[int]) -> set[int]:
        return self.inboxes.get(user_id, set()) & set(positions)

    def read_of(self, user_id: UUID, positions: Sequence[int]) -> set[int]:
        return self.reads.get(user_id, set()) & set(positions)

    def due_reminders(self, now: datetime, limit: int) -> list[UUID]:
        return []


@dataclass
class Desk:
    notifications: NotificationService
    log: MemoryEventLog
    facts: FakeFacts
    staff: Actor
    resident: Actor
    elsewhere: Actor

    def names_since(self, position: int) -> list[str]:
        return [type(e).__name__ for e in self.log.domain_events()[position:]]

    def refused(self, error: Any, handler: Any, command: Any) -> None:
        head = self.log.head()
        with pytest.raises(error):
            handler(command)
        assert self.log.head() == head


@pytest.fixture
def desk() -> Desk:
    deps = memory_deps(NOW)
    assert isinstance(deps.event_log, MemoryEventLog) and isinstance(deps.registry, NoRegistry)
    staff, resident = actor(Role.PROPERTY_MANAGER, ESTATE), actor(Role.OWNER)
    elsewhere = actor(Role.OWNER)
    facts = FakeFacts(
        estates={resident.user_id: frozenset({ESTATE}), elsewhere.user_id: frozenset({OTHER})}
    )
    deps.registry.homes[resident.user_id] = [(ESTATE, uuid4())]
    return Desk(NotificationService(deps, facts), deps.event_log, facts, staff, resident, elsewhere)


def test_staff_message_a_resident_of_an_estate_they_serve(desk: Desk) -> None:
    head = desk.log.head()
    _, position, recipients = desk.notifications.send(
        c.SendMessage(desk.staff, "Water", "Off on Saturday", recipient_id=desk.resident.user_id)
    )
    assert recipients == 1 and position == desk.log.head()
    assert desk.names_since(head) == ["Sent"]


def test_staff_find_nobody_outside_their_estates(desk: Desk) -> None:
    for someone in (desk.elsewhere.user_id, uuid4()):  # another estate's; no such user
        desk.refused(
            NotFound,
            desk.notifications.send,
            c.SendMessage(desk.staff, "Hi", "there", recipient_id=someone),
        )


def test_a_resident_addresses_nobody(desk: Desk) -> None:
    desk.refused(
        NotFound,
        desk.notifications.send,
        c.SendMessage(desk.elsewhere, "Hi", "there", recipient_id=desk.resident.user_id),
    )


def test_a_message_to_an_estate_goes_to_its_residents_if_the_sender_serves_it(desk: Desk) -> None:
    _, _, recipients = desk.notifications.send(
        c.SendMessage(desk.staff, "Lift", "Serviced on Monday", estate_id=ESTATE)
    )
    assert recipients == 1
    desk.refused(
        NotFound, desk.notifications.send, c.SendMessage(desk.staff, "x", "y", estate_id=OTHER)
    )
    admin = actor(Role.ADMIN)
    desk.refused(  # nobody lives there
        ValidationFailed,
        desk.notifications.send,
        c.SendMessage(admin, "x", "y", estate_id=OTHER),
    )


def test_reminders_are_for_oneself_or_from_staff_for_their_residents(desk: Desk) -> None:
    due = NOW + timedelta(days=1)
    reminder_id, _ = desk.notifications.remind(c.ScheduleReminder(desk.resident, "Pay", due))
    desk.refused(
        NotFound,
        desk.notifications.remind,
        c.ScheduleReminder(desk.elsewhere, "Pay", due, user_id=desk.resident.user_id),
    )
    for_resident, _ = desk.notifications.remind(
        c.ScheduleReminder(desk.staff, "Meter", due, user_id=desk.resident.user_id)
    )
    # Another person's reminder is missing; the one who scheduled it may cancel it.
    desk.refused(
        NotFound, desk.notifications.cancel_reminder, c.CancelReminder(desk.elsewhere, reminder_id)
    )
    head = desk.log.head()
    desk.notifications.cancel_reminder(c.CancelReminder(desk.staff, for_resident))
    desk.notifications.cancel_reminder(c.CancelReminder(desk.resident, reminder_id))
    assert desk.names_since(head) == ["Cancelled", "Cancelled"]
    desk.refused(
        NotFound, desk.notifications.cancel_reminder, c.CancelReminder(desk.resident, uuid4())
    )


def test_only_notifications_of_ones_own_inbox_are_marked_read(desk: Desk) -> None:
    desk.facts.inboxes[desk.resident.user_id] = {3, 5}
    desk.refused(NotFound, desk.notifications.mark_read, c.MarkRead(desk.resident, (3, 4)))
    desk.refused(NotFound, desk.notifications.mark_read, c.MarkRead(desk.elsewhere, (3,)))
    head = desk.log.head()
    desk.notifications.mark_read(c.MarkRead(desk.resident, (5, 3, 5)))
    assert desk.names_since(head) == ["Opened", "NotificationsRead"]


def test_marking_read_what_is_already_read_records_nothing_and_answers_the_head(
    desk: Desk,
) -> None:
    desk.facts.inboxes[desk.resident.user_id] = {3, 5, 7}
    desk.notifications.mark_read(c.MarkRead(desk.resident, (3, 5)))
    desk.facts.reads[desk.resident.user_id] = {3, 5}  # the receipts have caught up
    head = desk.log.head()
    assert desk.notifications.mark_read(c.MarkRead(desk.resident, (5, 3))) == head
    assert desk.names_since(head) == []
    desk.notifications.mark_read(c.MarkRead(desk.resident, (3, 7)))
    assert [vars(e)["positions"] for e in desk.log.domain_events()[head:]] == [[7]]


def test_an_unchanged_choice_of_channels_answers_the_head(desk: Desk) -> None:
    choose = c.ChoosePreferences(desk.resident, ("in_app",))
    first = desk.notifications.choose_preferences(choose)
    assert desk.notifications.choose_preferences(choose) == first == desk.log.head()


def test_an_actor_without_notifications_manage_may_not_touch_their_inbox(desk: Desk) -> None:
    # A user left with no role keeps only the signed-in baseline.
    bare = replace(desk.resident, permissions=AUTHENTICATED_BASELINE)
    desk.facts.inboxes[bare.user_id] = {3}
    desk.refused(Forbidden, desk.notifications.mark_read, c.MarkRead(bare, (3,)))
    desk.refused(
        Forbidden, desk.notifications.choose_preferences, c.ChoosePreferences(bare, ("in_app",))
    )
