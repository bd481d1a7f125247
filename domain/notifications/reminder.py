"""A reminder scheduled for one user at a time; it fires once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.notifications.channels import parse_priority


class Reminder(Aggregate):
    @event("Scheduled")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        user_id: UUID,
        message: str,
        due_at: datetime,
        priority: str,
        scheduled_by: UUID | None,
        at: datetime,
    ) -> None:
        if due_at.tzinfo is None:
            raise ValidationFailed("due_at: a time with a time zone")
        if not message.strip():
            raise ValidationFailed("message: must not be empty")
        self.user_id = user_id
        self.message = message
        self.due_at = due_at
        self.priority = parse_priority(priority)
        self.scheduled_by = scheduled_by
        self.status = "scheduled"

    def fire(self, at: datetime) -> None:
        if self.status != "scheduled":
            raise InvalidTransition(f"the reminder is {self.status}")
        if at < self.due_at:
            raise InvalidTransition("the reminder is not due yet")
        self._fired(user_id=self.user_id, message=self.message, priority=self.priority, at=at)

    @event("Fired")
    def _fired(self, user_id: UUID, message: str, priority: str, at: datetime) -> None:
        self.status = "fired"

    def cancel(self, at: datetime) -> None:
        if self.status != "scheduled":
            raise InvalidTransition(f"the reminder is {self.status}")
        self._cancelled(at=at)

    @event("Cancelled")
    def _cancelled(self, at: datetime) -> None:
        self.status = "cancelled"
