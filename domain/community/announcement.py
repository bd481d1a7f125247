"""An announcement on an estate's board (R4.1, the announcement board).

Drafted by staff of the estate -> submitted for approval -> approved (or
rejected, or returned: the author revises and resubmits) -> published, when
residents of the estate see it -> withdrawn.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.community.common import text
from domain.errors import InvalidTransition

APPROVAL_KIND = "announcement"


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


A = AnnouncementStatus


class Announcement(Aggregate):
    @classmethod
    def draft(
        cls, *, id: UUID, estate_id: UUID, title: str, body: str, drafted_by: UUID, at: datetime
    ) -> Announcement:
        return cls(
            id=id,
            estate_id=estate_id,
            title=text(title, "title", 200),
            body=text(body, "body", 10000),
            drafted_by=drafted_by,
            at=at,
        )

    @event("Drafted")
    def __init__(
        self, id: UUID, estate_id: UUID, title: str, body: str, drafted_by: UUID, at: datetime
    ) -> None:
        self.estate_id = estate_id
        self.title = title
        self.body = body
        self.drafted_by = drafted_by
        self.status = A.DRAFT
        self.approval_id: UUID | None = None

    def _require(self, step: str, *allowed: AnnouncementStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition(f"cannot {step} an announcement that is {self.status}")

    def revise(self, by: UUID, title: str, body: str, at: datetime) -> None:
        """Change the text: a draft, or one awaiting approval (returned for changes)."""
        self._require("revise", A.DRAFT, A.AWAITING_APPROVAL)
        self._revised(by=by, title=text(title, "title", 200), body=text(body, "body", 10000), at=at)

    @event("Revised")
    def _revised(self, by: UUID, title: str, body: str, at: datetime) -> None:
        self.title, self.body = title, body

    def submit(self, by: UUID, approval_id: UUID, at: datetime) -> None:
        self._require("submit", A.DRAFT)
        self._submitted(by=by, approval_id=approval_id, at=at)

    @event("SubmittedForApproval")
    def _submitted(self, by: UUID, approval_id: UUID, at: datetime) -> None:
        self.status, self.approval_id = A.AWAITING_APPROVAL, approval_id

    def approval_decided(
        self, approval_id: UUID, outcome: str, reason: str | None, at: datetime
    ) -> None:
        if self.approval_id != approval_id or self.status is not A.AWAITING_APPROVAL:
            return
        if outcome == "approved":
            self._approved(approval_id=approval_id, at=at)
        elif outcome == "rejected":
            self._rejected(approval_id=approval_id, reason=reason, at=at)
        else:  # withdrawn: back to a draft
            self._returned_to_draft(approval_id=approval_id, at=at)

    @event("Approved")
    def _approved(self, approval_id: UUID, at: datetime) -> None:
        self.status = A.APPROVED

    @event("Rejected")
    def _rejected(self, approval_id: UUID, reason: str | None, at: datetime) -> None:
        self.status = A.REJECTED

    @event("ReturnedToDraft")
    def _returned_to_draft(self, approval_id: UUID, at: datetime) -> None:
        self.status, self.approval_id = A.DRAFT, None

    def publish(self, by: UUID, at: datetime) -> None:
        self._require("publish", A.APPROVED)
        self._published(by=by, at=at)

    @event("Published")
    def _published(self, by: UUID, at: datetime) -> None:
        self.status = A.PUBLISHED

    def withdraw(self, by: UUID, reason: str, at: datetime) -> None:
        self._require("withdraw", A.PUBLISHED)
        self._withdrawn(by=by, reason=text(reason, "reason", 500), at=at)

    @event("Withdrawn")
    def _withdrawn(self, by: UUID, reason: str, at: datetime) -> None:
        self.status = A.WITHDRAWN
