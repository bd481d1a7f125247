"""A message staff send to a user or to the residents of an estate.

The recipients are resolved when the command is taken and recorded in the
event, so the history says exactly who was addressed.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed
from domain.notifications.channels import parse_priority

MAX_RECIPIENTS = 50_000


class StaffMessage(Aggregate):
    @event("Sent")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        sender_id: UUID,
        estate_id: UUID | None,
        recipient_ids: list[UUID],
        subject: str,
        body: str,
        priority: str,
        at: datetime,
    ) -> None:
        if not recipient_ids:
            raise ValidationFailed("the message has no recipients")
        if len(recipient_ids) > MAX_RECIPIENTS:
            raise ValidationFailed(f"at most {MAX_RECIPIENTS} recipients")
        if not subject.strip() or not body.strip():
            raise ValidationFailed("subject and body must not be empty")
        self.sender_id = sender_id
        self.estate_id = estate_id
        self.recipient_ids = list(recipient_ids)
        self.subject = subject
        self.body = body
        self.priority = parse_priority(priority)
