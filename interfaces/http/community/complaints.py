"""Complaints and satisfaction surveys: a complainant files and confirms,
staff handle; a requester answers the survey of what was closed for them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.community import commands as c
from application.community.service import RecordNotFound
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.community.requests import residence_read
from interfaces.http.community.schemas import (
    Assignment,
    ComplaintView,
    Listed,
    NewComplaint,
    Resolution,
    Response_,
    SurveyAnswer,
    SurveyResult,
    SurveyView,
    WithReason,
)
from interfaces.http.consistency import reached
from interfaces.http.schemas import Accepted, Created, accepted
from interfaces.http.security import Principal, container, requires
from projections.community import queries

router = APIRouter(prefix="/api/v1", tags=["community"])


@router.post("/complaints", status_code=status.HTTP_201_CREATED)
def file_complaint(
    body: NewComplaint,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Created:
    """A resident complains about their estate (for a unit they occupy); staff record one."""
    residence_read(request, principal, body.estate_id)
    complaint_id, position = container(request).community.file_complaint(
        c.FileComplaint(actor=principal, **body.model_dump())
    )
    return Created(id=complaint_id, position=position)


@router.get("/complaints")
async def list_complaints(
    request: Request,
    listed: Listed,
    principal: Principal = requires(Permission.SERVICES_READ_OWN),
) -> list[ComplaintView]:
    await reached(request, "community", listed.after)
    rows = await reads.query_off_loop(
        request, queries.complaints, principal.reach("services:read"), **listed.filters
    )
    return [ComplaintView(**r) for r in rows]


@router.get("/complaints/{complaint_id}")
async def get_complaint(
    complaint_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ComplaintView:
    await reached(request, "community", after)
    row = await reads.query_off_loop(
        request, queries.complaint, principal.reach("services:read"), complaint_id
    )
    if row is None:
        raise RecordNotFound()
    return ComplaintView(**row)


def _step(
    request: Request, principal: Principal, complaint_id: UUID, step: Any, **fields: Any
) -> Any:
    cmd = c.TakeComplaintStep(principal, complaint_id, step, fields)
    return accepted(container(request).community.take_complaint_step(cmd))


@router.post("/complaints/{complaint_id}/assign", response_model=Accepted)
def assign_complaint(
    complaint_id: UUID,
    body: Assignment,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    return _step(request, principal, complaint_id, "assign", handler_id=body.handler_id)


@router.post("/complaints/{complaint_id}/respond", response_model=Accepted)
def respond_to_complaint(
    complaint_id: UUID,
    body: Response_,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    return _step(request, principal, complaint_id, "respond", response=body.response)


@router.post("/complaints/{complaint_id}/resolve", response_model=Accepted)
def resolve_complaint(
    complaint_id: UUID,
    body: Resolution,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    return _step(request, principal, complaint_id, "resolve", resolution=body.resolution)


@router.post("/complaints/{complaint_id}/escalate", response_model=Accepted)
def escalate_complaint(
    complaint_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    return _step(request, principal, complaint_id, "escalate", reason=body.reason)


@router.post("/complaints/{complaint_id}/close", response_model=Accepted)
def close_complaint(
    complaint_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    """Staff close a resolved complaint the complainant has not confirmed."""
    return _step(request, principal, complaint_id, "close")


@router.post("/complaints/{complaint_id}/confirm", response_model=Accepted)
def confirm_complaint(
    complaint_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Any:
    """The complainant accepts the resolution: the complaint closes."""
    return _step(request, principal, complaint_id, "confirm")


@router.post("/complaints/{complaint_id}/reopen", response_model=Accepted)
def reopen_complaint(
    complaint_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Any:
    """The complainant is not satisfied: the complaint is handled again."""
    return _step(request, principal, complaint_id, "reopen", reason=body.reason)


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
    rows = await reads.query_off_loop(
        request, queries.surveys_of, principal.user_id, status=status_, limit=limit
    )
    return [SurveyView(**r) for r in rows]


@router.post("/surveys", status_code=status.HTTP_201_CREATED)
def answer_survey(
    body: SurveyAnswer,
    request: Request,
    principal: Principal = requires(Permission.SURVEYS_ANSWER_OWN),
) -> Created:
    """Answer the survey of a closed request, complaint or work order (once)."""
    survey_id, position = container(request).community.answer_survey(
        c.AnswerSurvey(actor=principal, **body.model_dump())
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
    rows = await reads.query_off_loop(
        request, queries.survey_results, principal.reach("surveys:read"), estate_id
    )
    return [SurveyResult(**r) for r in rows]
