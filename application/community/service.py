"""Community commands: service requests, complaints, surveys and announcements.

Service requests and announcements go through the approval workflow: this
service subscribes to the kinds ``service_request`` and ``announcement``, so
the final decision and the subject's change are saved together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from application.approvals.service import ApprovalRequest, ApprovalService, Loader
from application.community.residence import RegistryResidence, Residence
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.approvals.approval import Approval
from domain.approvals.rules import Urgency
from domain.community import announcement as announcements
from domain.community import service_request as requests
from domain.community.announcement import Announcement
from domain.community.complaint import Complaint, ComplaintStatus
from domain.community.service_request import Category, RequestStatus, ServiceRequest
from domain.community.survey import SubjectKind, Survey, check_scores, survey_id
from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.identity.policy import Permission
from domain.identity.user import User

T = TypeVar("T")


class RecordNotFound(DomainError):
    title = "No such record"


class CommunityService:
    def __init__(
        self,
        deps: ServiceDeps,
        approvals: ApprovalService,
        residence: Residence | None = None,
    ) -> None:
        self.deps = deps
        self.residence: Residence = residence or RegistryResidence(deps.registry, deps.event_log)
        self.approvals = approvals
        self.approvals.subscribe(requests.APPROVAL_KIND, self._request_decided)
        self.approvals.subscribe(announcements.APPROVAL_KIND, self._announcement_decided)

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return []

    # ---- lookups -----------------------------------------------------------

    def get(self, kind: type[T], record_id: UUID) -> T:
        return load(self.deps.event_log, record_id, kind, RecordNotFound("no such record"))

    def estates_of_resident(self, user_id: UUID) -> set[UUID]:
        return {estate for estate, _ in self.residence.units_of_user(user_id)}

    def check_residence(self, user_id: UUID, estate_id: UUID, unit_id: UUID | None) -> None:
        """A resident acts only for a unit they currently occupy."""
        if unit_id is None or (estate_id, unit_id) not in self.residence.units_of_user(user_id):
            raise RecordNotFound("no such unit, or not yours")

    def check_estate(self, estate_id: UUID, unit_id: UUID | None = None) -> None:
        """Staff act on an estate that exists, and name only its units."""
        if not self.residence.estate_exists(estate_id):
            raise RecordNotFound("no such estate")
        if unit_id is not None and lookups.unit_estate(self.deps.event_log, unit_id) != estate_id:
            raise RecordNotFound("no such unit on this estate")

    def check_staff(self, user_id: UUID, estate_id: UUID) -> None:
        """Work is handed only to staff who serve that estate (or work company-wide)."""
        user = find(self.deps.event_log, user_id, User)
        serves = user is not None and (
            estate_id in user.estates or Permission.SERVICES_HANDLE in user.permissions
        )
        if not serves:
            raise ValidationFailed(f"{user_id} does not work on this estate")

    def _save(self, *aggregates: Any) -> int:
        return self.deps.event_log.save_and_position(*aggregates)

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    # ---- service requests ----------------------------------------------------

    def submit_request(
        self,
        *,
        estate_id: UUID,
        unit_id: UUID | None,
        category: Category,
        description: str,
        urgency: Urgency,
        requested_by: UUID,
    ) -> tuple[UUID, int]:
        request = ServiceRequest.submit(
            estate_id=estate_id,
            unit_id=unit_id,
            category=category,
            description=description,
            urgency=urgency,
            requested_by=requested_by,
            at=self._now,
        )
        return request.id, self._save(request)

    def accept_request(self, request_id: UUID, by: UUID) -> int:
        """Staff accept the request and open its approval, in one save."""
        request = self.get(ServiceRequest, request_id)
        approval_id = uuid4()
        request.accept(by, approval_id, self._now)
        return self.approvals.open(
            ApprovalRequest(
                kind=requests.APPROVAL_KIND,
                subject_id=request.id,
                subject_type=str(request.category),
                estate_id=request.estate_id,
                requested_by=request.requested_by,
                summary=f"{request.category}: {request.description}"[:500],
                urgency=request.urgency,
                approval_id=approval_id,
            ),
            along_with=[request],
        )

    def decline_request(self, request_id: UUID, by: UUID, reason: str) -> int:
        request = self.get(ServiceRequest, request_id)
        request.decline(by, reason, self._now)
        return self._save(request)

    def resubmit_request(self, request_id: UUID, by: UUID, description: str) -> int:
        """The requester revises a request returned for changes, and resubmits it."""
        request = self.get(ServiceRequest, request_id)
        request.revise(by, description, self._now)
        assert request.approval_id is not None
        return self.approvals.resubmit(
            request.approval_id,
            by,
            summary=f"{request.category}: {request.description}"[:500],
            along_with=[request],
        )

    def schedule_request(
        self, request_id: UUID, by: UUID, scheduled_for: datetime, assignee_id: UUID | None
    ) -> int:
        if scheduled_for.tzinfo is None:
            raise ValidationFailed("scheduled_for: a time with its UTC offset")
        request = self.get(ServiceRequest, request_id)
        if assignee_id is not None:
            self.check_staff(assignee_id, request.estate_id)
        request.schedule(by, scheduled_for, assignee_id, self._now)
        return self._save(request)

    def complete_request(self, request_id: UUID, by: UUID, note: str | None) -> int:
        request = self.get(ServiceRequest, request_id)
        request.complete(by, note, self._now)
        return self._save(request)

    def close_request(self, request_id: UUID, by: UUID) -> int:
        request = self.get(ServiceRequest, request_id)
        request.close(by, self._now)
        return self._save(request)

    def cancel_request(self, request_id: UUID, by: UUID, reason: str) -> int:
        """Cancel; a request awaiting approval withdraws its approval in the same save."""
        request = self.get(ServiceRequest, request_id)
        awaiting = request.status is RequestStatus.AWAITING_APPROVAL
        request.cancel(by, reason, self._now)
        if awaiting and request.approval_id is not None:
            approval = self.approvals.get(request.approval_id)
            if not approval.is_final:
                return self.approvals.withdraw(
                    approval.id, request.requested_by, reason, along_with=[request]
                )
        return self._save(request)

    def _request_decided(self, approval: Approval, load: Loader) -> list[Any]:
        request = load(approval.subject_id)
        request.approval_decided(approval.id, str(approval.status), approval.reason, self._now)
        return [request]

    # ---- complaints ------------------------------------------------------------

    def file_complaint(
        self,
        *,
        estate_id: UUID,
        unit_id: UUID | None,
        subject: str,
        description: str,
        complainant_id: UUID,
    ) -> tuple[UUID, int]:
        complaint = Complaint.receive(
            estate_id=estate_id,
            unit_id=unit_id,
            subject=subject,
            description=description,
            complainant_id=complainant_id,
            at=self._now,
        )
        return complaint.id, self._save(complaint)

    def handle_complaint(self, complaint_id: UUID, by: UUID, step: str, **fields: Any) -> int:
        """One handling step: assign, respond, resolve, escalate, close, confirm, reopen."""
        complaint = self.get(Complaint, complaint_id)
        steps: dict[str, Callable[..., None]] = {
            "assign": complaint.assign,
            "respond": complaint.respond,
            "resolve": complaint.resolve,
            "escalate": complaint.escalate,
            "close": complaint.close,
            "confirm": complaint.confirm,
            "reopen": complaint.reopen,
        }
        if step == "assign":
            self.check_staff(fields["handler_id"], complaint.estate_id)
        steps[step](by=by, at=self._now, **fields)
        return self._save(complaint)

    # ---- surveys -----------------------------------------------------------------

    def answer_survey(
        self,
        *,
        subject_kind: SubjectKind,
        subject_id: UUID,
        by: UUID,
        scores: dict[str, int],
        comment: str | None,
    ) -> tuple[UUID, int]:
        """Answer the survey of a closed subject; only its requester may, and only once."""
        check_scores(scores)
        estate_id, respondent, closed = self._survey_subject(SubjectKind(subject_kind), subject_id)
        if respondent != by:
            raise RecordNotFound("no such survey, or not yours")
        if not closed:
            raise InvalidTransition("a survey is offered once its subject is closed")
        try:
            self.deps.event_log.repository.get(survey_id(subject_kind, subject_id))
        except AggregateNotFoundError:
            pass
        else:
            raise InvalidTransition("this survey has already been answered")
        survey = Survey.answer(
            subject_kind=SubjectKind(subject_kind),
            subject_id=subject_id,
            estate_id=estate_id,
            respondent_id=by,
            scores=scores,
            comment=comment,
            at=self._now,
        )
        return survey.id, self._save(survey)

    def _survey_subject(self, kind: SubjectKind, subject_id: UUID) -> tuple[UUID, Any, bool]:
        """(estate, respondent, closed?) of a survey's subject."""
        if kind is SubjectKind.SERVICE_REQUEST:
            request = self.get(ServiceRequest, subject_id)
            return request.estate_id, request.requested_by, request.status is RequestStatus.CLOSED
        if kind is SubjectKind.COMPLAINT:
            complaint = self.get(Complaint, subject_id)
            closed = complaint.status is ComplaintStatus.CLOSED
            return complaint.estate_id, complaint.complainant_id, closed
        # A work order (contract 2), read by its state without importing its context.
        try:
            order = self.deps.event_log.repository.get(subject_id)
        except AggregateNotFoundError:
            raise RecordNotFound("no such survey, or not yours") from None
        if type(order).__name__ != "WorkOrder":
            raise RecordNotFound("no such survey, or not yours")
        status = str(getattr(order, "status", "")).lower()
        return order.estate_id, getattr(order, "requested_by", None), status.endswith("closed")

    # ---- announcements -------------------------------------------------------------

    def draft_announcement(
        self, *, estate_id: UUID, title: str, body: str, by: UUID
    ) -> tuple[UUID, int]:
        announcement = Announcement.draft(
            estate_id=estate_id, title=title, body=body, drafted_by=by, at=self._now
        )
        return announcement.id, self._save(announcement)

    def revise_announcement(self, announcement_id: UUID, by: UUID, title: str, body: str) -> int:
        """Revise a draft; one returned for changes is revised and resubmitted at once."""
        announcement = self.get(Announcement, announcement_id)
        announcement.revise(by, title, body, self._now)
        if announcement.approval_id is None:
            return self._save(announcement)
        return self.approvals.resubmit(
            announcement.approval_id, by, summary=announcement.title, along_with=[announcement]
        )

    def submit_announcement(self, announcement_id: UUID, by: UUID) -> int:
        announcement = self.get(Announcement, announcement_id)
        approval_id = uuid4()
        announcement.submit(by, approval_id, self._now)
        return self.approvals.open(
            ApprovalRequest(
                kind=announcements.APPROVAL_KIND,
                subject_id=announcement.id,
                estate_id=announcement.estate_id,
                requested_by=by,
                summary=announcement.title,
                approval_id=approval_id,
            ),
            along_with=[announcement],
        )

    def publish_announcement(self, announcement_id: UUID, by: UUID) -> int:
        announcement = self.get(Announcement, announcement_id)
        announcement.publish(by, self._now)
        return self._save(announcement)

    def withdraw_announcement(self, announcement_id: UUID, by: UUID, reason: str) -> int:
        announcement = self.get(Announcement, announcement_id)
        announcement.withdraw(by, reason, self._now)
        return self._save(announcement)

    def _announcement_decided(self, approval: Approval, load: Loader) -> list[Any]:
        announcement = load(approval.subject_id)
        announcement.approval_decided(approval.id, str(approval.status), approval.reason, self._now)
        return [announcement]
