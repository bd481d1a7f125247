"""HTTP routes of work orders: submit, read, the SLA dashboard, every transition.

Who may do what (R7.4) is decided by the handlers
(``application/workorders/service.py``): residents submit orders for units
they occupy and read, rate, cancel (before assignment) and reopen their own;
technicians work the orders assigned to them; estate staff manage their
estates' orders; an administrator everything. A record the caller may not
see answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.workorders import commands as c
from application.workorders.service import WorkOrderService
from domain.identity.policy import Permission
from domain.workorders.order import Priority, Source, Status
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import after_own_writes, reached, serving
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.routes import Commands
from interfaces.http.schemas import Cursor, NumberedCreated, NumberQuery, Page, paged
from interfaces.http.security import Principal, container, requires
from interfaces.http.workorders.schemas import (
    Assignment,
    Completion,
    Dashboard,
    HistoryEntry,
    NewOrder,
    OrderOnBehalf,
    OrderView,
    Rating,
    Triage,
    WithReason,
)
from projections.workorders import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["workorders"])

PROJECTION = "workorders"


def _service(request: Request) -> WorkOrderService:
    return container(request).workorders


# ---- orders: submit and read ----------------------------------------------


@router.post("/workorders", status_code=status.HTTP_201_CREATED)
def submit_order(
    body: NewOrder,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_SUBMIT_OWN),
) -> NumberedCreated:
    """Staff submit for an estate they serve; residents for a unit they occupy."""
    # Where a resident lives is read from the registry's read model: a stopped
    # one answers 503. Staff acting for an estate they serve do not read it.
    # (The handler decides who may act.)
    staff = body.estate_id is not None and principal.may(
        "workorders:submit", owner_id=None, estate_id=body.estate_id
    )
    if not staff:
        serving(request, "registry")
    command = c.SubmitOrder(
        actor=principal,
        title=body.title,
        description=body.description,
        estate_id=body.estate_id,
        unit_id=body.unit_id,
        equipment_id=body.equipment_id,
    )
    order_id, position, number = after_own_writes(
        request, lambda: _service(request).submit(command), "registry"
    )
    return NumberedCreated(id=order_id, position=position, number=number)


@router.post("/workorders/on-behalf", status_code=status.HTTP_201_CREATED)
def log_on_behalf(
    body: OrderOnBehalf,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_SUBMIT_FOR_ESTATE),
) -> NumberedCreated:
    """Log a repair for a resident who phoned or came by: the order is the
    resident's (they see, follow and rate it); it records the channel and the
    clerk. Only for a resident of a unit of an estate the caller serves."""
    serving(request, "registry")  # where the resident lives
    command = c.LogOnBehalf(
        actor=principal,
        resident_id=body.resident_id,
        unit_id=body.unit_id,
        channel=body.channel.value,
        title=body.title,
        description=body.description,
        equipment_id=body.equipment_id,
    )
    # A resident the clerk has just moved in is waited for, not refused.
    order_id, position, number = after_own_writes(
        request, lambda: _service(request).log_on_behalf(command), "registry"
    )
    return NumberedCreated(id=order_id, position=position, number=number)


@router.get("/workorders")
async def list_orders(
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_READ_OWN),
    status_: Annotated[Status | None, Query(alias="status")] = None,
    priority: Priority | None = None,
    estate_id: UUID | None = None,
    assignee_id: UUID | None = None,
    unit_id: UUID | None = None,
    equipment_id: UUID | None = None,
    source: Source | None = None,
    open_: Annotated[bool | None, Query(alias="open")] = None,
    mine: bool = False,
    number: NumberQuery = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[OrderView]:
    """Orders the caller may see, newest first (submitted at, then ID)."""
    await reached(request, PROJECTION, after)
    filters = {
        "status": status_.value if status_ else None,
        "priority": priority.value if priority else None,
        "estate_id": estate_id,
        "assignee_id": assignee_id,
        "unit_id": unit_id,
        "equipment_id": equipment_id,
        "source": source.value if source else None,
        "open": open_,
        "mine": principal.user_id if mine else None,
        "number": number,
    }
    reach = principal.reach("workorders:read")
    before, before_order = decode_cursor(cursor, datetime, UUID) if cursor else (None, None)
    rows = await query_off_loop(
        request, queries.orders, reach, filters, limit + 1, before, before_order
    )
    return paged(
        rows, limit, OrderView.model_validate, lambda r: (r["submitted_at"], r["order_id"])
    )


@router.get("/workorders/dashboard")
async def dashboard(
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_READ_ESTATE),
    estate_id: UUID | None = None,
    since: datetime | None = Query(None, description="period start (submitted at)"),
    until: datetime | None = Query(None, description="period end, exclusive"),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Dashboard:
    """Open orders by status and priority, SLA compliance, mean time to respond and resolve.

    Figures cover the orders the caller may see: an estate's staff their
    estates, a technician the orders assigned to them.
    """
    await reached(request, PROJECTION, after)
    reach = principal.reach("workorders:read")
    figures = await query_off_loop(request, queries.dashboard, reach, estate_id, since, until)
    return Dashboard.model_validate(figures)  # its SLA figures become SlaFigures


@router.get("/workorders/{order_id}")
async def get_order(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> OrderView:
    """One work order as the caller may see it."""
    await reached(request, PROJECTION, after)
    return OrderView.model_validate(
        await query_off_loop(request, queries.visible_order, principal, order_id)
    )


@router.get("/workorders/{order_id}/history")
async def order_history(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_READ_OWN),
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[HistoryEntry]:
    """Every event of the order, oldest first, with who did it."""
    await reached(request, PROJECTION, after)
    await query_off_loop(request, queries.visible_order, principal, order_id)  # 404 if not
    version = decode_cursor(cursor, int)[0] if cursor else 0
    entries = await query_off_loop(request, queries.history, order_id, version, limit + 1)
    return paged(entries, limit, HistoryEntry.model_validate, lambda e: (e["version"],))


# ---- orders: staff commands --------------------------------------------------


manage = Commands(router, _service, Permission.WORKORDERS_MANAGE_ESTATE)
work = Commands(router, _service, Permission.WORKORDERS_WORK_OWN)
submitter = Commands(router, _service, Permission.WORKORDERS_SUBMIT_OWN)
ORDER = "/workorders/{order_id}"

manage(
    "POST",
    f"{ORDER}/triage",
    WorkOrderService.triage,
    body=Triage,
    name="triage_order",
    doc="Set category and priority; the SLA deadlines follow from the priority.",
)
manage(
    "POST",
    f"{ORDER}/assign",
    WorkOrderService.assign,
    body=Assignment,
    name="assign_order",
    doc="Assign, or reassign to another technician (recorded; they must accept).",
)

# ---- orders: the technician's commands ---------------------------------------

work(
    "POST",
    f"{ORDER}/accept",
    WorkOrderService.accept,
    name="accept_order",
    doc="The assigned technician takes the job.",
)
work(
    "POST",
    f"{ORDER}/reject",
    WorkOrderService.reject,
    body=WithReason,
    name="reject_order",
    doc="The technician turns the job down; it goes back to triage for reassignment.",
)
work(
    "POST",
    f"{ORDER}/start",
    WorkOrderService.start,
    name="start_order",
    doc="On site and working: this answers the respond SLA.",
)
work(
    "POST",
    f"{ORDER}/hold",
    WorkOrderService.hold,
    body=WithReason,
    name="hold_order",
    doc="Put the work on hold (waiting for parts or the resident), with the reason.",
)
work(
    "POST",
    f"{ORDER}/resume",
    WorkOrderService.resume,
    name="resume_order",
    doc="Go on with work that was on hold.",
)
work(
    "POST",
    f"{ORDER}/complete",
    WorkOrderService.complete,
    body=Completion,
    name="complete_order",
    doc="Record the work done, parts, labour and cost; this answers the resolve SLA.",
)

# ---- orders: after the work ---------------------------------------------------

submitter(
    "POST",
    f"{ORDER}/rate",
    WorkOrderService.rate,
    body=Rating,
    name="rate_order",
    permission=Permission.WORKORDERS_RATE_OWN,
    doc="The requester rates the completed work (1-5).",
)
submitter(
    "POST",
    f"{ORDER}/close",
    WorkOrderService.close,
    name="close_order",
    doc="Estate staff or the requester close a completed (or rated) order.",
)
submitter(
    "POST",
    f"{ORDER}/cancel",
    WorkOrderService.cancel,
    body=WithReason,
    name="cancel_order",
    doc="Staff cancel any open order; the requester only before it is assigned.",
)
submitter(
    "POST",
    f"{ORDER}/reopen",
    WorkOrderService.reopen,
    body=WithReason,
    name="reopen_order",
    doc="The fix did not hold: back to triage for a new assignment (staff or requester).",
)
