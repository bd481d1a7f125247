"""Queries over the work-order read models: lists, one order, history, dashboard.

Lists take the actor's :class:`~application.actor.Reach` (rendered by
``projections/reach.py``), so they show only the rows the caller may see; one
order or plan is looked up for an actor and is missing (404) to a caller who
may not see it, as a record of another estate must be. Rows come back as
typed views of the tables (``OrderRow``, ``PlanRow``, ``HistoryRow``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from application.actor import Actor, Reach
from application.workorders.service import NO_ORDER, NO_PLAN, NotFound
from projections import numbers
from projections.reach import clause, page

# who makes an order one's own: its requester and its technician
OWNER_COLUMNS = ("requested_by", "assignee_id")

OPEN = ("submitted", "triaged", "assigned", "accepted", "in_progress", "on_hold")

ORDER_COLUMNS = (
    "order_id, estate_id, unit_id, equipment_id, title, description, source, source_ref, "
    "channel, taken_by, status, category, priority, assignee_id, requested_by, submitted_at, "
    "triaged_at, assigned_at, accepted_at, started_at, completed_at, rated_at, closed_at, "
    "cancelled_at, respond_by, resolve_by, respond_breached, resolve_breached, hold_reason, "
    "work_done, parts, labour_hours, cost, currency, rating, rating_comment, reassignments, "
    "rejections, reopenings, updated_at, version, " + numbers.said("o", "WO")
    # read from "workorders o": the number's estate code comes from the registry
)

PLAN_COLUMNS = (
    "plan_id, estate_id, title, equipment_id, equipment_kind, interval_days, checklist, team, "
    "technician_id, priority, next_due_on, status, orders_opened, last_order_id, last_due_on, "
    "created_at, updated_at, version"
)


class OrderRow(TypedDict):
    order_id: UUID
    number: str | None  # HVG-WO-2026-000123 (decision 0050)
    estate_id: UUID
    unit_id: UUID | None
    equipment_id: UUID | None
    title: str
    description: str
    source: str
    source_ref: str | None
    channel: str | None  # app, phone or visit: how a resident's request came
    taken_by: UUID | None  # the clerk who logged it for the resident
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


class HistoryRow(TypedDict):
    position: int
    version: int
    event: str
    at: datetime
    actor_id: UUID | None
    actor_role: str | None
    payload: dict[str, Any]


class PlanRow(TypedDict):
    plan_id: UUID
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


class OpenCount(TypedDict):
    status: str
    priority: str  # "untriaged" until triage sets one
    n: int


class SlaFigures(TypedDict):
    met: int
    missed: int
    compliance_pct: float | None  # None: nothing counted yet


class DashboardView(TypedDict):
    open_total: int
    open_by_status: dict[str, int]
    open_by_priority: dict[str, int]
    open_by_status_and_priority: list[OpenCount]
    submitted_in_period: int
    respond_sla: SlaFigures
    resolve_sla: SlaFigures
    mean_time_to_respond_minutes: float | None
    mean_time_to_resolve_hours: float | None
    mean_rating: float | None


def order(conn: psycopg.Connection[Any], order_id: UUID) -> OrderRow | None:
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(
            f"SELECT {ORDER_COLUMNS} FROM workorders o WHERE order_id = %s", [order_id]
        ).fetchone()
    return cast(OrderRow | None, found)


def visible_order(conn: psycopg.Connection[Any], actor: Actor, order_id: UUID) -> OrderRow:
    """The order's row, if the actor may see it (its estate's staff, requester, assignee)."""
    row = order(conn, order_id)
    if row is None:
        raise NotFound(NO_ORDER)
    owners = {o for o in (row["requested_by"], row["assignee_id"]) if o is not None}
    actor.check("workorders:read", owners, row["estate_id"])
    return row


def orders(
    conn: psycopg.Connection[Any],
    reach: Reach,
    filters: dict[str, Any],
    limit: int,
    before: datetime | None,
    before_order: UUID | None = None,
) -> list[OrderRow]:
    """Newest first (submitted at, then order ID, descending); ``filters``
    maps a column to the value it must equal. The cursor is the last row's
    ``(before, before_order)``; ``before`` alone, the older form, pages by
    time only (an order submitted at the same instant as the cursor's is
    skipped)."""
    where: list[tuple[str, list[Any]]] = []
    for column, value in filters.items():
        if value is None:
            continue
        if column == "mine":
            where.append(("(o.requested_by = %s OR o.assignee_id = %s)", [value, value]))
        elif column == "number":
            where.append(numbers.matching("o", "WO", value))
        elif column == "open":
            negate = "" if value else "NOT "
            where.append((f"{negate}o.status = ANY(%s)", [list(OPEN)]))
        else:
            where.append((f"o.{column} = %s", [value]))
    if before is not None and before_order is not None:
        where.append(("(o.submitted_at, o.order_id) < (%s, %s)", [before, before_order]))
    elif before is not None:
        where.append(("o.submitted_at < %s", [before]))
    statement = page(
        reach,
        f"SELECT {ORDER_COLUMNS} FROM workorders o",
        where,
        alias="o",
        order=("submitted_at DESC", "order_id DESC"),
        limit=limit,
        owner_columns=OWNER_COLUMNS,
        estate_id=filters.get("estate_id"),
    )
    if statement is None:
        return []
    sql, args = statement
    with conn.cursor(row_factory=dict_row) as cur:
        return cast(list[OrderRow], cur.execute(sql, args).fetchall())  # type: ignore[arg-type]


def history(
    conn: psycopg.Connection[Any], order_id: UUID, after_version: int = 0, limit: int = 1000
) -> list[HistoryRow]:
    """The order's events oldest first, after its version ``after_version``."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT position, version, event, at, actor_id, actor_role, payload "
            "FROM workorders_history WHERE order_id = %s AND version > %s "
            "ORDER BY version LIMIT %s",
            [order_id, after_version, limit],
        ).fetchall()
    return cast(list[HistoryRow], rows)


def dashboard(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID | None,
    since: datetime | None,
    until: datetime | None,
) -> DashboardView:
    """Open orders by status and priority, SLA compliance and mean times.

    Compliance and mean times cover orders submitted in [since, until); an
    order counts towards "respond" once started or breached, towards
    "resolve" once completed or breached.
    """
    where, params = clause(reach, "estate_id", OWNER_COLUMNS)
    scope = [where]
    args = list(params)
    if estate_id is not None:
        scope.append("estate_id = %s")
        args.append(estate_id)
    scoped = " AND ".join(scope)
    period = [scoped]
    period_args = list(args)
    if since is not None:
        period.append("submitted_at >= %s")
        period_args.append(since)
    if until is not None:
        period.append("submitted_at < %s")
        period_args.append(until)
    with conn.cursor(row_factory=dict_row) as cur:
        open_rows = cur.execute(
            f"SELECT status, coalesce(priority, 'untriaged') AS priority, count(*) AS n "
            f"FROM workorders WHERE {scoped} AND status = ANY(%s) "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            [*args, list(OPEN)],
        ).fetchall()
        stats = cur.execute(
            "SELECT count(*) AS submitted,"
            " count(*) FILTER (WHERE started_at <= respond_by AND NOT respond_breached)"
            "   AS respond_met,"
            " count(*) FILTER (WHERE respond_breached OR started_at > respond_by)"
            "   AS respond_missed,"
            " count(*) FILTER (WHERE completed_at <= resolve_by AND NOT resolve_breached)"
            "   AS resolve_met,"
            " count(*) FILTER (WHERE resolve_breached OR completed_at > resolve_by)"
            "   AS resolve_missed,"
            " avg(extract(epoch FROM started_at - submitted_at)) AS respond_seconds,"
            " avg(extract(epoch FROM completed_at - submitted_at)) AS resolve_seconds,"
            " avg(rating) AS mean_rating"
            f" FROM workorders WHERE {' AND '.join(period)}",
            period_args,
        ).fetchone()
    assert stats is not None
    by_status: dict[str, int] = {}
    by_priority: dict[str, int] = {}
    for row in open_rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_priority[row["priority"]] = by_priority.get(row["priority"], 0) + row["n"]

    def pct(met: int, missed: int) -> float | None:
        return round(100.0 * met / (met + missed), 1) if met + missed else None

    def num(value: Any) -> float | None:
        return round(float(value), 1) if value is not None else None

    return {
        "open_total": sum(by_status.values()),
        "open_by_status": by_status,
        "open_by_priority": by_priority,
        "open_by_status_and_priority": [cast(OpenCount, dict(r)) for r in open_rows],
        "submitted_in_period": stats["submitted"],
        "respond_sla": {
            "met": stats["respond_met"],
            "missed": stats["respond_missed"],
            "compliance_pct": pct(stats["respond_met"], stats["respond_missed"]),
        },
        "resolve_sla": {
            "met": stats["resolve_met"],
            "missed": stats["resolve_missed"],
            "compliance_pct": pct(stats["resolve_met"], stats["resolve_missed"]),
        },
        "mean_time_to_respond_minutes": num(
            stats["respond_seconds"] / 60 if stats["respond_seconds"] is not None else None
        ),
        "mean_time_to_resolve_hours": num(
            stats["resolve_seconds"] / 3600 if stats["resolve_seconds"] is not None else None
        ),
        "mean_rating": num(stats["mean_rating"]),
    }


def plans(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID | None,
    status: str | None,
    after_key: tuple[date, str, UUID] | None = None,
    limit: int = 1000,
) -> list[PlanRow]:
    """Plans soonest due first (then title, ID), after the key ``after_key``.
    A company's plans are few (they do not grow with the log): no index."""
    where, params = clause(reach, "estate_id")
    sql = f"SELECT {PLAN_COLUMNS} FROM workorders_plans WHERE {where}"
    args = list(params)
    if estate_id is not None:
        sql += " AND estate_id = %s"
        args.append(estate_id)
    if status is not None:
        sql += " AND status = %s"
        args.append(status)
    if after_key is not None:
        sql += " AND (next_due_on, title, plan_id) > (%s, %s, %s)"
        args += after_key
    sql += " ORDER BY next_due_on, title, plan_id LIMIT %s"
    args.append(limit)
    with conn.cursor(row_factory=dict_row) as cur:
        return cast(list[PlanRow], cur.execute(sql, args).fetchall())  # type: ignore[arg-type]


def plan(conn: psycopg.Connection[Any], plan_id: UUID) -> PlanRow | None:
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(
            f"SELECT {PLAN_COLUMNS} FROM workorders_plans WHERE plan_id = %s", [plan_id]
        ).fetchone()
    return cast(PlanRow | None, found)


def visible_plan(conn: psycopg.Connection[Any], actor: Actor, plan_id: UUID) -> PlanRow:
    """The plan's row, if the actor may read its estate's plans."""
    row = plan(conn, plan_id)
    if row is None:
        raise NotFound(NO_PLAN)
    actor.check("maintenance:read", None, row["estate_id"])
    return row


class DueWork:
    """The workorders jobs' candidates (``application/workorders/ports.py``)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def sla_breach_candidates(self, now: datetime) -> list[UUID]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT order_id FROM workorders WHERE status = ANY(%s) AND ("
                " (respond_by < %s AND started_at IS NULL AND NOT respond_breached)"
                " OR (resolve_by < %s AND NOT resolve_breached)) ORDER BY submitted_at",
                [list(OPEN), now, now],
            ).fetchall()
        return [order_id for (order_id,) in rows]

    def due_plans(self, today: date) -> list[UUID]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT plan_id FROM workorders_plans WHERE status = 'active' "
                "AND next_due_on <= %s ORDER BY next_due_on",
                [today],
            ).fetchall()
        return [plan_id for (plan_id,) in rows]
