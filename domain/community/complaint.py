"""A complaint and its handling (R4.1).

received -> assigned (a handler) -> responded -> resolved -> closed (the
complainant confirms, or staff close it); the complainant may instead reopen
a resolved complaint (reopened -> assigned again); an assigned or responded
complaint may be escalated (escalated -> assigned to a new handler).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.community.common import text
from domain.errors import InvalidTransition, NotEntitled


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    REOPENED = "reopened"
    CLOSED = "closed"


C = ComplaintStatus


class Complaint(Aggregate):
    @classmethod
    def receive(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        unit_id: UUID | None,
        subject: str,
        description: str,
        complainant_id: UUID,
        at: datetime,
    ) -> Complaint:
        return cls(
            id=id,
            estate_id=estate_id,
            unit_id=unit_id,
            subject=text(subject, "subject", 200),
            description=text(description, "description", 4000),
            complainant_id=complainant_id,
            at=at,
        )

    @event("Received")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        unit_id: UUID | None,
        subject: str,
        description: str,
        complainant_id: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.subject = subject
        self.description = description
        self.complainant_id = complainant_id
        self.status = C.RECEIVED
        self.handler_id: UUID | None = None
        self.escalation_level = 0

    def _require(self, step: str, *allowed: ComplaintStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition(f"cannot {step} a complaint that is {self.status}")

    def assign(self, by: UUID, handler_id: UUID, at: datetime) -> None:
        self._require("assign", C.RECEIVED, C.ASSIGNED, C.ESCALATED, C.REOPENED)
        self._assigned(by=by, handler_id=handler_id, at=at)

    @event("HandlerAssigned")
    def _assigned(self, by: UUID, handler_id: UUID, at: datetime) -> None:
        self.status, self.handler_id = C.ASSIGNED, handler_id

    def respond(self, by: UUID, response: str, at: datetime) -> None:
        self._require("respond to", C.ASSIGNED, C.RESPONDED)
        self._responded(by=by, response=text(response, "response", 4000), at=at)

    @event("Responded")
    def _responded(self, by: UUID, response: str, at: datetime) -> None:
        self.status = C.RESPONDED

    def resolve(self, by: UUID, resolution: str, at: datetime) -> None:
        self._require("resolve", C.RESPONDED)
        self._resolved(by=by, resolution=text(resolution, "resolution", 4000), at=at)

    @event("Resolved")
    def _resolved(self, by: UUID, resolution: str, at: datetime) -> None:
        self.status = C.RESOLVED

    def escalate(self, by: UUID, reason: str, at: datetime) -> None:
        self._require("escalate", C.ASSIGNED, C.RESPONDED, C.REOPENED)
        self._escalated(
            by=by, reason=text(reason, "reason", 500), level=self.escalation_level + 1, at=at
        )

    @event("Escalated")
    def _escalated(self, by: UUID, reason: str, level: int, at: datetime) -> None:
        self.status, self.escalation_level, self.handler_id = C.ESCALATED, level, None

    def confirm(self, by: UUID, at: datetime) -> None:
        """The complainant confirms the resolution; the complaint is closed."""
        self._require("confirm", C.RESOLVED)
        self._only_complainant(by, "confirms")
        self._confirmed(by=by, at=at)

    @event("Confirmed")
    def _confirmed(self, by: UUID, at: datetime) -> None:
        self.status = C.CLOSED

    def reopen(self, by: UUID, reason: str, at: datetime) -> None:
        self._require("reopen", C.RESOLVED)
        self._only_complainant(by, "reopens")
        self._reopened(by=by, reason=text(reason, "reason", 500), at=at)

    @event("Reopened")
    def _reopened(self, by: UUID, reason: str, at: datetime) -> None:
        self.status, self.handler_id = C.REOPENED, None

    def close(self, by: UUID, at: datetime) -> None:
        """Staff close a resolved complaint the complainant has not confirmed."""
        self._require("close", C.RESOLVED)
        self._closed(by=by, at=at)

    @event("Closed")
    def _closed(self, by: UUID, at: datetime) -> None:
        self.status = C.CLOSED

    def _only_complainant(self, by: UUID, step: str) -> None:
        if by != self.complainant_id:
            raise NotEntitled(f"only the complainant {step} a complaint")
