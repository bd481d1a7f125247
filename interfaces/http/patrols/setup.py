"""HTTP routes of patrol routes and plans (巡检路线, 巡检计划).

Staff with ``patrols:manage`` make the routes and plans of the estates they
serve; the handlers (``application/patrols/service.py``) decide on the loaded
record, so another estate's answers 404. A route's view carries its points'
codes, for printing their QR labels: only estate readers see it.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.patrols import commands as c
from application.patrols.service import PatrolService
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.patrols.schemas import (
    NewPlan,
    NewPoint,
    NewRoute,
    PlanView,
    Reassignment,
    RouteView,
    WithReason,
)
from interfaces.http.reads import query_off_loop
from interfaces.http.routes import Commands
from interfaces.http.schemas import Created, Cursor, Page, paged
from interfaces.http.security import Principal, container, requires
from projections.patrols import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["patrols"])

PROJECTION = "patrols"
Limit = Annotated[int, Query(ge=1, le=1000)]
After = Annotated[int | None, Query(ge=0)]


def _service(request: Request) -> PatrolService:
    return container(request).patrols


# ---- routes ----------------------------------------------------------------------


@router.post("/patrol-routes", status_code=status.HTTP_201_CREATED)
def create_route(
    body: NewRoute,
    request: Request,
    principal: Principal = requires(Permission.PATROLS_MANAGE_ESTATE),
) -> Created:
    """A route of an estate: its points in walking order, each with a checklist
    and a code to print as its QR label."""
    route_id, position = _service(request).create_route(
        c.CreateRoute(actor=principal, **body.model_dump())
    )
    return Created(id=route_id, position=position)


@router.get("/patrol-routes")
async def list_routes(
    request: Request,
    principal: Principal = requires(Permission.PATROLS_READ_ESTATE),
    estate_id: UUID | None = None,
    status_: Annotated[Literal["active", "retired"] | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 1000,
    after: After = None,
) -> Page[RouteView]:
    """Routes of the estates the caller serves, by name."""
    await reached(request, PROJECTION, after)
    reach = principal.reach("patrols:read")
    key = decode_cursor(cursor, str, UUID) if cursor else None
    rows = await query_off_loop(request, queries.routes, reach, estate_id, status_, key, limit + 1)
    return paged(rows, limit, RouteView.model_validate, lambda r: (r["name"], r["route_id"]))


@router.get("/patrol-routes/{route_id}")
async def get_route(
    route_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PATROLS_READ_ESTATE),
    after: After = None,
) -> RouteView:
    """One route, its points with their checklists and codes."""
    await reached(request, PROJECTION, after)
    return RouteView.model_validate(
        await query_off_loop(request, queries.visible_route, principal, route_id)
    )


on_route = Commands(router, _service, Permission.PATROLS_MANAGE_ESTATE)
on_route(
    "POST",
    "/patrol-routes/{route_id}/points",
    PatrolService.add_point,
    body=NewPoint,
    doc="A point at the end of the walk (tasks generated already keep theirs).",
)
on_route(
    "POST",
    "/patrol-routes/{route_id}/retire",
    PatrolService.retire_route,
    body=WithReason,
    doc="No new plan may use the route; its tasks and history stay.",
)


# ---- plans -----------------------------------------------------------------------


@router.post("/patrol-plans", status_code=status.HTTP_201_CREATED)
def create_plan(
    body: NewPlan,
    request: Request,
    principal: Principal = requires(Permission.PATROLS_MANAGE_ESTATE),
) -> Created:
    """A recurring patrol of a route by a technician or gate guard: the days,
    and the shift in local time (22:00 for 480 minutes: a night patrol)."""
    plan_id, position = _service(request).create_plan(
        c.CreatePlan(actor=principal, **body.model_dump())
    )
    return Created(id=plan_id, position=position)


@router.get("/patrol-plans")
async def list_plans(
    request: Request,
    principal: Principal = requires(Permission.PATROLS_READ_OWN),
    estate_id: UUID | None = None,
    status_: Annotated[Literal["active", "paused", "retired"] | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 1000,
    after: After = None,
) -> Page[PlanView]:
    """Plans of the estates the caller serves (a patroller: their own), by name."""
    await reached(request, PROJECTION, after)
    reach = principal.reach("patrols:read")
    key = decode_cursor(cursor, str, UUID) if cursor else None
    rows = await query_off_loop(request, queries.plans, reach, estate_id, status_, key, limit + 1)
    return paged(rows, limit, PlanView.model_validate, lambda r: (r["name"], r["plan_id"]))


@router.get("/patrol-plans/{patrol_plan_id}")
async def get_plan(
    patrol_plan_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PATROLS_READ_OWN),
    after: After = None,
) -> PlanView:
    """One plan and its next shift."""
    await reached(request, PROJECTION, after)
    return PlanView.model_validate(
        await query_off_loop(request, queries.visible_plan, principal, patrol_plan_id)
    )


on_plan = Commands(router, _service, Permission.PATROLS_MANAGE_ESTATE)
on_plan(
    "POST",
    "/patrol-plans/{patrol_plan_id}/assignee",
    PatrolService.reassign_plan,
    body=Reassignment,
    doc="Later tasks go to another technician or gate guard of the estate.",
)
on_plan(
    "POST",
    "/patrol-plans/{patrol_plan_id}/pause",
    PatrolService.pause_plan,
    body=WithReason,
    doc="No tasks are generated while the plan is paused.",
)
on_plan(
    "POST",
    "/patrol-plans/{patrol_plan_id}/resume",
    PatrolService.resume_plan,
    doc="Tasks are generated again from the next shift.",
)
on_plan(
    "POST",
    "/patrol-plans/{patrol_plan_id}/retire",
    PatrolService.retire_plan,
    body=WithReason,
    doc="Stop the plan for good (its tasks and history stay).",
)
