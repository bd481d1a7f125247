"""Service requests: residents ask for a unit they occupy, staff handle them
through the approval workflow. The handlers (``application/community``)
decide who may take each step."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.community import commands as c
from application.community.service import RecordNotFound
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.community.schemas import (
    Completion,
    Description,
    Listed,
    NewServiceRequest,
    Schedule,
    ServiceRequestView,
    WithReason,
)
from interfaces.http.consistency import reached, serving
from interfaces.http.schemas import Accepted, Created, accepted
from interfaces.http.security import Principal, container, requires
from projections.community import queries

router = APIRouter(prefix="/api/v1", tags=["community"])


def residence_read(request: Request, principal: Principal, estate_id: UUID) -> None:
    """A resident's residence is read from the registry's read model: a stopped
    one may still show a unit they left, so the command answers 503. Staff
    acting for their estate do not read it. (The handler decides who may act.)"""
    if not principal.may("services:request", owner_id=None, estate_id=estate_id):
        serving(request, "registry")


@router.post("/service-requests", status_code=status.HTTP_201_CREATED)
def submit_service_request(
    body: NewServiceRequest,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Created:
    """A resident asks for a service for a unit they occupy; staff for their estate."""
    residence_read(request, principal, body.estate_id)
    request_id, position = container(request).community.submit_request(
        c.SubmitServiceRequest(actor=principal, **body.model_dump())
    )
    return Created(id=request_id, position=position)


@router.get("/service-requests")
async def list_service_requests(
    request: Request,
    listed: Listed,
    principal: Principal = requires(Permission.SERVICES_READ_OWN),
) -> list[ServiceRequestView]:
    """Requests of the caller's estates (staff) or their own (residents), newest first."""
    await reached(request, "community", listed.after)
    rows = await reads.query_off_loop(
        request, queries.service_requests, principal.reach("services:read"), **listed.filters
    )
    return [ServiceRequestView(**r) for r in rows]


@router.get("/service-requests/{request_id}")
async def get_service_request(
    request_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ServiceRequestView:
    await reached(request, "community", after)
    row = await reads.query_off_loop(
        request, queries.service_request, principal.reach("services:read"), request_id
    )
    if row is None:
        raise RecordNotFound()
    return ServiceRequestView(**row)


@router.post("/service-requests/{request_id}/accept", response_model=Accepted)
def accept_service_request(
    request_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    """Staff accept the request; its approval opens (and may be pre-screened) at once."""
    cmd = c.AcceptServiceRequest(actor=principal, request_id=request_id)
    return accepted(container(request).community.accept_request(cmd))


@router.post("/service-requests/{request_id}/decline", response_model=Accepted)
def decline_service_request(
    request_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    cmd = c.DeclineServiceRequest(actor=principal, request_id=request_id, reason=body.reason)
    return accepted(container(request).community.decline_request(cmd))


@router.post("/service-requests/{request_id}/schedule", response_model=Accepted)
def schedule_service_request(
    request_id: UUID,
    body: Schedule,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    cmd = c.ScheduleServiceRequest(
        actor=principal,
        request_id=request_id,
        scheduled_for=body.scheduled_for,
        assignee_id=body.assignee_id,
    )
    return accepted(container(request).community.schedule_request(cmd))


@router.post("/service-requests/{request_id}/done", response_model=Accepted)
def complete_service_request(
    request_id: UUID,
    request: Request,
    body: Completion | None = None,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    note = body.note if body else None
    cmd = c.CompleteServiceRequest(actor=principal, request_id=request_id, note=note)
    return accepted(container(request).community.complete_request(cmd))


@router.post("/service-requests/{request_id}/close", response_model=Accepted)
def close_service_request(
    request_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_HANDLE_ESTATE),
) -> Any:
    """Close a done request; its requester is offered a satisfaction survey."""
    cmd = c.CloseServiceRequest(actor=principal, request_id=request_id)
    return accepted(container(request).community.close_request(cmd))


@router.post("/service-requests/{request_id}/resubmit", response_model=Accepted)
def resubmit_service_request(
    request_id: UUID,
    body: Description,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Any:
    """The requester revises a request returned for changes; approval starts again."""
    cmd = c.ResubmitServiceRequest(
        actor=principal, request_id=request_id, description=body.description
    )
    return accepted(container(request).community.resubmit_request(cmd))


@router.post("/service-requests/{request_id}/cancel", response_model=Accepted)
def cancel_service_request(
    request_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> Any:
    """The requester (or staff) cancels; an open approval is withdrawn with it."""
    cmd = c.CancelServiceRequest(actor=principal, request_id=request_id, reason=body.reason)
    return accepted(container(request).community.cancel_request(cmd))
