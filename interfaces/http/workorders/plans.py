"""HTTP routes of maintenance plans: recurring jobs that open work orders when due.

Estate staff with ``maintenance:manage`` create and change the plans of the
estates they serve; the handlers (``application/workorders/service.py``)
decide on the loaded plan, so another estate's plan answers 404.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.workorders import commands as c
from application.workorders.service import WorkOrderService
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.routes import Commands
from interfaces.http.schemas import Accepted, Created, Cursor, Page, accepted, paged
from interfaces.http.security import Principal, container, requires
from interfaces.http.workorders.schemas import NewPlan, PlanChange, PlanView, WithReason
from projections.workorders import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["workorders"])

PROJECTION = "workorders"


def _service(request: Request) -> WorkOrderService:
    return container(request).workorders


@router.post("/maintenance-plans", status_code=status.HTTP_201_CREATED)
def create_plan(
    body: NewPlan,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_MANAGE_ESTATE),
) -> Created:
    """A recurring job on one equipment or on every equipment of a kind in an estate."""
    plan_id, position = _service(request).create_plan(
        c.CreatePlan(actor=principal, **body.model_dump())
    )
    return Created(id=plan_id, position=position)


@router.get("/maintenance-plans")
async def list_plans(
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_READ_ESTATE),
    estate_id: UUID | None = None,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(active|paused|retired)$")
    ] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[PlanView]:
    """Plans of the estates the caller serves, soonest due first."""
    await reached(request, PROJECTION, after)
    reach = principal.reach("maintenance:read")
    key = decode_cursor(cursor, date, str, UUID) if cursor else None
    rows = await query_off_loop(request, queries.plans, reach, estate_id, status_, key, limit + 1)
    return paged(
        rows, limit, PlanView.model_validate, lambda r: (r["next_due_on"], r["title"], r["plan_id"])
    )


@router.get("/maintenance-plans/{plan_id}")
async def get_plan(
    plan_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> PlanView:
    """One maintenance plan and when it is next due."""
    await reached(request, PROJECTION, after)
    return PlanView.model_validate(
        await query_off_loop(request, queries.visible_plan, principal, plan_id)
    )


@router.patch("/maintenance-plans/{plan_id}", response_model=Accepted)
def change_plan(
    plan_id: UUID,
    body: PlanChange,
    request: Request,
    principal: Principal = requires(Permission.MAINTENANCE_MANAGE_ESTATE),
) -> Response:
    """Change the job or the schedule (send only the fields to change)."""
    changes = body.model_dump(exclude_unset=True)
    nullable = ("team", "technician_id")  # sent as null, these clear the field
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    if "priority" in changes:
        changes["priority"] = changes["priority"].value
    return accepted(_service(request).change_plan(c.ChangePlan(principal, plan_id, changes)))


step = Commands(router, _service, Permission.MAINTENANCE_MANAGE_ESTATE)
step(
    "POST",
    "/maintenance-plans/{plan_id}/pause",
    WorkOrderService.pause_plan,
    body=WithReason,
    doc="Pause a plan: no orders are made while it is paused.",
)
step(
    "POST",
    "/maintenance-plans/{plan_id}/resume",
    WorkOrderService.resume_plan,
    doc="Resume a paused plan.",
)
step(
    "POST",
    "/maintenance-plans/{plan_id}/retire",
    WorkOrderService.retire_plan,
    body=WithReason,
    doc="Stop the plan for good (its orders and history stay).",
)
