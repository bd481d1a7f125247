"""The queries of the ``patrols`` read model and the views they return.

Routes and plans are few per company (they do not grow with the log): read
without an index of their own. Tasks grow with every shift: a page is read
off the estate's or the assignee's index (``projections/reach.py: page``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from application.actor import Actor, Reach
from application.errors import NotFound
from projections.naming import user_name
from projections.reach import clause, page

NO_ROUTE, NO_PLAN, NO_TASK = "no such patrol route", "no such patrol plan", "no such patrol task"
#: completion = checked / points, to four places (0 for a task of no points).
RATE = "round(({c})::numeric / greatest({p}, 1), 4)"


class RouteRow(TypedDict):
    route_id: UUID
    estate_id: UUID
    name: str
    points: list[dict[str, Any]]  # each with its code: the QR label to print
    point_count: int
    status: str
    created_at: datetime


class PlanRow(TypedDict):
    plan_id: UUID
    estate_id: UUID
    route_id: UUID
    name: str
    assignee_id: UUID
    assignee_name: str | None
    weekdays: list[int]
    shift_starts: str
    shift_minutes: int
    timezone: str
    next_shift_on: date
    status: str
    tasks_generated: int


class TaskRow(TypedDict):
    task_id: UUID
    estate_id: UUID
    plan_id: UUID
    route_id: UUID
    route_name: str
    assignee_id: UUID
    assignee_name: str | None
    shift_on: date
    starts_at: datetime
    ends_at: datetime
    status: str
    points: int
    checked: int
    late: int
    missed: int
    abnormal: int
    completion_rate: Decimal
    closed_at: datetime | None


class TaskPointRow(TypedDict):
    """A point of a task as its assignee sees it: no code (it is on the label)."""

    seq: int
    point_id: UUID
    name: str
    place: str | None
    checklist: list[dict[str, Any]]
    due_by: datetime
    state: str
    reported_late: bool
    checked_at: datetime | None
    checked_by: UUID | None
    late: bool
    answers: list[dict[str, Any]]
    abnormal: int
    work_order_id: UUID | None


class TaskDetail(TaskRow):
    point_list: list[TaskPointRow]


class CompletionRow(TypedDict):
    """Completion of an estate's patrols in a month, per route and person (or
    per route, or per person: the other is then null)."""

    estate_id: UUID
    month: str
    route_id: UUID | None
    route_name: str | None
    assignee_id: UUID | None
    assignee_name: str | None
    tasks: int
    points: int
    checked: int
    late: int
    missed: int
    abnormal: int
    completion_rate: Decimal


ROUTE_COLUMNS = ", ".join(RouteRow.__annotations__)
PLAN_COLUMNS = ", ".join(
    f"{user_name('d')} AS assignee_name" if c == "assignee_name" else f"p.{c}"
    for c in PlanRow.__annotations__
)
TASK_COLUMNS = ", ".join(
    f"{user_name('d')} AS assignee_name"
    if c == "assignee_name"
    else (f"{RATE.format(c='t.checked', p='t.points')} AS completion_rate")
    if c == "completion_rate"
    else f"t.{c}"
    for c in TaskRow.__annotations__
)
POINT_COLUMNS = ", ".join(TaskPointRow.__annotations__)
TASKS_FROM = "FROM patrol_tasks t LEFT JOIN user_directory d ON d.user_id = t.assignee_id"


def _all(conn: psycopg.Connection[Any], sql: str, args: list[Any]) -> list[Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, args).fetchall()  # type: ignore[arg-type]


# ---- routes ------------------------------------------------------------------


def routes(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID | None,
    status: str | None,
    after_key: tuple[str, UUID] | None = None,
    limit: int = 1000,
) -> list[RouteRow]:
    """Routes by name (then ID), after ``after_key``."""
    where, args = clause(reach, "estate_id", estate_id=estate_id)
    sql = f"SELECT {ROUTE_COLUMNS} FROM patrol_routes WHERE {where}"
    for column, value in (("estate_id", estate_id), ("status", status)):
        if value is not None:
            sql += f" AND {column} = %s"
            args.append(value)
    if after_key is not None:
        sql += " AND (name, route_id) > (%s, %s)"
        args += after_key
    return cast(
        list[RouteRow], _all(conn, f"{sql} ORDER BY name, route_id LIMIT %s", [*args, limit])
    )


def visible_route(conn: psycopg.Connection[Any], actor: Actor, route_id: UUID) -> RouteRow:
    """The route with its points' codes, if the actor reads its estate's patrols."""
    found = _all(conn, f"SELECT {ROUTE_COLUMNS} FROM patrol_routes WHERE route_id = %s", [route_id])
    if not found:
        raise NotFound(NO_ROUTE)
    actor.check("patrols:read", None, found[0]["estate_id"])
    return cast(RouteRow, found[0])


# ---- plans -------------------------------------------------------------------


def plans(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID | None,
    status: str | None,
    after_key: tuple[str, UUID] | None = None,
    limit: int = 1000,
) -> list[PlanRow]:
    """Plans by name (then ID); a patroller's own plans are theirs to read."""
    where, args = clause(reach, "p.estate_id", ("p.assignee_id",), estate_id=estate_id)
    sql = (
        f"SELECT {PLAN_COLUMNS} FROM patrol_plans p "
        f"LEFT JOIN user_directory d ON d.user_id = p.assignee_id WHERE {where}"
    )
    for column, value in (("p.estate_id", estate_id), ("p.status", status)):
        if value is not None:
            sql += f" AND {column} = %s"
            args.append(value)
    if after_key is not None:
        sql += " AND (p.name, p.plan_id) > (%s, %s)"
        args += after_key
    rows = _all(conn, f"{sql} ORDER BY p.name, p.plan_id LIMIT %s", [*args, limit])
    return cast(list[PlanRow], rows)


def visible_plan(conn: psycopg.Connection[Any], actor: Actor, plan_id: UUID) -> PlanRow:
    found = _all(
        conn,
        f"SELECT {PLAN_COLUMNS} FROM patrol_plans p "
        "LEFT JOIN user_directory d ON d.user_id = p.assignee_id WHERE p.plan_id = %s",
        [plan_id],
    )
    if not found:
        raise NotFound(NO_PLAN)
    actor.check("patrols:read", found[0]["assignee_id"], found[0]["estate_id"])
    return cast(PlanRow, found[0])


# ---- tasks -------------------------------------------------------------------


def tasks(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID | None,
    status: str | None,
    assignee_id: UUID | None,
    before_key: tuple[datetime, UUID] | None = None,
    limit: int = 1000,
) -> list[TaskRow]:
    """Tasks latest shift first; a patroller's own are theirs to read."""
    filters: list[tuple[str, list[Any]]] = []
    for column, value in (
        ("t.estate_id", estate_id),
        ("t.status", status),
        ("t.assignee_id", assignee_id),
    ):
        if value is not None:
            filters.append((f"{column} = %s", [value]))
    if before_key is not None:
        filters.append(("(t.starts_at, t.task_id) < (%s, %s)", list(before_key)))
    statement = page(
        reach,
        f"SELECT {TASK_COLUMNS} {TASKS_FROM}",
        filters,
        alias="t",
        order=("starts_at DESC", "task_id DESC"),
        limit=limit,
        owner_columns=("assignee_id",),
        estate_id=estate_id,
    )
    if statement is None:
        return []
    return cast(list[TaskRow], _all(conn, *statement))


def visible_task(conn: psycopg.Connection[Any], actor: Actor, task_id: UUID) -> TaskDetail:
    """The task and its points in walking order, if the actor may read it."""
    found = _all(conn, f"SELECT {TASK_COLUMNS} {TASKS_FROM} WHERE t.task_id = %s", [task_id])
    if not found:
        raise NotFound(NO_TASK)
    row = found[0]
    actor.check("patrols:read", row["assignee_id"], row["estate_id"])
    points = _all(
        conn,
        f"SELECT {POINT_COLUMNS} FROM patrol_task_points WHERE task_id = %s ORDER BY seq",
        [task_id],
    )
    return cast(TaskDetail, {**row, "point_list": points})


# ---- the report --------------------------------------------------------------

GROUPS = {
    "route_person": ("route_id", "assignee_id"),
    "route": ("route_id",),
    "person": ("assignee_id",),
}


def completion(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID | None,
    month: str | None,
    group: str = "route_person",
    after_key: tuple[str, str, str] | None = None,
    limit: int = 1000,
) -> list[CompletionRow]:
    """Completion rates per month and ``group`` (route and person, route, or
    person), month by month; a patroller reads their own rows."""
    keys = GROUPS[group]
    where, args = clause(reach, "c.estate_id", ("c.assignee_id",), estate_id=estate_id)
    for column, value in (("c.estate_id", estate_id), ("c.month", month)):
        if value is not None:
            where += f" AND {column} = %s"
            args.append(value)
    route = "c.route_id" if "route_id" in keys else "NULL::uuid"
    person = "c.assignee_id" if "assignee_id" in keys else "NULL::uuid"
    name = "max(c.route_name)" if "route_id" in keys else "NULL::text"
    inner = (
        f"SELECT c.estate_id, c.month, {route} AS route_id, {name} AS route_name, "
        f"{person} AS assignee_id, sum(c.tasks)::int AS tasks, sum(c.points)::int AS points, "
        "sum(c.checked)::int AS checked, sum(c.late)::int AS late, "
        "sum(c.missed)::int AS missed, sum(c.abnormal)::int AS abnormal "
        f"FROM patrol_completion c WHERE {where} GROUP BY c.estate_id, c.month, {route}, {person}"
    )
    order = (
        "r.month, r.estate_id::text, "
        "coalesce(r.route_id::text, '') || '/' || coalesce(r.assignee_id::text, '')"
    )
    after = f"WHERE ({order}) > (%s, %s, %s)" if after_key is not None else ""
    if after_key is not None:
        args += after_key
    # The names are looked up for the page's rows only, after its LIMIT.
    name = f"(SELECT {user_name('d')} FROM user_directory d WHERE d.user_id = p.assignee_id)"
    sql = (
        "SELECT p.estate_id, p.month, p.route_id, p.route_name, p.assignee_id, "
        f"{name} AS assignee_name, p.tasks, p.points, p.checked, p.late, p.missed, "
        f"p.abnormal, {RATE.format(c='p.checked', p='p.points')} AS completion_rate "
        f"FROM (SELECT r.* FROM ({inner}) r {after} ORDER BY {order} LIMIT %s) p "
        f"ORDER BY {order.replace('r.', 'p.')}"
    )
    rows = _all(conn, sql, [*args, limit])
    return cast(list[CompletionRow], rows)


def completion_key(row: CompletionRow) -> tuple[str, str, str]:
    """The report's cursor: month, estate, and the group's IDs."""
    route = str(row["route_id"]) if row["route_id"] else ""
    person = str(row["assignee_id"]) if row["assignee_id"] else ""
    return row["month"], str(row["estate_id"]), f"{route}/{person}"


# ---- the jobs' candidates ----------------------------------------------------


class DueWork:
    """The patrols jobs' candidates (``application/patrols/ports.py``)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def active_plans(self) -> list[UUID]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT plan_id FROM patrol_plans WHERE status = 'active' ORDER BY next_shift_on"
            ).fetchall()
        return [plan_id for (plan_id,) in rows]

    def tasks_to_watch(self, now: datetime) -> list[UUID]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT t.task_id FROM patrol_tasks t WHERE t.status = 'open' AND "
                "(t.ends_at <= %s OR EXISTS (SELECT 1 FROM patrol_task_points p "
                "WHERE p.task_id = t.task_id AND p.state = 'pending' AND NOT p.reported_late "
                "AND p.due_by < %s)) ORDER BY t.ends_at",
                [now, now],
            ).fetchall()
        return [task_id for (task_id,) in rows]
