"""HTTP routes of the community context: service requests, complaints, surveys,
announcements and the announcement board.

Residents act for the units they occupy (the registry's ``units_of_user``) and
see only their own requests, complaints and surveys, and the board of their
estates; staff act on the estates they serve.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from application.approvals.service import ApprovalNotFound
from application.community.service import RecordNotFound
from domain.approvals.rules import Urgency
from domain.community.announcement import Announcement
from domain.community.complaint import Complaint
from domain.community.service_request import Category, ServiceRequest
from domain.community.survey import SubjectKind
from domain.errors import NotEntitled
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.consistency import reached, serving
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Command, Created, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from projections.reach import clause as reach_clause

router = APIRouter(prefix="/api/v1", tags=["community"])

Text = Annotated[str, MultiLine(4000)]
Reason = Annotated[str, MultiLine(500)]
NOT_FOUND = "no such record, or not yours to see"


class NewServiceRequest(Command):
    estate_id: UUID
    unit_id: UUID | None = None
    category: Category
    description: Annotated[str, MultiLine(2000)]
    urgency: Urgency = Urgency.NORMAL


class Description(Command):
    description: Annotated[str, MultiLine(2000)]


class WithReason(Command):
    reason: Reason


class Schedule(Command):
    scheduled_for: datetime
    assignee_id: UUID | None = None


class Completion(Command):
    note: Annotated[str, MultiLine(2000, min_length=0)] | None = None


class NewComplaint(Command):
    estate_id: UUID
    unit_id: UUID | None = None
    subject: Annotated[str, SingleLine(200)]
    description: Text


class Assignment(Command):
    handler_id: UUID


class Response_(Command):
    response: Text


class Resolution(Command):
    resolution: Text


class SurveyAnswer(Command):
    subject_kind: SubjectKind
    subject_id: UUID
    scores: Annotated[
        dict[Annotated[str, SingleLine(50)], Annotated[int, Field(ge=1, le=5)]],
        Field(min_length=1, max_length=4),
    ]
    comment: Annotated[str, MultiLine(2000, min_length=0)] | None = None


class NewAnnouncement(Command):
    estate_id: UUID
    title: Annotated[str, SingleLine(200)]
    body: Annotated[str, MultiLine(10000)]


class AnnouncementText(Command):
    title: Annotated[str, SingleLine(200)]
    body: Annotated[str, MultiLine(10000)]


class ServiceRequestView(BaseModel):
    request_id: UUID
    estate_id: UUID
    unit_id: UUID | None
    category: str
    description: str
    urgency: str
    status: str
    requested_by: UUID
    approval_id: UUID | None
    assignee_id: UUID | None
    scheduled_for: datetime | None
    note: str | None
    submitted_at: datetime
    updated_at: datetime
    position: int


class ComplaintView(BaseModel):
    complaint_id: UUID
    estate_id: UUID
    unit_id: UUID | None
    subject: str
    description: str
    complainant_id: UUID
    status: str
    handler_id: UUID | None
    escalation_level: int
    response: str | None
    resolution: str | None
    note: str | None
    received_at: datetime
    updated_at: datetime
    position: int


class SurveyView(BaseModel):
    survey_id: UUID
    subject_kind: str
    subject_id: UUID
    estate_id: UUID
    respondent_id: UUID
    status: str
    offered_at: datetime
    answered_at: datetime | None
    overall: int | None
    scores: dict[str, int] | None
    comment: str | None
    position: int


class SurveyResult(BaseModel):
    estate_id: UUID
    subject_kind: str
    offered: int
    answered: int
    mean_overall: Decimal | None


class AnnouncementView(BaseModel):
    announcement_id: UUID
    estate_id: UUID
    title: str
    body: str
    status: str
    drafted_by: UUID
    approval_id: UUID | None
    published_at: datetime | None
    updated_at: datetime
    position: int


@contextmanager
def refusals() -> Iterator[None]:
    """Missing records are 404; a step the caller may not take is 403."""
    try:
        yield
    except (RecordNotFound, ApprovalNotFound):
        raise Problem(404, NOT_FOUND) from None
    except NotEntitled as exc:
        raise Problem(403, exc.detail, title=exc.title) from None


def _record(request: Request, kind: type[Any], record_id: UUID) -> Any:
    with refusals():
        return container(request).community.get(kind, record_id)


# ---- service requests -----------------------------------------------------------


@router.post("/service-requests", status_code=status.HTTP_201_CREATED)
def submit_service_request(
    body: NewServiceRequest,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Created:
    """A resident asks for a service for a unit they occupy; staff for their estate."""
    community = container(request).community
    with refusals():
        if principal.may("services:request", owner_id=None, estate_id=body.estate_id):
            community.check_estate(body.estate_id, body.unit_id)
        else:
            serving(request, "registry")  # where the caller lives
            community.check_residence(principal.user_id, body.estate_id, body.unit_id)
        request_id, position = community.submit_request(
            **body.model_dump(), requested_by=principal.user_id
        )
    return Created(id=request_id, position=position)


@router.get("/service-requests")
async def list_service_requests(
    request: Request,
    principal: Principal = requires(Permission.SERVICES_READ_OWN),
    status_: Annotated[str | None, Query(alias="status", max_length=30)] = None,
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[ServiceRequestView]:
    """Requests of the caller's estates (staff) or their own (residents), newest first."""
    await reached(request, "community", after)
    where, params = reach_clause(principal.reach("services:read"), "estate_id", ("requested_by",))
    sql = f"SELECT * FROM community_service_requests WHERE {where}"
    for column, value in (("status", status_), ("estate_id", estate_id)):
        if value is not None:
            sql += f" AND {column} = %s"
            params.append(value)
    rows = reads.dict_rows(request, sql + " ORDER BY submitted_at DESC LIMIT %s", [*params, limit])
    return [ServiceRequestView(**r) for r in rows]


@router.get("/service-requests/{request_id}")
async def get_service_request(
    request_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ServiceRequestView:
    await reached(request, "community", after)
    rows = reads.dict_rows(
        request, "SELECT * FROM community_service_requests WHERE request_id = %s", [request_id]
    )
    if not rows:
        raise Problem(404, NOT_FOUND)
    view = ServiceRequestView(**rows[0])
    principal.check("services:read", owner_id=view.requested_by, estate_id=view.estate_id)
    return view


def _handled_request(request: Request, principal: Principal, request_id: UUID) -> None:
    record = _record(request, ServiceRequest, request_id)
    principal.check("services:handle", owner_id=None, estate_id=record.estate_id)


def _own_request(request: Request, principal: Principal, request_id: UUID) -> None:
    record = _record(request, ServiceRequest, request_id)
    principal.check("services:request", owner_id=record.requested_by, estate_id=record.estate_id)


@router.post("/service-requests/{request_id}/accept", response_model=Accepted)
def accept_service_request(
    request_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    """Staff accept the request; its approval opens (and may be pre-screened) at once."""
    _handled_request(request, principal, request_id)
    with refusals():
        position = container(request).community.accept_request(request_id, principal.user_id)
    return accepted(position)


@router.post("/service-requests/{request_id}/decline", response_model=Accepted)
def decline_service_request(
    request_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    _handled_request(request, principal, request_id)
    position = container(request).community.decline_request(
        request_id, principal.user_id, body.reason
    )
    return accepted(position)


@router.post("/service-requests/{request_id}/schedule", response_model=Accepted)
def schedule_service_request(
    request_id: UUID,
    body: Schedule,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    _handled_request(request, principal, request_id)
    position = container(request).community.schedule_request(
        request_id, principal.user_id, body.scheduled_for, body.assignee_id
    )
    return accepted(position)


@router.post("/service-requests/{request_id}/done", response_model=Accepted)
def complete_service_request(
    request_id: UUID,
    request: Request,
    body: Completion | None = None,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    _handled_request(request, principal, request_id)
    position = container(request).community.complete_request(
        request_id, principal.user_id, body.note if body else None
    )
    return accepted(position)


@router.post("/service-requests/{request_id}/close", response_model=Accepted)
def close_service_request(
    request_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    """Close a done request; its requester is offered a satisfaction survey."""
    _handled_request(request, principal, request_id)
    position = container(request).community.close_request(request_id, principal.user_id)
    return accepted(position)


@router.post("/service-requests/{request_id}/resubmit", response_model=Accepted)
def resubmit_service_request(
    request_id: UUID,
    body: Description,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Any:
    """The requester revises a request returned for changes; approval starts again."""
    _own_request(request, principal, request_id)
    with refusals():
        position = container(request).community.resubmit_request(
            request_id, principal.user_id, body.description
        )
    return accepted(position)


@router.post("/service-requests/{request_id}/cancel", response_model=Accepted)
def cancel_service_request(
    request_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Any:
    """The requester (or staff) cancels; an open approval is withdrawn with it."""
    _own_request(request, principal, request_id)
    with refusals():
        position = container(request).community.cancel_request(
            request_id, principal.user_id, body.reason
        )
    return accepted(position)


# ---- complaints -----------------------------------------------------------------


@router.post("/complaints", status_code=status.HTTP_201_CREATED)
def file_complaint(
    body: NewComplaint,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Created:
    """A resident complains about their estate (for a unit they occupy); staff record one."""
    community = container(request).community
    with refusals():
        if principal.may("services:request", owner_id=None, estate_id=body.estate_id):
            community.check_estate(body.estate_id, body.unit_id)
        else:
            serving(request, "registry")  # where the caller lives
            community.check_residence(principal.user_id, body.estate_id, body.unit_id)
        complaint_id, position = community.file_complaint(
            **body.model_dump(), complainant_id=principal.user_id
        )
    return Created(id=complaint_id, position=position)


@router.get("/complaints")
async def list_complaints(
    request: Request,
    principal: Principal = requires(Permission.SERVICES_READ_OWN),
    status_: Annotated[str | None, Query(alias="status", max_length=30)] = None,
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[ComplaintView]:
    await reached(request, "community", after)
    where, params = reach_clause(principal.reach("services:read"), "estate_id", ("complainant_id",))
    sql = f"SELECT * FROM community_complaints WHERE {where}"
    for column, value in (("status", status_), ("estate_id", estate_id)):
        if value is not None:
            sql += f" AND {column} = %s"
            params.append(value)
    rows = reads.dict_rows(request, sql + " ORDER BY received_at DESC LIMIT %s", [*params, limit])
    return [ComplaintView(**r) for r in rows]


@router.get("/complaints/{complaint_id}")
async def get_complaint(
    complaint_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ComplaintView:
    await reached(request, "community", after)
    rows = reads.dict_rows(
        request, "SELECT * FROM community_complaints WHERE complaint_id = %s", [complaint_id]
    )
    if not rows:
        raise Problem(404, NOT_FOUND)
    view = ComplaintView(**rows[0])
    principal.check("services:read", owner_id=view.complainant_id, estate_id=view.estate_id)
    return view


def _complaint_step(
    request: Request, principal: Principal, complaint_id: UUID, step: str, **fields: Any
) -> Any:
    record = _record(request, Complaint, complaint_id)
    if step in ("confirm", "reopen"):
        principal.check("services:request", owner_id=record.complainant_id, estate_id=None)
    else:
        principal.check("services:handle", owner_id=None, estate_id=record.estate_id)
    with refusals():
        position = container(request).community.handle_complaint(
            complaint_id, principal.user_id, step, **fields
        )
    return accepted(position)


@router.post("/complaints/{complaint_id}/assign", response_model=Accepted)
def assign_complaint(
    complaint_id: UUID,
    body: Assignment,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    return _complaint_step(request, principal, complaint_id, "assign", handler_id=body.handler_id)


@router.post("/complaints/{complaint_id}/respond", response_model=Accepted)
def respond_to_complaint(
    complaint_id: UUID,
    body: Response_,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    return _complaint_step(request, principal, complaint_id, "respond", response=body.response)


@router.post("/complaints/{complaint_id}/resolve", response_model=Accepted)
def resolve_complaint(
    complaint_id: UUID,
    body: Resolution,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    return _complaint_step(request, principal, complaint_id, "resolve", resolution=body.resolution)


@router.post("/complaints/{complaint_id}/escalate", response_model=Accepted)
def escalate_complaint(
    complaint_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    return _complaint_step(request, principal, complaint_id, "escalate", reason=body.reason)


@router.post("/complaints/{complaint_id}/close", response_model=Accepted)
def close_complaint(
    complaint_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    """Staff close a resolved complaint the complainant has not confirmed."""
    return _complaint_step(request, principal, complaint_id, "close")


@router.post("/complaints/{complaint_id}/confirm", response_model=Accepted)
def confirm_complaint(
    complaint_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Any:
    """The complainant accepts the resolution: the complaint closes."""
    return _complaint_step(request, principal, complaint_id, "confirm")


@router.post("/complaints/{complaint_id}/reopen", response_model=Accepted)
def reopen_complaint(
    complaint_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Any:
    """The complainant is not satisfied: the complaint is handled again."""
    return _complaint_step(request, principal, complaint_id, "reopen", reason=body.reason)


# ---- surveys --------------------------------------------------------------------


@router.get("/surveys")
async def list_surveys(
    request: Request,
    principal: Principal = requires(Permission.SURVEYS_ANSWER_OWN),
    status_: Annotated[str | None, Query(alias="status", pattern="^(pending|answered)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[SurveyView]:
    """The caller's own surveys: those waiting for an answer, and those answered."""
    await reached(request, "community", after)
    sql = "SELECT * FROM community_surveys WHERE respondent_id = %s"
    params: list[Any] = [principal.user_id]
    if status_:
        sql += " AND status = %s"
        params.append(status_)
    rows = reads.dict_rows(request, sql + " ORDER BY offered_at DESC LIMIT %s", [*params, limit])
    return [SurveyView(**r) for r in rows]


@router.post("/surveys", status_code=status.HTTP_201_CREATED)
def answer_survey(
    body: SurveyAnswer,
    request: Request,
    principal: Principal = requires(Permission.SURVEYS_ANSWER_OWN),
) -> Created:
    """Answer the survey of a closed request, complaint or work order (once)."""
    with refusals():
        survey_id, position = container(request).community.answer_survey(
            subject_kind=body.subject_kind,
            subject_id=body.subject_id,
            by=principal.user_id,
            scores=body.scores,
            comment=body.comment,
        )
    return Created(id=survey_id, position=position)


@router.get("/survey-results")
async def survey_results(
    request: Request,
    principal: Principal = requires(Permission.SURVEYS_READ_ESTATE),
    estate_id: UUID | None = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[SurveyResult]:
    """Per estate and subject kind: surveys offered, answered, and the mean overall score."""
    await reached(request, "community", after)
    where, params = reach_clause(principal.reach("surveys:read"), "estate_id")
    sql = (
        "SELECT estate_id, subject_kind, count(*) AS offered, "
        "count(*) FILTER (WHERE status = 'answered') AS answered, "
        "round(avg(overall), 2) AS mean_overall "
        f"FROM community_surveys WHERE {where}"
    )
    if estate_id is not None:
        sql += " AND estate_id = %s"
        params.append(estate_id)
    rows = reads.dict_rows(request, sql + " GROUP BY estate_id, subject_kind ORDER BY 1, 2", params)
    return [SurveyResult(**r) for r in rows]


# ---- announcements ----------------------------------------------------------------


def _publishable(request: Request, principal: Principal, announcement_id: UUID) -> None:
    record = _record(request, Announcement, announcement_id)
    principal.check("announcements:publish", owner_id=None, estate_id=record.estate_id)


@router.post("/announcements", status_code=status.HTTP_201_CREATED)
def draft_announcement(
    body: NewAnnouncement,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Created:
    principal.check("announcements:publish", owner_id=None, estate_id=body.estate_id)
    community = container(request).community
    with refusals():
        community.check_estate(body.estate_id)
        announcement_id, position = community.draft_announcement(
            estate_id=body.estate_id, title=body.title, body=body.body, by=principal.user_id
        )
    return Created(id=announcement_id, position=position)


@router.get("/announcements")
async def list_announcements(
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
    status_: Annotated[str | None, Query(alias="status", max_length=30)] = None,
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[AnnouncementView]:
    """Every announcement of the caller's estates, drafts included (for their authors)."""
    await reached(request, "community", after)
    where, params = reach_clause(principal.reach("announcements:publish"), "estate_id")
    sql = f"SELECT * FROM community_announcements WHERE {where}"
    for column, value in (("status", status_), ("estate_id", estate_id)):
        if value is not None:
            sql += f" AND {column} = %s"
            params.append(value)
    rows = reads.dict_rows(request, sql + " ORDER BY updated_at DESC LIMIT %s", [*params, limit])
    return [AnnouncementView(**r) for r in rows]


@router.get("/announcement-board")
async def announcement_board(
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_READ_OWN),
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[AnnouncementView]:
    """Published announcements of the estates the caller lives in or serves, newest first."""
    await reached(request, "community", after)
    reach = principal.reach("announcements:read")
    sql = "SELECT * FROM community_announcements WHERE status = 'published'"
    params: list[Any] = []
    if not reach.everything:
        estates = set(reach.estates)
        if reach.own:
            await reached(request, "registry", None)  # where the caller lives
            estates |= container(request).community.estates_of_resident(principal.user_id)
        sql += " AND estate_id = ANY(%s)"
        params.append(list(estates))
    if estate_id is not None:
        sql += " AND estate_id = %s"
        params.append(estate_id)
    rows = reads.dict_rows(request, sql + " ORDER BY published_at DESC LIMIT %s", [*params, limit])
    return [AnnouncementView(**r) for r in rows]


@router.post("/announcements/{announcement_id}/revise", response_model=Accepted)
def revise_announcement(
    announcement_id: UUID,
    body: AnnouncementText,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Any:
    """Change a draft; one returned for changes is resubmitted for approval with it."""
    _publishable(request, principal, announcement_id)
    with refusals():
        position = container(request).community.revise_announcement(
            announcement_id, principal.user_id, body.title, body.body
        )
    return accepted(position)


@router.post("/announcements/{announcement_id}/submit", response_model=Accepted)
def submit_announcement(
    announcement_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Any:
    """Submit a draft for approval (the ``announcement`` policy)."""
    _publishable(request, principal, announcement_id)
    with refusals():
        position = container(request).community.submit_announcement(
            announcement_id, principal.user_id
        )
    return accepted(position)


@router.post("/announcements/{announcement_id}/publish", response_model=Accepted)
def publish_announcement(
    announcement_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Any:
    _publishable(request, principal, announcement_id)
    position = container(request).community.publish_announcement(announcement_id, principal.user_id)
    return accepted(position)


@router.post("/announcements/{announcement_id}/withdraw", response_model=Accepted)
def withdraw_announcement(
    announcement_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.ANNOUNCEMENTS_PUBLISH_ESTATE),
) -> Any:
    _publishable(request, principal, announcement_id)
    position = container(request).community.withdraw_announcement(
        announcement_id, principal.user_id, body.reason
    )
    return accepted(position)
