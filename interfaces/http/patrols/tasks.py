"""HTTP routes of patrol tasks (巡检任务): the list and one task, the check-in
at a point, and the completion report per route, person and month.

A technician or gate guard reads and works the tasks assigned to them
(``patrols:*:own``); estate staff read every task of their estates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request

from application.patrols import commands as c
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.patrols.schemas import (
    PROJECTION,
    After,
    CheckedIn,
    CompletionView,
    Limit,
    NewCheckIn,
    TaskDetailView,
    TaskView,
)
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Cursor, Page, Period, paged
from interfaces.http.security import Principal, container, requires
from projections.patrols import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["patrols"])


@router.get("/patrol-tasks")
async def list_tasks(
    request: Request,
    principal: Principal = requires(Permission.PATROLS_READ_OWN),
    estate_id: UUID | None = None,
    status_: Annotated[Literal["open", "closed"] | None, Query(alias="status")] = None,
    assignee_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[TaskView]:
    """Tasks the caller may read (a patroller: their own), latest shift first."""
    await reached(request, PROJECTION, after)
    reach = principal.reach("patrols:read")
    key = decode_cursor(cursor, datetime, UUID) if cursor else None
    rows = await query_off_loop(
        request, queries.tasks, reach, estate_id, status_, assignee_id, key, limit + 1
    )
    return paged(rows, limit, TaskView.model_validate, lambda r: (r["starts_at"], r["task_id"]))


@router.get("/patrol-tasks/{task_id}")
async def get_task(
    task_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PATROLS_READ_OWN),
    after: After = None,
) -> TaskDetailView:
    """One task: its points in walking order, each with its checklist, when it
    is due by and how it was answered."""
    await reached(request, PROJECTION, after)
    return TaskDetailView.model_validate(
        await query_off_loop(request, queries.visible_task, principal, task_id)
    )


@router.post("/patrol-tasks/{task_id}/check-ins")
def check_in(
    task_id: UUID,
    body: NewCheckIn,
    request: Request,
    principal: Principal = requires(Permission.PATROLS_WORK_OWN),
) -> CheckedIn:
    """Check a point in, with the code scanned at it and an answer per checklist
    item; an abnormal answer (or a reading out of range) opens a work order."""
    order_id, position = container(request).patrols.check_in(
        c.CheckIn(
            actor=principal,
            task_id=task_id,
            point_id=body.point_id,
            code=body.code,
            answers=[a.model_dump() for a in body.answers],
        )
    )
    return CheckedIn(position=position, work_order_id=order_id)


@router.get("/patrol-reports/completion")
async def completion_report(
    request: Request,
    principal: Principal = requires(Permission.PATROLS_READ_OWN),
    estate_id: UUID | None = None,
    month: Period | None = None,
    group: Literal["route_person", "route", "person"] = "route_person",
    cursor: Cursor = None,
    limit: Limit = 1000,
    after: After = None,
) -> Page[CompletionView]:
    """Completion rates (checked points / points) per month, by route and person,
    by route or by person; late, missed and abnormal points beside them."""
    await reached(request, PROJECTION, after)
    reach = principal.reach("patrols:read")
    key = decode_cursor(cursor, str, str, str) if cursor else None
    rows = await query_off_loop(
        request, queries.completion, reach, estate_id, month, group, key, limit + 1
    )
    return paged(rows, limit, CompletionView.model_validate, queries.completion_key)
