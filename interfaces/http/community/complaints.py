"""Complaints and satisfaction surveys: a complainant files and confirms,
staff handle; a requester answers the survey of what was closed for them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from application.community import commands as c
from application.community.commands import ComplaintStepName
from application.community.service import CommunityService
from domain.community.complaint import ComplaintStatus
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.asof import AsOfRoute
from interfaces.http.community.common import filed, handlers, listing, record
from interfaces.http.community.schemas import (
    Assignment,
    ComplaintView,
    NewComplaint,
    Resolution,
    Response_,
    SurveyAnswer,
    SurveyResult,
    SurveyView,
    WithReason,
)
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.routes import add
from interfaces.http.schemas import (
    Accepted,
    Created,
    Cursor,
    NumberedCreated,
    Page,
    accepted,
    paged,
)
from interfaces.http.security import Principal, requires
from projections.community import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["community"])
READ, HANDLE = Permission.SERVICES_READ_OWN, Permission.SERVICES_HANDLE_ESTATE
OWN = Permission.SERVICES_REQUEST_OWN


@router.post("/complaints", status_code=status.HTTP_201_CREATED)
def file_complaint(
    body: NewComplaint,
    request: Request,
    principal: Principal = requires(OWN),
) -> NumberedCreated:
    """A resident complains about their estate (for a unit they occupy); staff record one."""
    return filed(request, principal, body, c.FileComplaint, CommunityService.file_complaint)


listing(
    router,
    "/complaints",
    ComplaintView,
    queries.complaints,
    READ,
    key="complaint_id",
    name="list_complaints",
    statuses=ComplaintStatus,
    doc="Complaints of the caller's estates (staff) or their own, newest first.",
    with_number=True,
)
record(
    router,
    "/complaints/{complaint_id}",
    ComplaintView,
    queries.complaint,
    READ,
    name="get_complaint",
    doc="One complaint with its handling so far.",
)


def _step(
    step: ComplaintStepName,
    permission: Permission,
    body: type[BaseModel] | None = None,
    *,
    name: str | None = None,
    doc: str | None = None,
) -> None:
    """``POST /complaints/{complaint_id}/<step>``: one step of the complaint's
    handling, its inputs the body's fields."""

    def endpoint(
        request: Request,
        principal: Principal = requires(permission),
        *,
        body: BaseModel | None = None,
        **ids: UUID,
    ) -> Response:
        fields = body.model_dump() if body is not None else {}
        cmd = c.TakeComplaintStep(principal, ids["complaint_id"], step, fields)
        return accepted(handlers(request).take_complaint_step(cmd))

    path = f"/complaints/{{complaint_id}}/{step}"
    name = name or f"{step}_complaint"
    add(router, "POST", path, endpoint, name=name, doc=doc, body=body, response_model=Accepted)


_step("assign", HANDLE, Assignment, doc="Hand the complaint to a member of staff.")
_step(
    "respond",
    HANDLE,
    Response_,
    name="respond_to_complaint",
    doc="Answer the complainant (they see the response).",
)
_step("resolve", HANDLE, Resolution, doc="Record how the complaint was resolved.")
_step("escalate", HANDLE, WithReason, doc="Escalate the complaint to the manager.")
_step("close", HANDLE, doc="Staff close a resolved complaint the complainant has not confirmed.")
_step("confirm", OWN, doc="The complainant accepts the resolution: the complaint closes.")
_step(
    "reopen",
    OWN,
    WithReason,
    doc="The complainant is not satisfied: the complaint is handled again.",
)


# ---- surveys --------------------------------------------------------------------


@router.get("/surveys")
async def list_surveys(
    request: Request,
    principal: Principal = requires(Permission.SURVEYS_ANSWER_OWN),
    status_: Annotated[str | None, Query(alias="status", pattern="^(pending|answered)$")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[SurveyView]:
    """The caller's own surveys, newest offered first: those waiting for an
    answer, and those answered."""
    await reached(request, "community", after)
    key = tuple(decode_cursor(cursor, datetime, UUID)) if cursor else None
    rows = await reads.query_off_loop(
        request,
        queries.surveys_of,
        principal.user_id,
        status=status_,
        before_key=key,
        limit=limit + 1,
    )
    return paged(
        rows, limit, SurveyView.model_validate, lambda r: (r["offered_at"], r["survey_id"])
    )


@router.post("/surveys", status_code=status.HTTP_201_CREATED)
def answer_survey(
    body: SurveyAnswer,
    request: Request,
    principal: Principal = requires(Permission.SURVEYS_ANSWER_OWN),
) -> Created:
    """Answer the survey of a closed request, complaint or work order (once)."""
    survey_id, position = handlers(request).answer_survey(
        c.AnswerSurvey(actor=principal, **body.model_dump())
    )
    return Created(id=survey_id, position=position)


@router.get("/survey-results", summary="Survey results per estate and subject kind")
async def survey_results(
    request: Request,
    principal: Principal = requires(Permission.SURVEYS_READ_ESTATE),
    estate_id: UUID | None = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[SurveyResult]:
    """Per estate and subject kind: surveys offered, answered, and the mean
    overall score. A row an estate and kind, so one page (no cursor)."""
    await reached(request, "community", after)
    rows = await reads.query_off_loop(
        request, queries.survey_results, principal.reach("surveys:read"), estate_id
    )
    return Page(items=[SurveyResult.model_validate(r) for r in rows], next_cursor=None)
