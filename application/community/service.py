"""Community handlers: service requests, complaints, surveys and announcements.

Each handler takes one command (``application/community/commands.py``),
loads the record once, authorizes the command's actor against it
(``actor.check``: another estate's record is missing, 404), lets the
aggregate decide and saves. Service requests and announcements go through
the approval workflow: this service subscribes to the kinds
``service_request`` and ``announcement``, so the final decision and the
subject's change are saved together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.actor import HIDDEN, Actor
from application.approvals.service import ApprovalRequest, ApprovalService, Loader, Opened
from application.community import commands as c
from application.community.residence import RegistryResidence, Residence
from application.errors import NotFound
from application.numbers import Numbers
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.approvals.approval import Approval
from domain.community import announcement as announcements
from domain.community import service_request as requests
from domain.community.announcement import Announcement
from domain.community.complaint import Complaint, ComplaintStatus
from domain.community.service_request import RequestStatus, ServiceRequest
from domain.community.survey import SubjectKind, Survey, check_scores, survey_id
from domain.errors import InvalidTransition, ValidationFailed
from domain.identity.policy import Permission
from domain.identity.user import User

T = TypeVar("T")


class RecordNotFound(NotFound):
    """No such request, complaint, survey or announcement, or not the actor's to see."""

    def __init__(self, detail: str = HIDDEN) -> None:
        super().__init__(detail)


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
        self.numbers = Numbers(deps.event_log)
        self.approvals.subscribe(requests.APPROVAL_KIND, self._request_decided)
        self.approvals.subscribe(announcements.APPROVAL_KIND, self._announcement_decided)

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return []

    # ---- lookups -----------------------------------------------------------

    def get(self, kind: type[T], record_id: UUID) -> T:
        return load(self.deps.event_log, record_id, kind, RecordNotFound())

    def estates_of_resident(self, user_id: UUID) -> set[UUID]:
        return {estate for estate, _ in self.residence.units_of_user(user_id)}

    def board_estates(self, actor: Actor) -> frozenset[UUID] | None:
        """The estates whose board the actor reads: those they serve and those
        they live in (None: every estate)."""
        reach = actor.reach("announcements:read")
        if reach.everything:
            return None
        homes = self.estates_of_resident(actor.user_id) if reach.own else set()
        return reach.estates | homes

    def _check_where(self, actor: Actor, estate_id: UUID, unit_id: UUID | None) -> None:
        """Staff name an estate they serve and only its units; a resident acts
        only for a unit they currently occupy. Anything else is missing."""
        if actor.may("services:request", owner_id=None, estate_id=estate_id):
            self._check_estate(estate_id, unit_id)
        elif unit_id is None or (estate_id, unit_id) not in self.residence.units_of_user(
            actor.user_id
        ):
            raise RecordNotFound()

    def _check_estate(self, estate_id: UUID, unit_id: UUID | None = None) -> None:
        if not self.residence.estate_exists(estate_id):
            raise RecordNotFound()
        if unit_id is not None and lookups.unit_estate(self.deps.event_log, unit_id) != estate_id:
            raise RecordNotFound()

    def _check_staff(self, user_id: UUID, estate_id: UUID) -> None:
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

    def submit_request(self, cmd: c.SubmitServiceRequest) -> tuple[UUID, int, str]:
        """A resident asks for a service for a unit they occupy; staff for their estate."""
        self._check_where(cmd.actor, cmd.estate_id, cmd.unit_id)
        request = ServiceRequest.submit(
            id=self.deps.ids(),
            estate_id=cmd.estate_id,
            unit_id=cmd.unit_id,
            category=cmd.category,
            description=cmd.description,
            urgency=cmd.urgency,
            requested_by=cmd.actor.user_id,
            at=self._now,
        )
        return (request.id, *self.numbers.save_new(request))

    def _handled(self, actor: Actor, request_id: UUID) -> ServiceRequest:
        """The request, if the actor handles requests of its estate."""
        request = self.get(ServiceRequest, request_id)
        actor.check("services:handle", owner_id=None, estate_id=request.estate_id)
        return request

    def _own(self, actor: Actor, request_id: UUID) -> ServiceRequest:
        """The request, if it is the actor's own (or staff of its estate may act for them)."""
        request = self.get(ServiceRequest, request_id)
        actor.check("services:request", owner_id=request.requested_by, estate_id=request.estate_id)
        return request

    def accept_request(self, cmd: c.AcceptServiceRequest) -> Opened:
        """Staff accept the request and open its approval, in one save."""
        request = self._handled(cmd.actor, cmd.request_id)
        approval_id = self.deps.ids()
        request.accept(cmd.actor.user_id, approval_id, self._now)
        position = self.approvals.open(
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
        return Opened(approval_id, position)

    def decline_request(self, cmd: c.DeclineServiceRequest) -> int:
        request = self._handled(cmd.actor, cmd.request_id)
        request.decline(cmd.actor.user_id, cmd.reason, self._now)
        return self._save(request)

    def resubmit_request(self, cmd: c.ResubmitServiceRequest) -> int:
        """The requester revises a request returned for changes, and resubmits it."""
        request = self._own(cmd.actor, cmd.request_id)
        request.revise(cmd.actor.user_id, cmd.description, self._now)
        assert request.approval_id is not None
        return self.approvals.resubmit(
            request.approval_id,
            cmd.actor.user_id,
            summary=f"{request.category}: {request.description}"[:500],
            along_with=[request],
        )

    def schedule_request(self, cmd: c.ScheduleServiceRequest) -> int:
        if cmd.scheduled_for.tzinfo is None:
            raise ValidationFailed("scheduled_for: a time with its UTC offset")
        request = self._handled(cmd.actor, cmd.request_id)
        if cmd.assignee_id is not None:
            self._check_staff(cmd.assignee_id, request.estate_id)
        request.schedule(cmd.actor.user_id, cmd.scheduled_for, cmd.assignee_id, self._now)
        return self._save(request)

    def complete_request(self, cmd: c.CompleteServiceRequest) -> int:
        request = self._handled(cmd.actor, cmd.request_id)
        request.complete(cmd.actor.user_id, cmd.note, self._now)
        return self._save(request)

    def close_request(self, cmd: c.CloseServiceRequest) -> int:
        """Close a done request; its requester is offered a satisfaction survey."""
        request = self._handled(cmd.actor, cmd.request_id)
        request.close(cmd.actor.user_id, self._now)
        return self._save(request)

    def cancel_request(self, cmd: c.CancelServiceRequest) -> int:
        """Cancel; a request awaiting approval withdraws its approval in the same save."""
        request = self._own(cmd.actor, cmd.request_id)
        awaiting = request.status is RequestStatus.AWAITING_APPROVAL
        request.cancel(cmd.actor.user_id, cmd.reason, self._now)
        if awaiting and request.approval_id is not None:
            approval = self.approvals.get(request.approval_id)
            if not approval.is_final:
                return self.approvals.withdraw(
                    approval, request.requested_by, cmd.reason, along_with=[request]
                )
        return self._save(request)

    def _request_decided(self, approval: Approval, load: Loader) -> list[Any]:
        request = load(approval.subject_id)
        request.approval_decided(approval.id, str(approval.status), approval.reason, self._now)
        return [request]

    # ---- complaints ------------------------------------------------------------

    def file_complaint(self, cmd: c.FileComplaint) -> tuple[UUID, int, str]:
        """A resident complains about their estate (for a unit they occupy); staff record one."""
        self._check_where(cmd.actor, cmd.estate_id, cmd.unit_id)
        complaint = Complaint.receive(
            id=self.deps.ids(),
            estate_id=cmd.estate_id,
            unit_id=cmd.unit_id,
            subject=cmd.subject,
            description=cmd.description,
            complainant_id=cmd.actor.user_id,
            at=self._now,
        )
        return (complaint.id, *self.numbers.save_new(complaint))

    def take_complaint_step(self, cmd: c.TakeComplaintStep) -> int:
        """One handling step: staff assign, respond, resolve, escalate, close; the
        complainant confirms or reopens."""
        complaint = self.get(Complaint, cmd.complaint_id)
        if cmd.step in c.COMPLAINANT_STEPS:
            cmd.actor.check("services:request", owner_id=complaint.complainant_id, estate_id=None)
        else:
            cmd.actor.check("services:handle", owner_id=None, estate_id=complaint.estate_id)
        if cmd.step == "assign":
            self._check_staff(cmd.fields["handler_id"], complaint.estate_id)
        steps: dict[str, Callable[..., None]] = {
            "assign": complaint.assign,
            "respond": complaint.respond,
            "resolve": complaint.resolve,
            "escalate": complaint.escalate,
            "close": complaint.close,
            "confirm": complaint.confirm,
            "reopen": complaint.reopen,
        }
        steps[cmd.step](by=cmd.actor.user_id, at=self._now, **cmd.fields)
        return self._save(complaint)

    # ---- surveys -----------------------------------------------------------------

    def answer_survey(self, cmd: c.AnswerSurvey) -> tuple[UUID, int]:
        """Answer the survey of a closed subject; only its requester may, and only once."""
        scores = check_scores(dict(cmd.scores))
        kind = SubjectKind(cmd.subject_kind)
        estate_id, respondent, closed = self._survey_subject(kind, cmd.subject_id)
        if respondent != cmd.actor.user_id:
            raise RecordNotFound()
        if not closed:
            raise InvalidTransition("a survey is offered once its subject is closed")
        try:
            self.deps.event_log.repository.get(survey_id(kind, cmd.subject_id))
        except AggregateNotFoundError:
            pass
        else:
            raise InvalidTransition("this survey has already been answered")
        survey = Survey.answer(
            subject_kind=kind,
            subject_id=cmd.subject_id,
            estate_id=estate_id,
            respondent_id=cmd.actor.user_id,
            scores=scores,
            comment=cmd.comment,
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
            raise RecordNotFound() from None
        if type(order).__name__ != "WorkOrder":
            raise RecordNotFound()
        status = str(getattr(order, "status", "")).lower()
        return order.estate_id, getattr(order, "requested_by", None), status.endswith("closed")

    # ---- announcements -------------------------------------------------------------

    def _publishable(self, actor: Actor, announcement_id: UUID) -> Announcement:
        """The announcement, if the actor publishes for its estate."""
        announcement = self.get(Announcement, announcement_id)
        actor.check("announcements:publish", owner_id=None, estate_id=announcement.estate_id)
        return announcement

    def draft_announcement(self, cmd: c.DraftAnnouncement) -> tuple[UUID, int]:
        cmd.actor.check("announcements:publish", owner_id=None, estate_id=cmd.estate_id)
        self._check_estate(cmd.estate_id)
        announcement = Announcement.draft(
            id=self.deps.ids(),
            estate_id=cmd.estate_id,
            title=cmd.title,
            body=cmd.body,
            drafted_by=cmd.actor.user_id,
            at=self._now,
        )
        return announcement.id, self._save(announcement)

    def revise_announcement(self, cmd: c.ReviseAnnouncement) -> int:
        """Revise a draft; one returned for changes is revised and resubmitted at once."""
        announcement = self._publishable(cmd.actor, cmd.announcement_id)
        by = cmd.actor.user_id
        announcement.revise(by, cmd.title, cmd.body, self._now)
        if announcement.approval_id is None:
            return self._save(announcement)
        return self.approvals.resubmit(
            announcement.approval_id, by, summary=announcement.title, along_with=[announcement]
        )

    def submit_announcement(self, cmd: c.SubmitAnnouncement) -> Opened:
        """Submit a draft for approval (the ``announcement`` policy)."""
        announcement = self._publishable(cmd.actor, cmd.announcement_id)
        approval_id = self.deps.ids()
        announcement.submit(cmd.actor.user_id, approval_id, self._now)
        position = self.approvals.open(
            ApprovalRequest(
                kind=announcements.APPROVAL_KIND,
                subject_id=announcement.id,
                estate_id=announcement.estate_id,
                requested_by=cmd.actor.user_id,
                summary=announcement.title,
                approval_id=approval_id,
            ),
            along_with=[announcement],
        )
        return Opened(approval_id, position)

    def publish_announcement(self, cmd: c.PublishAnnouncement) -> int:
        announcement = self._publishable(cmd.actor, cmd.announcement_id)
        announcement.publish(cmd.actor.user_id, self._now)
        return self._save(announcement)

    def withdraw_announcement(self, cmd: c.WithdrawAnnouncement) -> int:
        announcement = self._publishable(cmd.actor, cmd.announcement_id)
        announcement.withdraw(cmd.actor.user_id, cmd.reason, self._now)
        return self._save(announcement)

    def _announcement_decided(self, approval: Approval, load: Loader) -> list[Any]:
        announcement = load(approval.subject_id)
        announcement.approval_decided(approval.id, str(approval.status), approval.reason, self._now)
        return [announcement]
