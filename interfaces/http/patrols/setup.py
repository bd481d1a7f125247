"""HTTP routes of patrol routes and plans (巡检路线, 巡检计划).

Staff with ``patrols:manage`` make the routes and plans of the estates they
serve; the handlers (``application/patrols/service.py``) decide on the loaded
record, so another estate's answers 404. A route's view carries its points'
codes, for printing their QR labels: only estate readers see it.

Routes and plans are read alike: a list by name, one record by its ID
(:func:`by_name`, :func:`one`); their commands go through the shared factory
(``interfaces/http/routes.py: Commands``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from application.patrols.service import PatrolService
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.patrols.schemas import (
    PROJECTION,
    After,
    Limit,
    NewPlan,
    NewPoint,
    NewRoute,
    PlanView,
    Reassignment,
    RouteView,
    WithReason,
)
from interfaces.http.reads import query_off_loop
from interfaces.http.routes import Commands, add
from interfaces.http.schemas import Cursor, Page, paged
from interfaces.http.security import Principal, container, requires
from projections.patrols import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["patrols"])


def _service(request: Request) -> PatrolService:
    return container(request).patrols


def by_name(
    path: str,
    view: type[BaseModel],
    query: Callable[..., Any],
    permission: Permission,
    statuses: Any,
    *,
    key: str,
    name: str,
    doc: str,
) -> None:
    """``GET path``: ``query``'s records in the caller's reach (``estate_id=``,
    ``status=`` one of ``statuses``), a page at a time by name, the cursor
    holding the last one's name and ``key``."""

    async def endpoint(
        request: Request,
        principal: Principal = requires(permission),
        estate_id: UUID | None = None,
        status_: Any = None,
        cursor: Cursor = None,
        limit: Limit = 1000,
        after: After = None,
    ) -> Any:
        await reached(request, PROJECTION, after)
        reach = principal.reach("patrols:read")
        last = decode_cursor(cursor, str, UUID) if cursor else None
        rows = await query_off_loop(request, query, reach, estate_id, status_, last, limit + 1)
        return paged(rows, limit, view.model_validate, lambda r: (r["name"], r[key]))

    # An object, not a string (this module's annotations are): each list its own set.
    endpoint.__annotations__["status_"] = Annotated[statuses | None, Query(alias="status")]
    add(router, "GET", path, endpoint, name=name, doc=doc, response_model=Page[view])  # type: ignore[valid-type]


def one(
    path: str,
    view: type[BaseModel],
    query: Callable[..., Any],
    permission: Permission,
    *,
    name: str,
    doc: str,
) -> None:
    """``GET path``: the record the path names, as ``query`` answers it for the
    caller (404 when they may not read it, as for a missing one)."""

    async def endpoint(
        request: Request,
        principal: Principal = requires(permission),
        after: After = None,
        **ids: Any,
    ) -> Any:
        await reached(request, PROJECTION, after)
        return view.model_validate(await query_off_loop(request, query, principal, *ids.values()))

    add(router, "GET", path, endpoint, name=name, doc=doc, response_model=view)


send = Commands(router, _service, Permission.PATROLS_MANAGE_ESTATE)

# ---- routes ----------------------------------------------------------------------

send(
    "POST",
    "/patrol-routes",
    PatrolService.create_route,
    body=NewRoute,
    created=True,
    doc="A route of an estate: its points in walking order, each with a checklist\n"
    "and a code to print as its QR label.",
)
by_name(
    "/patrol-routes",
    RouteView,
    queries.routes,
    Permission.PATROLS_READ_ESTATE,
    Literal["active", "retired"],
    key="route_id",
    name="list_routes",
    doc="Routes of the estates the caller serves, by name.",
)
one(
    "/patrol-routes/{route_id}",
    RouteView,
    queries.visible_route,
    Permission.PATROLS_READ_ESTATE,
    name="get_route",
    doc="One route, its points with their checklists and codes.",
)
send(
    "POST",
    "/patrol-routes/{route_id}/points",
    PatrolService.add_point,
    body=NewPoint,
    doc="A point at the end of the walk (tasks generated already keep theirs).",
)
send(
    "POST",
    "/patrol-routes/{route_id}/retire",
    PatrolService.retire_route,
    body=WithReason,
    doc="No new plan may use the route; its tasks and history stay.",
)

# ---- plans -----------------------------------------------------------------------

send(
    "POST",
    "/patrol-plans",
    PatrolService.create_plan,
    body=NewPlan,
    created=True,
    doc="A recurring patrol of a route by a technician or gate guard: the days,\n"
    "and the shift in local time (22:00 for 480 minutes: a night patrol).",
)
by_name(
    "/patrol-plans",
    PlanView,
    queries.plans,
    Permission.PATROLS_READ_OWN,
    Literal["active", "paused", "retired"],
    key="plan_id",
    name="list_plans",
    doc="Plans of the estates the caller serves (a patroller: their own), by name.",
)
one(
    "/patrol-plans/{patrol_plan_id}",
    PlanView,
    queries.visible_plan,
    Permission.PATROLS_READ_OWN,
    name="get_plan",
    doc="One plan and its next shift.",
)
send(
    "POST",
    "/patrol-plans/{patrol_plan_id}/assignee",
    PatrolService.reassign_plan,
    body=Reassignment,
    doc="Later tasks go to another technician or gate guard of the estate.",
)
send(
    "POST",
    "/patrol-plans/{patrol_plan_id}/pause",
    PatrolService.pause_plan,
    body=WithReason,
    doc="No tasks are generated while the plan is paused.",
)
send(
    "POST",
    "/patrol-plans/{patrol_plan_id}/resume",
    PatrolService.resume_plan,
    doc="Tasks are generated again from the next shift.",
)
send(
    "POST",
    "/patrol-plans/{patrol_plan_id}/retire",
    PatrolService.retire_plan,
    body=WithReason,
    doc="Stop the plan for good (its tasks and history stay).",
)
