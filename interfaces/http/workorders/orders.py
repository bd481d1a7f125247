"""HTTP routes of work orders: submit, read, the SLA dashboard, every transition.

Who may do what (R7.4) is decided by the handlers
(``application/workorders/service.py``): residents submit orders for units
they occupy and read, rate, cancel (before assignment) and reopen their own;
technicians work the orders assigned to them; estate staff manage their
estates' orders; an administrator everything. A record the caller may not
see answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.workorders import commands as c
from application.workorders.service import WorkOrderService
from domain.identity.policy import Permission
from domain.workorders.order import Priority, Source, Status
from interfaces.http.consistency import reached, serving
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Accepted, Created, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.workorders.schemas import (
    Assignment,
    Completion,
    Dashboard,
    HistoryEntry,
    NewOrder,
    OrderView,
    Rating,
    Triage,
    WithReason,
    order_view,
)
from projections.workorders import queries

router = APIRouter(prefix="/api/v1", tags=["workorders"])

PROJECTION = "workorders"


def _service(request: Request) -> WorkOrderService:
    return container(request).workorders


# ---- orders: submit and read ----------------------------------------------


@router.post("/workorders", status_code=status.HTTP_201_CREATED)
def submit_order(
    body: NewOrder,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_SUBMIT_OWN),
) -> Created:
    """Staff submit for an estate they serve; residents for a unit they occupy."""
    # Where a resident lives is read from the registry's read model: a stopped
    # one answers 503. Staff acting for an estate they serve do not read it.
    # (The handler decides who may act.)
    staff = body.estate_id is not None and principal.may(
        "workorders:submit", owner_id=None, estate_id=body.estate_id
    )
    if body.unit_id is not None and not staff:
        serving(request, "registry")
    order_id, position = _service(request).submit(
        c.SubmitOrder(
            actor=principal,
            title=body.title,
            description=body.description,
            estate_id=body.estate_id,
            unit_id=body.unit_id,
            equipment_id=body.equipment_id,
        )
    )
    return Created(id=order_id, position=position)


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
    before: datetime | None = Query(None, description="submitted before (paging)"),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[OrderView]:
    """Orders the caller may see, newest first."""
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
    }
    reach = principal.reach("workorders:read")
    rows = await query_off_loop(request, queries.orders, reach, filters, limit, before)
    return [order_view(r) for r in rows]


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
    return Dashboard(**figures)


@router.get("/workorders/{order_id}")
async def get_order(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> OrderView:
    await reached(request, PROJECTION, after)
    return order_view(await query_off_loop(request, queries.visible_order, principal, order_id))


@router.get("/workorders/{order_id}/history")
async def order_history(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[HistoryEntry]:
    """Every event of the order, oldest first, with who did it."""
    await reached(request, PROJECTION, after)
    entries = await query_off_loop(request, queries.visible_history, principal, order_id)
    return [HistoryEntry(**e) for e in entries]


# ---- orders: staff commands --------------------------------------------------


@router.post("/workorders/{order_id}/triage", response_model=Accepted)
def triage_order(
    order_id: UUID,
    body: Triage,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_MANAGE_ESTATE),
) -> Response:
    """Set category and priority; the SLA deadlines follow from the priority."""
    cmd = c.TriageOrder(principal, order_id, body.category, body.priority)
    return accepted(_service(request).triage(cmd))


@router.post("/workorders/{order_id}/assign", response_model=Accepted)
def assign_order(
    order_id: UUID,
    body: Assignment,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_MANAGE_ESTATE),
) -> Response:
    """Assign, or reassign to another technician (recorded; they must accept)."""
    cmd = c.AssignOrder(principal, order_id, body.technician_id)
    return accepted(_service(request).assign(cmd))


# ---- orders: the technician's commands ---------------------------------------
# accept, start and resume take no body; reject and hold a reason. Each is the
# same three lines, so one route is made per step from the handler's name.


def _work_step(step: str, summary: str) -> None:
    def route(
        order_id: UUID,
        request: Request,
        principal: Principal = requires(Permission.WORKORDERS_WORK_OWN),
    ) -> Response:
        return accepted(getattr(_service(request), step)(c.WorkOn(principal, order_id)))

    _add_step(route, step, summary)


def _step_with_reason(
    step: str,
    summary: str,
    command: type[c.WorkOnWithReason | c.AfterWork] = c.WorkOnWithReason,
    permission: Permission = Permission.WORKORDERS_WORK_OWN,
) -> None:
    def route(
        order_id: UUID,
        body: WithReason,
        request: Request,
        principal: Principal = requires(permission),
    ) -> Response:
        cmd = command(principal, order_id, body.reason)
        return accepted(getattr(_service(request), step)(cmd))

    _add_step(route, step, summary)


def _add_step(route: Callable[..., Response], step: str, summary: str) -> None:
    route.__name__ = f"{step}_order"  # the OpenAPI operation ID, as when written out
    route.__doc__ = summary or None
    router.post(f"/workorders/{{order_id}}/{step}", response_model=Accepted)(route)


_work_step("accept", "")
_step_with_reason(
    "reject", "The technician turns the job down; it goes back to triage for reassignment."
)
_work_step("start", "On site and working: this answers the respond SLA.")
_step_with_reason("hold", "")
_work_step("resume", "")


@router.post("/workorders/{order_id}/complete", response_model=Accepted)
def complete_order(
    order_id: UUID,
    body: Completion,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_WORK_OWN),
) -> Response:
    """Record the work done, parts, labour and cost; this answers the resolve SLA."""
    cmd = c.CompleteOrder(
        actor=principal,
        order_id=order_id,
        work_done=body.work_done,
        parts=[p.model_dump() for p in body.parts],
        labour_hours=body.labour_hours,
        cost=body.cost,
        currency=body.currency,
    )
    return accepted(_service(request).complete(cmd))


# ---- orders: after the work ---------------------------------------------------


@router.post("/workorders/{order_id}/rate", response_model=Accepted)
def rate_order(
    order_id: UUID,
    body: Rating,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_RATE_OWN),
) -> Response:
    """The requester rates the completed work (1-5)."""
    cmd = c.RateOrder(principal, order_id, body.rating, body.comment)
    return accepted(_service(request).rate(cmd))


@router.post("/workorders/{order_id}/close", response_model=Accepted)
def close_order(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_SUBMIT_OWN),
) -> Response:
    """Estate staff or the requester close a completed (or rated) order."""
    return accepted(_service(request).close(c.CloseOrder(principal, order_id)))


_step_with_reason(
    "cancel",
    "Staff cancel any open order; the requester only before it is assigned.",
    c.AfterWork,
    Permission.WORKORDERS_SUBMIT_OWN,
)
_step_with_reason(
    "reopen",
    "The fix did not hold: back to triage for a new assignment (staff or requester).",
    c.AfterWork,
    Permission.WORKORDERS_SUBMIT_OWN,
)
