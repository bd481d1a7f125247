"""Service requests: residents ask for a unit they occupy, staff handle them
through the approval workflow. The handlers (``application/community``)
decide who may take each step."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from application.community import commands as c
from application.community.service import CommunityService
from domain.community.service_request import RequestStatus
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.community.common import filed, handlers, listing, record
from interfaces.http.community.schemas import (
    Completion,
    Description,
    NewServiceRequest,
    Schedule,
    ServiceRequestView,
    WithReason,
)
from interfaces.http.routes import Commands
from interfaces.http.schemas import NumberedCreated
from interfaces.http.security import Principal, requires
from projections.community import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["community"])
READ = Permission.SERVICES_READ_OWN


@router.post("/service-requests", status_code=status.HTTP_201_CREATED)
def submit_service_request(
    body: NewServiceRequest,
    request: Request,
    principal: Principal = requires(Permission.SERVICES_REQUEST_OWN),
) -> NumberedCreated:
    """A resident asks for a service for a unit they occupy; staff for their estate."""
    return filed(request, principal, body, c.SubmitServiceRequest, CommunityService.submit_request)


listing(
    router,
    "/service-requests",
    ServiceRequestView,
    queries.service_requests,
    READ,
    key="request_id",
    name="list_service_requests",
    statuses=RequestStatus,
    with_number=True,
    doc="Requests of the caller's estates (staff) or their own (residents), newest first.",
)
record(
    router,
    "/service-requests/{request_id}",
    ServiceRequestView,
    queries.service_request,
    READ,
    name="get_service_request",
    doc="One service request with its approval's state.",
)
handle = Commands(router, handlers, Permission.SERVICES_HANDLE_ESTATE)
handle(
    "POST",
    "/service-requests/{request_id}/accept",
    CommunityService.accept_request,
    name="accept_service_request",
    doc="Staff accept the request; its approval opens (and may be pre-screened) at once: "
    "the answer names it by ID and number.",
    opens_approval=True,
)
handle(
    "POST",
    "/service-requests/{request_id}/decline",
    CommunityService.decline_request,
    body=WithReason,
    name="decline_service_request",
    doc="Staff decline the request, with the reason.",
)
handle(
    "POST",
    "/service-requests/{request_id}/schedule",
    CommunityService.schedule_request,
    body=Schedule,
    name="schedule_service_request",
    doc="Book the approved service for a time, and who does it.",
)
handle(
    "POST",
    "/service-requests/{request_id}/done",
    CommunityService.complete_request,
    body=Completion | None,
    name="complete_service_request",
    doc="The service is done (a note optional).",
)
handle(
    "POST",
    "/service-requests/{request_id}/close",
    CommunityService.close_request,
    name="close_service_request",
    doc="Close a done request; its requester is offered a satisfaction survey.",
)
handle(
    "POST",
    "/service-requests/{request_id}/resubmit",
    CommunityService.resubmit_request,
    body=Description,
    name="resubmit_service_request",
    permission=Permission.SERVICES_REQUEST_OWN,
    doc="The requester revises a request returned for changes; approval starts again.",
)
handle(
    "POST",
    "/service-requests/{request_id}/cancel",
    CommunityService.cancel_request,
    body=WithReason,
    name="cancel_service_request",
    permission=Permission.SERVICES_REQUEST_OWN,
    doc="The requester (or staff) cancels; an open approval is withdrawn with it.",
)
