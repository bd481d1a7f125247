"""A service request (R4.1): cleaning, greening or another service for a unit.

Submitted by a resident for their unit (or by staff) -> accepted by staff,
which opens an approval -> approved (or rejected) through the approval
workflow -> scheduled -> done -> closed, when a satisfaction survey is
offered. Staff may decline a request instead of accepting it; the requester
may cancel it until it is done.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.approvals.rules import Urgency
from domain.community.common import text
from domain.errors import InvalidTransition

APPROVAL_KIND = "service_request"


class Category(StrEnum):
    CLEANING = "cleaning"
    GREENING = "greening"
    OTHER = "other"


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    DONE = "done"
    CLOSED = "closed"
    DECLINED = "declined"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


S = RequestStatus


class ServiceRequest(Aggregate):
    @classmethod
    def submit(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        unit_id: UUID | None,
        category: Category,
        description: str,
        urgency: Urgency,
        requested_by: UUID,
        at: datetime,
    ) -> ServiceRequest:
        return cls(
            id=id,
            estate_id=estate_id,
            unit_id=unit_id,
            category=Category(category),
            description=text(description, "description", 2000),
            urgency=Urgency(urgency),
            requested_by=requested_by,
            at=at,
        )

    @event("Submitted")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        unit_id: UUID | None,
        category: Category,
        description: str,
        urgency: Urgency,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.category = category
        self.description = description
        self.urgency = urgency
        self.requested_by = requested_by
        self.status = S.SUBMITTED
        self.approval_id: UUID | None = None
        self.assignee_id: UUID | None = None

    def _require(self, step: str, *allowed: RequestStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition(f"cannot {step} a request that is {self.status}")

    def accept(self, by: UUID, approval_id: UUID, at: datetime) -> None:
        """Staff accept the request; the approval ``approval_id`` is opened with it."""
        self._require("accept", S.SUBMITTED)
        self._accepted(by=by, approval_id=approval_id, at=at)

    @event("Accepted")
    def _accepted(self, by: UUID, approval_id: UUID, at: datetime) -> None:
        self.status, self.approval_id = S.AWAITING_APPROVAL, approval_id

    def decline(self, by: UUID, reason: str, at: datetime) -> None:
        self._require("decline", S.SUBMITTED)
        self._declined(by=by, reason=text(reason, "reason", 500), at=at)

    @event("Declined")
    def _declined(self, by: UUID, reason: str, at: datetime) -> None:
        self.status = S.DECLINED

    def revise(self, by: UUID, description: str, at: datetime) -> None:
        """The requester changes a request the approval returned for changes."""
        self._require("revise", S.AWAITING_APPROVAL)
        self._revised(by=by, description=text(description, "description", 2000), at=at)

    @event("Revised")
    def _revised(self, by: UUID, description: str, at: datetime) -> None:
        self.description = description

    def approval_decided(
        self, approval_id: UUID, outcome: str, reason: str | None, at: datetime
    ) -> None:
        """The approval became final: approved, rejected or withdrawn."""
        if self.approval_id != approval_id or self.status is not S.AWAITING_APPROVAL:
            return
        if outcome == "approved":
            self._approved(approval_id=approval_id, at=at)
        elif outcome == "rejected":
            self._rejected(approval_id=approval_id, reason=reason, at=at)

    @event("Approved")
    def _approved(self, approval_id: UUID, at: datetime) -> None:
        self.status = S.APPROVED

    @event("Rejected")
    def _rejected(self, approval_id: UUID, reason: str | None, at: datetime) -> None:
        self.status = S.REJECTED

    def schedule(
        self, by: UUID, scheduled_for: datetime, assignee_id: UUID | None, at: datetime
    ) -> None:
        self._require("schedule", S.APPROVED, S.SCHEDULED)
        self._scheduled(by=by, scheduled_for=scheduled_for, assignee_id=assignee_id, at=at)

    @event("Scheduled")
    def _scheduled(
        self, by: UUID, scheduled_for: datetime, assignee_id: UUID | None, at: datetime
    ) -> None:
        self.status, self.assignee_id = S.SCHEDULED, assignee_id

    def complete(self, by: UUID, note: str | None, at: datetime) -> None:
        self._require("complete", S.SCHEDULED)
        self._done(by=by, note=note, at=at)

    @event("Done")
    def _done(self, by: UUID, note: str | None, at: datetime) -> None:
        self.status = S.DONE

    def close(self, by: UUID, at: datetime) -> None:
        self._require("close", S.DONE)
        self._closed(by=by, at=at)

    @event("Closed")
    def _closed(self, by: UUID, at: datetime) -> None:
        self.status = S.CLOSED

    def cancel(self, by: UUID, reason: str, at: datetime) -> None:
        self._require("cancel", S.SUBMITTED, S.AWAITING_APPROVAL, S.APPROVED, S.SCHEDULED)
        self._cancelled(by=by, reason=text(reason, "reason", 500), at=at)

    @event("Cancelled")
    def _cancelled(self, by: UUID, reason: str, at: datetime) -> None:
        self.status = S.CANCELLED
