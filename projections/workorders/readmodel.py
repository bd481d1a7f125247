"""The work-order read models: one row per order, its history, and the plans.

``workorders`` serves the lists, the single-order view and the dashboard
(times of every step, SLA deadlines and breach flags); ``workorders_history``
the timeline of one order; ``workorders_plans`` the maintenance-plan list.
Orders opened by a plan are recorded in the plan's row too.
"""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from projections import numbers
from projections.events import as_uuid, kind_of, meta_uuid, occurred_at, payload_of, to_json

DDL = (
    """CREATE TABLE IF NOT EXISTS workorders (
        order_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        unit_id uuid,
        equipment_id uuid,
        title text NOT NULL,
        description text NOT NULL,
        source text NOT NULL,
        source_ref text,
        channel text,
        taken_by uuid,
        status text NOT NULL,
        category text,
        priority text,
        assignee_id uuid,
        requested_by uuid,
        submitted_at timestamptz NOT NULL,
        triaged_at timestamptz,
        assigned_at timestamptz,
        accepted_at timestamptz,
        started_at timestamptz,
        completed_at timestamptz,
        rated_at timestamptz,
        closed_at timestamptz,
        cancelled_at timestamptz,
        respond_by timestamptz,
        resolve_by timestamptz,
        respond_breached boolean NOT NULL DEFAULT false,
        resolve_breached boolean NOT NULL DEFAULT false,
        hold_reason text,
        work_done text,
        parts jsonb NOT NULL DEFAULT '[]',
        labour_hours numeric(10, 2),
        cost numeric(14, 2),
        currency text,
        rating integer,
        rating_comment text,
        reassignments integer NOT NULL DEFAULT 0,
        rejections integer NOT NULL DEFAULT 0,
        reopenings integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL,
        number_year integer,  -- the order's number: projections/numbers.py
        serial integer
    )""",
    numbers.index("workorders"),
    # A page of a scope (an estate, a requester, a technician) in the list's
    # order, the cursor's tie-break included (projections/reach.py: page).
    "CREATE INDEX IF NOT EXISTS workorders_estate_page "
    "ON workorders (estate_id, submitted_at, order_id)",
    "CREATE INDEX IF NOT EXISTS workorders_assignee_page "
    "ON workorders (assignee_id, submitted_at, order_id)",
    "CREATE INDEX IF NOT EXISTS workorders_requester_page "
    "ON workorders (requested_by, submitted_at, order_id)",
    "CREATE INDEX IF NOT EXISTS workorders_open ON workorders (status) "
    "WHERE status NOT IN ('closed', 'cancelled')",
    """CREATE TABLE IF NOT EXISTS workorders_history (
        position bigint PRIMARY KEY,
        order_id uuid NOT NULL,
        version bigint NOT NULL,
        event text NOT NULL,
        at timestamptz NOT NULL,
        actor_id uuid,
        actor_role text,
        payload jsonb NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS workorders_history_order ON workorders_history (order_id, version)",
    """CREATE TABLE IF NOT EXISTS workorders_plans (
        plan_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        title text NOT NULL,
        equipment_id uuid,
        equipment_kind text,
        interval_days integer NOT NULL,
        checklist jsonb NOT NULL,
        team text,
        technician_id uuid,
        priority text NOT NULL,
        next_due_on date NOT NULL,
        status text NOT NULL,
        orders_opened integer NOT NULL DEFAULT 0,
        last_order_id uuid,
        last_due_on date,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS workorders_plans_due ON workorders_plans (next_due_on) "
    "WHERE status = 'active'",
)

# Event name -> (status it leads to, timestamp column it sets).
_STEPS: dict[str, tuple[str | None, str | None]] = {
    "Triaged": ("triaged", "triaged_at"),
    "Assigned": ("assigned", "assigned_at"),
    "Accepted": ("accepted", "accepted_at"),
    "Started": ("in_progress", None),
    "PutOnHold": ("on_hold", None),
    "Resumed": ("in_progress", None),
    "Completed": ("completed", "completed_at"),
    "Rated": ("rated", "rated_at"),
    "Closed": ("closed", "closed_at"),
    "Cancelled": ("cancelled", "cancelled_at"),
    "Rejected": ("triaged", None),
    "Reopened": ("triaged", None),
    "SlaBreached": (None, None),
    "LoggedOnBehalf": (None, None),
}


class WorkOrdersReadModel:
    name = "workorders"
    aggregates = frozenset({"WorkOrder", "MaintenancePlan"})
    tables = ("workorders", "workorders_history", "workorders_plans")
    ddl = DDL

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate == "WorkOrder":
            self._order(cur, event, name, meta, note)
        elif aggregate == "MaintenancePlan":
            self._plan(cur, event, name, note)

    def _order(
        self,
        cur: psycopg.Cursor[Any],
        event: Any,
        name: str,
        meta: dict[str, Any],
        note: Notification,
    ) -> None:
        order_id = as_uuid(note.originator_id)
        at = occurred_at(event)
        cur.execute(
            "INSERT INTO workorders_history (position, order_id, version, event, at, actor_id, "
            "actor_role, payload) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
            [
                note.id,
                order_id,
                note.originator_version,
                name,
                at,
                meta_uuid(meta, "actor_id"),
                meta.get("actor_role"),
                to_json(payload_of(event)),
            ],
        )
        if name == "Submitted":
            year, serial = numbers.next_serial(cur, "workorders", event.estate_id, event.at)
            cur.execute(
                "INSERT INTO workorders (order_id, estate_id, unit_id, equipment_id, title, "
                "description, source, source_ref, channel, status, requested_by, submitted_at, "
                "updated_at, version, number_year, serial) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,'submitted',%s,%s,%s,%s,%s,%s)",
                [
                    order_id,
                    event.estate_id,
                    event.unit_id,
                    event.equipment_id,
                    event.title,
                    event.description,
                    str(event.source),
                    event.source_ref,
                    # a resident's own order came through the app (as the aggregate says)
                    "app" if str(event.source) == "resident" else None,
                    event.requested_by,
                    event.at,
                    at,
                    note.originator_version,
                    year,
                    serial,
                ],
            )
            return
        if name not in _STEPS:
            return
        status, stamp = _STEPS[name]
        sets: dict[str, Any] = {}
        raw: list[str] = []
        if status is not None:
            sets["status"] = status
        if stamp is not None:
            sets[stamp] = event.at
        if name == "Triaged":
            sets |= {
                "category": event.category,
                "priority": event.priority,
                "respond_by": event.respond_by,
                "resolve_by": event.resolve_by,
            }
        elif name == "Assigned":
            sets["assignee_id"] = event.technician_id
            raw.append(
                "reassignments = reassignments + (CASE WHEN assignee_id IS NULL THEN 0 ELSE 1 END)"
            )
        elif name == "Rejected":
            sets["assignee_id"] = None
            raw.append("rejections = rejections + 1")
        elif name == "Started":
            raw.append("started_at = COALESCE(started_at, %(at)s)")
        elif name == "PutOnHold":
            sets["hold_reason"] = event.reason
        elif name == "Resumed":
            sets["hold_reason"] = None
        elif name == "Completed":
            sets |= {
                "work_done": event.work_done,
                "parts": to_json(event.parts),
                "labour_hours": event.labour_hours,
                "cost": event.cost,
                "currency": event.currency,
            }
        elif name == "Rated":
            sets |= {"rating": event.rating, "rating_comment": event.comment}
        elif name == "Reopened":
            sets |= {
                "assignee_id": None,
                "completed_at": None,
                "rated_at": None,
                "closed_at": None,
                "rating": None,
                "rating_comment": None,
            }
            raw.append("reopenings = reopenings + 1")
        elif name == "SlaBreached":
            sets[f"{event.kind}_breached"] = True
        elif name == "LoggedOnBehalf":
            sets |= {"channel": event.channel, "taken_by": event.clerk_id}
        sets["updated_at"] = at
        sets["version"] = note.originator_version
        # Raw fragments read the row before this update (SQL evaluates every
        # SET expression against the old row), which is what they need.
        assignments = [f"{column} = %({column})s" for column in sets] + raw
        cur.execute(
            f"UPDATE workorders SET {', '.join(assignments)} WHERE order_id = %(order_id)s",
            {**sets, "at": getattr(event, "at", at), "order_id": order_id},
        )

    def _plan(self, cur: psycopg.Cursor[Any], event: Any, name: str, note: Notification) -> None:
        plan_id = as_uuid(note.originator_id)
        at = occurred_at(event)
        if name == "Created":
            cur.execute(
                "INSERT INTO workorders_plans (plan_id, estate_id, title, equipment_id, "
                "equipment_kind, interval_days, checklist, team, technician_id, priority, "
                "next_due_on, status, created_at, updated_at, version) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'active',%s,%s,%s)",
                [
                    plan_id,
                    event.estate_id,
                    event.title,
                    event.equipment_id,
                    event.equipment_kind,
                    event.interval_days,
                    to_json(event.checklist),
                    event.team,
                    event.technician_id,
                    str(event.priority),
                    event.first_due_on,
                    at,
                    at,
                    note.originator_version,
                ],
            )
            return
        sets: dict[str, Any] = {}
        raw: list[str] = []
        if name == "Changed":
            for column, value in event.changes.items():
                sets[column] = to_json(value) if column == "checklist" else value
        elif name == "Paused":
            sets["status"] = "paused"
        elif name == "Resumed":
            sets["status"] = "active"
        elif name == "Retired":
            sets["status"] = "retired"
        elif name == "OrderOpened":
            sets |= {
                "next_due_on": event.next_due_on,
                "last_order_id": event.order_id,
                "last_due_on": event.due_on,
            }
            raw.append("orders_opened = orders_opened + 1")
        else:
            return
        sets["updated_at"] = at
        sets["version"] = note.originator_version
        assignments = [f"{column} = %({column})s" for column in sets] + raw
        cur.execute(
            f"UPDATE workorders_plans SET {', '.join(assignments)} WHERE plan_id = %(plan_id)s",
            {**sets, "plan_id": plan_id},
        )
