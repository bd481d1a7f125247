"""HTTP routes of the workorders context: orders, their SLA dashboard, maintenance plans.

Who may do what (R7.4): residents submit orders for units they occupy and
read, rate, cancel (before assignment) and reopen their own; technicians work
the orders assigned to them; estate staff manage their estates' orders; an
administrator everything. A record the caller may not see answers 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from application.equipment.service import NotFound as EquipmentNotFound
from application.workorders.service import NotFound, WorkOrderService
from domain.errors import InvalidTransition
from domain.identity.policy import Permission
from domain.workorders.order import Category, Priority, Source, Status, WorkOrder
from domain.workorders.plan import MaintenancePlan
from interfaces.http.consistency import reached, serving
from interfaces.http.problems import Problem
from interfaces.http.schemas import (
    Accepted,
    Command,
    Created,
    CurrencyCode,
    DecimalInput,
    Patch,
    accepted,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from projections.reach import clause as reach_clause
from projections.workorders import queries

router = APIRouter(prefix="/api/v1", tags=["workorders"])

PROJECTION = "workorders"
Text = Annotated[str, SingleLine(200)]
LongText = Annotated[str, MultiLine(4000)]
Reason = Annotated[str, MultiLine(1000)]


class NewOrder(Command):
    title: Text
    description: LongText
    estate_id: UUID | None = Field(None, description="staff: the estate; residents: optional")
    unit_id: UUID | None = Field(None, description="residents: a unit they occupy (required)")
    equipment_id: UUID | None = None


class Triage(Command):
    category: Category
    priority: Priority


class Assignment(Command):
    technician_id: UUID


class WithReason(Command):
    reason: Reason


class Part(Command):
    name: Text
    qty: Annotated[DecimalInput, Field(gt=0, max_digits=10, decimal_places=3)]
    unit_cost: Annotated[DecimalInput, Field(ge=0, max_digits=12, decimal_places=2)]


class Completion(Command):
    work_done: LongText
    parts: Annotated[list[Part], Field(max_length=100)] = []
    labour_hours: Annotated[DecimalInput, Field(ge=0, max_digits=6, decimal_places=2)]
    cost: Annotated[DecimalInput, Field(ge=0, max_digits=14, decimal_places=2)] | None = Field(
        None, description="defaults to the sum of the parts"
    )
    currency: CurrencyCode = "CNY"


class Rating(Command):
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, MultiLine(2000, min_length=0)] | None = None


class OrderView(BaseModel):
    id: UUID
    estate_id: UUID
    unit_id: UUID | None
    equipment_id: UUID | None
    title: str
    description: str
    source: str
    source_ref: str | None
    status: str
    category: str | None
    priority: str | None
    assignee_id: UUID | None
    requested_by: UUID | None
    submitted_at: datetime
    triaged_at: datetime | None
    assigned_at: datetime | None
    accepted_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    rated_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    respond_by: datetime | None
    resolve_by: datetime | None
    respond_breached: bool
    resolve_breached: bool
    hold_reason: str | None
    work_done: str | None
    parts: list[dict[str, Any]]
    labour_hours: Decimal | None
    cost: Decimal | None
    currency: str | None
    rating: int | None
    rating_comment: str | None
    reassignments: int
    rejections: int
    reopenings: int
    updated_at: datetime
    version: int


class HistoryEntry(BaseModel):
    position: int
    version: int
    event: str
    at: datetime
    actor_id: UUID | None
    actor_role: str | None
    payload: dict[str, Any]


class SlaFigures(BaseModel):
    met: int
    missed: int
    compliance_pct: float | None


class Dashboard(BaseModel):
    open_total: int
    open_by_status: dict[str, int]
    open_by_priority: dict[str, int]
    open_by_status_and_priority: list[dict[str, Any]]
    submitted_in_period: int
    respond_sla: SlaFigures
    resolve_sla: SlaFigures
    mean_time_to_respond_minutes: float | None
    mean_time_to_resolve_hours: float | None
    mean_rating: float | None


class NewPlan(Command):
    estate_id: UUID
    title: Text
    equipment_id: UUID | None = None
    equipment_kind: Annotated[str, SingleLine(50)] | None = None
    interval_days: Annotated[int, Field(ge=1, le=3660)]
    checklist: Annotated[list[Annotated[str, SingleLine(500)]], Field(max_length=100)] = []
    team: Annotated[str, SingleLine(100)] | None = None
    technician_id: UUID | None = None
    priority: Priority = Priority.NORMAL
    first_due_on: date


class PlanChange(Patch):
    clearable = frozenset({"team", "technician_id"})

    title: Text | None = None
    interval_days: Annotated[int, Field(ge=1, le=3660)] | None = None
    checklist: Annotated[list[Annotated[str, SingleLine(500)]], Field(max_length=100)] | None = None
    team: Annotated[str, SingleLine(100)] | None = None
    technician_id: UUID | None = None
    priority: Priority | None = None
    next_due_on: date | None = None


class PlanView(BaseModel):
    id: UUID
    estate_id: UUID
    title: str
    equipment_id: UUID | None
    equipment_kind: str | None
    interval_days: int
    checklist: list[str]
    team: str | None
    technician_id: UUID | None
    priority: str
    next_due_on: date
    status: str
    orders_opened: int
    last_order_id: UUID | None
    last_due_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int


# ---- helpers ---------------------------------------------------------------


def _service(request: Request) -> WorkOrderService:
    return container(request).workorders


@contextmanager
def _found(what: str = "work order") -> Iterator[None]:
    try:
        yield
    except NotFound:
        raise Problem(404, f"no such {what}") from None


def _order(request: Request, order_id: UUID) -> WorkOrder:
    with _found():
        return _service(request).get(order_id)


def _plan(request: Request, plan_id: UUID) -> MaintenancePlan:
    with _found("maintenance plan"):
        return _service(request).get_plan(plan_id)


def _same_estate_equipment(request: Request, equipment_id: UUID | None, estate_id: UUID) -> None:
    """Equipment an order or plan names must be of its estate (R7.4): an order of
    one estate must not write into another estate's facility archive."""
    if equipment_id is None:
        return
    try:
        equipment = container(request).equipment.get(equipment_id)
    except EquipmentNotFound:
        raise Problem(404, "no such equipment in this estate") from None
    if equipment.estate_id != estate_id:
        raise Problem(404, "no such equipment in this estate")


def _may_read(principal: Principal, order: WorkOrder) -> None:
    owners = {o for o in (order.requested_by, order.assignee_id) if o is not None}
    principal.check("workorders:read", owner_id=owners, estate_id=order.estate_id)


def _managing(request: Request, principal: Principal, order_id: UUID) -> WorkOrder:
    order = _order(request, order_id)
    if not principal.may("workorders:manage", owner_id=None, estate_id=order.estate_id):
        _may_read(principal, order)  # 404 if the caller may not even see it
        raise Problem(403, "this needs the permission workorders:manage for the estate")
    return order


def _working(request: Request, principal: Principal, order_id: UUID) -> WorkOrder:
    """The order, if the caller is its technician (or may work any order)."""
    order = _order(request, order_id)
    if not principal.may("workorders:work", owner_id=order.assignee_id, estate_id=order.estate_id):
        _may_read(principal, order)
        if order.assignee_id is None:  # the state is what refuses: nobody may work it yet
            raise InvalidTransition(f"the order is {order.status} and assigned to nobody")
        raise Problem(403, "only the assigned technician works this order")
    return order


def _requester_or_manager(request: Request, principal: Principal, order_id: UUID) -> bool:
    """True if the caller acts as the requester, False as staff; 404/403 otherwise."""
    order = _order(request, order_id)
    if principal.may("workorders:manage", owner_id=None, estate_id=order.estate_id):
        return False
    if order.requested_by == principal.user_id and principal.may(
        "workorders:rate", owner_id=order.requested_by
    ):
        return True
    _may_read(principal, order)
    raise Problem(403, "only the requester or the estate's staff may do this")


def _order_view(row: dict[str, Any]) -> OrderView:
    return OrderView(id=row.pop("order_id"), **row)


def _plan_view(row: dict[str, Any]) -> PlanView:
    return PlanView(id=row.pop("plan_id"), **row)


# ---- orders: submit and read ----------------------------------------------


@router.post("/workorders", status_code=status.HTTP_201_CREATED)
def submit_order(
    body: NewOrder,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_SUBMIT_OWN),
) -> Created:
    """Staff submit for an estate they serve; residents for a unit they occupy."""
    svc = _service(request)
    fields: dict[str, Any] = {
        "title": body.title,
        "description": body.description,
        "unit_id": body.unit_id,
        "equipment_id": body.equipment_id,
        "requested_by": principal.user_id,
    }
    if body.estate_id is not None and principal.may(
        "workorders:submit", owner_id=None, estate_id=body.estate_id
    ):
        _same_estate_equipment(request, body.equipment_id, body.estate_id)
        order_id, position = svc.submit(estate_id=body.estate_id, source=Source.STAFF, **fields)
        return Created(id=order_id, position=position)
    if body.unit_id is None:
        raise Problem(404, "no such estate, or not one you serve; residents name their unit")
    if not principal.may("workorders:submit", owner_id=principal.user_id):
        raise Problem(404, "no such unit, or not yours")
    serving(request, "registry")  # where the caller lives
    homes = {unit: estate for estate, unit in svc.units_of_user(principal.user_id)}
    estate_id = homes.get(body.unit_id)
    if estate_id is None or body.estate_id not in (None, estate_id):
        raise Problem(404, "no such unit, or not yours")
    _same_estate_equipment(request, body.equipment_id, estate_id)
    order_id, position = svc.submit(estate_id=estate_id, source=Source.RESIDENT, **fields)
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
    where, params = reach_clause(
        principal.reach("workorders:read"), "estate_id", ("requested_by", "assignee_id")
    )
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
    with container(request).pool.connection() as conn:
        rows = queries.orders(conn, where, params, filters, limit, before)
    return [_order_view(r) for r in rows]


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
    where, params = reach_clause(
        principal.reach("workorders:read"), "estate_id", ("requested_by", "assignee_id")
    )
    with container(request).pool.connection() as conn:
        figures = queries.dashboard(conn, where, params, estate_id, since, until)
    return Dashboard(**figures)


@router.get("/workorders/{order_id}")
async def get_order(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> OrderView:
    await reached(request, PROJECTION, after)
    with container(request).pool.connection() as conn:
        row = queries.order(conn, order_id)
    if row is None:
        raise Problem(404, "no such work order")
    owners = {o for o in (row["requested_by"], row["assignee_id"]) if o is not None}
    principal.check("workorders:read", owner_id=owners, estate_id=row["estate_id"])
    return _order_view(row)


@router.get("/workorders/{order_id}/history")
async def order_history(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[HistoryEntry]:
    """Every event of the order, oldest first, with who did it."""
    await reached(request, PROJECTION, after)
    with container(request).pool.connection() as conn:
        row = queries.order(conn, order_id)
        if row is None:
            raise Problem(404, "no such work order")
        owners = {o for o in (row["requested_by"], row["assignee_id"]) if o is not None}
        principal.check("workorders:read", owner_id=owners, estate_id=row["estate_id"])
        entries = queries.history(conn, order_id)
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
    _managing(request, principal, order_id)
    return accepted(_service(request).triage(order_id, body.category, body.priority))


@router.post("/workorders/{order_id}/assign", response_model=Accepted)
def assign_order(
    order_id: UUID,
    body: Assignment,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_MANAGE_ESTATE),
) -> Response:
    """Assign, or reassign to another technician (recorded; they must accept)."""
    _managing(request, principal, order_id)
    return accepted(_service(request).assign(order_id, body.technician_id))


# ---- orders: the technician's commands ---------------------------------------


@router.post("/workorders/{order_id}/accept", response_model=Accepted)
def accept_order(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_WORK_OWN),
) -> Response:
    _working(request, principal, order_id)
    return accepted(_service(request).accept(order_id))


@router.post("/workorders/{order_id}/reject", response_model=Accepted)
def reject_order(
    order_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_WORK_OWN),
) -> Response:
    """The technician turns the job down; it goes back to triage for reassignment."""
    _working(request, principal, order_id)
    return accepted(_service(request).reject(order_id, body.reason))


@router.post("/workorders/{order_id}/start", response_model=Accepted)
def start_order(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_WORK_OWN),
) -> Response:
    """On site and working: this answers the respond SLA."""
    _working(request, principal, order_id)
    return accepted(_service(request).start(order_id))


@router.post("/workorders/{order_id}/hold", response_model=Accepted)
def hold_order(
    order_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_WORK_OWN),
) -> Response:
    _working(request, principal, order_id)
    return accepted(_service(request).hold(order_id, body.reason))


@router.post("/workorders/{order_id}/resume", response_model=Accepted)
def resume_order(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_WORK_OWN),
) -> Response:
    _working(request, principal, order_id)
    return accepted(_service(request).resume(order_id))


@router.post("/workorders/{order_id}/complete", response_model=Accepted)
def complete_order(
    order_id: UUID,
    body: Completion,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_WORK_OWN),
) -> Response:
    """Record the work done, parts, labour and cost; this answers the resolve SLA."""
    _working(request, principal, order_id)
    position = _service(request).complete(
        order_id,
        work_done=body.work_done,
        parts=[p.model_dump() for p in body.parts],
        labour_hours=body.labour_hours,
        cost=body.cost,
        currency=body.currency,
    )
    return accepted(position)


# ---- orders: after the work ---------------------------------------------------


@router.post("/workorders/{order_id}/rate", response_model=Accepted)
def rate_order(
    order_id: UUID,
    body: Rating,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_RATE_OWN),
) -> Response:
    """The requester rates the completed work (1-5)."""
    order = _order(request, order_id)
    if not principal.may("workorders:rate", owner_id=order.requested_by, estate_id=order.estate_id):
        _may_read(principal, order)
        raise Problem(403, "only the requester rates an order")
    return accepted(_service(request).rate(order_id, body.rating, body.comment))


@router.post("/workorders/{order_id}/close", response_model=Accepted)
def close_order(
    order_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_SUBMIT_OWN),
) -> Response:
    """Estate staff or the requester close a completed (or rated) order."""
    _requester_or_manager(request, principal, order_id)
    return accepted(_service(request).close(order_id))


@router.post("/workorders/{order_id}/cancel", response_model=Accepted)
def cancel_order(
    order_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_SUBMIT_OWN),
) -> Response:
    """Staff cancel any open order; the requester only before it is assigned."""
    by_requester = _requester_or_manager(request, principal, order_id)
    return accepted(_service(request).cancel(order_id, body.reason, by_requester=by_requester))


@router.post("/workorders/{order_id}/reopen", response_model=Accepted)
def reopen_order(
    order_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.WORKORDERS_SUBMIT_OWN),
) -> Response:
    """The fix did not hold: back to triage for a new assignment (staff or requester)."""
    _requester_or_manager(request, principal, order_id)
    return accepted(_service(request).reopen(order_id, body.reason))


# ---- maintenance plans --------------------------------------------------------


def _plan_managing(request: Request, principal: Principal, plan_id: UUID) -> MaintenancePlan:
    plan = _plan(request, plan_id)
    if not principal.may("maintenance:manage", owner_id=None, estate_id=plan.estate_id):
        principal.check("maintenance:read", owner_id=None, estate_id=plan.estate_id)
        raise Problem(403, "this needs the permission maintenance:manage for the estate")
    return plan


@router.post("/maintenance-plans", status_code=status.HTTP_201_CREATED)
def create_plan(
    body: NewPlan,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_MANAGE_ESTATE),
) -> Created:
    """A recurring job on one equipment or on every equipment of a kind in an estate."""
    principal.check("maintenance:manage", owner_id=None, estate_id=body.estate_id)
    _same_estate_equipment(request, body.equipment_id, body.estate_id)
    fields = body.model_dump()
    estate_id = fields.pop("estate_id")
    plan_id, position = _service(request).create_plan(estate_id=estate_id, **fields)
    return Created(id=plan_id, position=position)


@router.get("/maintenance-plans")
async def list_plans(
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_READ_ESTATE),
    estate_id: UUID | None = None,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(active|paused|retired)$")
    ] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[PlanView]:
    """Plans of the estates the caller serves, soonest due first."""
    await reached(request, PROJECTION, after)
    where, params = reach_clause(principal.reach("maintenance:read"), "estate_id")
    with container(request).pool.connection() as conn:
        rows = queries.plans(conn, where, params, estate_id, status_)
    return [_plan_view(r) for r in rows]


@router.get("/maintenance-plans/{plan_id}")
async def get_plan(
    plan_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> PlanView:
    await reached(request, PROJECTION, after)
    with container(request).pool.connection() as conn:
        row = queries.plan(conn, plan_id)
    if row is None:
        raise Problem(404, "no such maintenance plan")
    principal.check("maintenance:read", owner_id=None, estate_id=row["estate_id"])
    return _plan_view(row)


@router.patch("/maintenance-plans/{plan_id}", response_model=Accepted)
def change_plan(
    plan_id: UUID,
    body: PlanChange,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_MANAGE_ESTATE),
) -> Response:
    """Change the job or the schedule (send only the fields to change)."""
    _plan_managing(request, principal, plan_id)
    changes = body.model_dump(exclude_unset=True)
    nullable = ("team", "technician_id")  # sent as null, these clear the field
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    if "priority" in changes:
        changes["priority"] = changes["priority"].value
    return accepted(_service(request).change_plan(plan_id, **changes))


@router.post("/maintenance-plans/{plan_id}/pause", response_model=Accepted)
def pause_plan(
    plan_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_MANAGE_ESTATE),
) -> Response:
    _plan_managing(request, principal, plan_id)
    return accepted(_service(request).pause_plan(plan_id, body.reason))


@router.post("/maintenance-plans/{plan_id}/resume", response_model=Accepted)
def resume_plan(
    plan_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_MANAGE_ESTATE),
) -> Response:
    _plan_managing(request, principal, plan_id)
    return accepted(_service(request).resume_plan(plan_id))


@router.post("/maintenance-plans/{plan_id}/retire", response_model=Accepted)
def retire_plan(
    plan_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_MANAGE_ESTATE),
) -> Response:
    """Stop the plan for good (its orders and history stay)."""
    _plan_managing(request, principal, plan_id)
    return accepted(_service(request).retire_plan(plan_id, body.reason))
