"""Each user's to-do list (R3.2): every work item waiting for them.

One row per work item: a work order assigned to a technician (due by its SLA),
an approval level waiting for a role in an estate (or for the user it was
delegated to), a service request or complaint assigned to someone, a patrol
task or a meter-reading round (``rounds.py``). A row is
open while the item waits on its assignee; it closes when the item is done,
and a reassignment moves it. Built only from events, by ``kind_of``; events
it does not know leave it unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification
from psycopg.types.json import Jsonb

from projections.events import as_uuid, kind_of, occurred_at
from projections.notifications.rules import APPROVAL_AGGREGATES, approval_step, approval_waiting
from projections.tasks import rounds

# Service requests and complaints (the community context). Read generically
# by field name, so a new event of theirs that assigns or finishes an item
# works without a change here.
REQUEST_AGGREGATES = ("ServiceRequest", "Complaint")
ASSIGNEE_FIELDS = ("assignee_id", "handler_id", "technician_id", "assigned_to")
DONE_EVENTS = frozenset(
    {
        "Completed",
        "Done",
        "Closed",
        "Resolved",
        "Confirmed",
        "Cancelled",
        "Declined",
        "Rejected",
        "Withdrawn",
    }
)
# Events that take the item away from its assignee until someone is assigned again.
UNASSIGNING_EVENTS = frozenset({"Reopened"})
# An escalated complaint waits for the estate's property managers to take it on.
ESCALATED_TO = "property_manager"
ORDER_DONE = frozenset({"Completed", "Closed", "Rejected", "Cancelled"})


class TodoList:
    name = "tasks"
    aggregates = frozenset(
        {
            "WorkOrder",
            *APPROVAL_AGGREGATES,
            *REQUEST_AGGREGATES,
            *rounds.PATROL_AGGREGATES,
            *rounds.ROUND_AGGREGATES,
        }
    )
    tables = ("tasks_items", "tasks_round_meters")
    ddl = (
        """CREATE TABLE IF NOT EXISTS tasks_items (
            item_id uuid PRIMARY KEY,
            kind text NOT NULL,
            estate_id uuid,
            title text NOT NULL DEFAULT '',
            priority text,
            due_at timestamptz,
            status text NOT NULL,
            is_open boolean NOT NULL DEFAULT false,
            assignee_id uuid,
            role text,
            level int,
            requested_by uuid,
            state jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            starts_at timestamptz,
            due_on date,
            done int,
            total int
        )""",
        "CREATE INDEX IF NOT EXISTS tasks_items_assignee ON tasks_items (assignee_id) "
        "WHERE is_open",
        "CREATE INDEX IF NOT EXISTS tasks_items_role ON tasks_items (role, estate_id) "
        "WHERE is_open AND assignee_id IS NULL",
        *rounds.DDL,
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate == "WorkOrder":
            self._order(cur, as_uuid(note.originator_id), name, event)
        elif aggregate in APPROVAL_AGGREGATES:
            self._approval(cur, as_uuid(note.originator_id), name, event)
        elif aggregate in REQUEST_AGGREGATES:
            self._request(cur, as_uuid(note.originator_id), aggregate, name, event)
        elif aggregate in rounds.PATROL_AGGREGATES:
            rounds.patrol_task(cur, as_uuid(note.originator_id), name, event)
        elif aggregate in rounds.ROUND_AGGREGATES:
            rounds.reading_round(cur, as_uuid(note.originator_id), name, event)

    # Work orders --------------------------------------------------------------

    def _order(self, cur: psycopg.Cursor[Any], oid: UUID, name: str, event: Any) -> None:
        at = occurred_at(event)
        if name == "Submitted":
            cur.execute(
                "INSERT INTO tasks_items (item_id, kind, estate_id, title, status, "
                "requested_by, created_at, updated_at) VALUES (%s,'workorder',%s,%s,'submitted',"
                "%s,%s,%s) ON CONFLICT DO NOTHING",
                [oid, event.estate_id, event.title, event.requested_by, at, at],
            )
            return
        row = cur.execute("SELECT state FROM tasks_items WHERE item_id = %s", [oid]).fetchone()
        if row is None:
            return
        state = dict(row[0])
        sets: dict[str, Any] = {"updated_at": at}
        if name == "Triaged":
            state["respond_by"] = _iso(event.respond_by)
            state["resolve_by"] = _iso(event.resolve_by)
            sets["priority"] = _text(event.priority)
            if not state.get("accepted"):
                sets["due_at"] = event.respond_by or event.resolve_by
            sets["status"] = "triaged"
        elif name == "Assigned":
            state["accepted"] = False
            sets.update(
                assignee_id=event.technician_id,
                is_open=True,
                status="assigned",
                due_at=state.get("respond_by") or state.get("resolve_by"),
            )
        elif name in ("Accepted", "Started", "Resumed"):
            state["accepted"] = True
            sets.update(
                status={"Accepted": "accepted", "Started": "in_progress"}.get(name, "in_progress"),
                due_at=state.get("resolve_by"),
            )
        elif name == "PutOnHold":
            sets["status"] = "on_hold"
        elif name in ORDER_DONE:
            sets.update(status=name.lower(), is_open=False)
        elif name == "Reopened":
            # A reopened order goes back to triage: off the last technician's
            # list until someone is assigned again.
            state["accepted"] = False
            sets.update(status="reopened", is_open=False, assignee_id=None)
        elif name == "SlaBreached":
            state.setdefault("breaches", []).append(_text(event.kind))
        else:
            return
        sets["state"] = Jsonb(state)
        _update(cur, oid, sets)

    # Approvals ----------------------------------------------------------------

    def _approval(self, cur: psycopg.Cursor[Any], aid: UUID, name: str, event: Any) -> None:
        at = occurred_at(event)
        if name == "Opened":
            urgency = _text(getattr(event, "urgency", "normal"))
            cur.execute(
                "INSERT INTO tasks_items (item_id, kind, estate_id, title, priority, status, "
                "requested_by, created_at, updated_at) VALUES (%s,'approval',%s,%s,%s,'pending',"
                "%s,%s,%s) ON CONFLICT DO NOTHING",
                [aid, event.estate_id, event.summary, urgency, event.requested_by, at, at],
            )
        row = cur.execute("SELECT state FROM tasks_items WHERE item_id = %s", [aid]).fetchone()
        if row is None:
            return
        state = dict(row[0])
        approval_step(state, name, event)
        waiting = approval_waiting(state)
        sets: dict[str, Any] = {
            "state": Jsonb(state),
            "status": state.get("status", "pending"),
            "is_open": waiting is not None,
            "assignee_id": waiting.delegate if waiting else None,
            "role": waiting.role if waiting else None,
            "level": waiting.level if waiting else None,
            "updated_at": at,
        }
        if name == "Resubmitted":
            sets["title"] = event.summary
        _update(cur, aid, sets)

    # Service requests and complaints ------------------------------------------

    def _request(
        self, cur: psycopg.Cursor[Any], rid: UUID, aggregate: str, name: str, event: Any
    ) -> None:
        at = occurred_at(event)
        kind = "complaint" if aggregate == "Complaint" else "service_request"
        title = _field(event, "title", "subject", "description")
        cur.execute(
            "INSERT INTO tasks_items (item_id, kind, estate_id, title, status, requested_by, "
            "created_at, updated_at) VALUES (%s,%s,%s,%s,'open',%s,%s,%s) ON CONFLICT DO NOTHING",
            [
                rid,
                kind,
                getattr(event, "estate_id", None),
                str(title or kind.replace("_", " "))[:200],
                _field(event, "requested_by", "complainant_id", "submitted_by"),
                at,
                at,
            ],
        )
        sets: dict[str, Any] = {"updated_at": at, "status": _snake(name)}
        assignee = _field(event, *ASSIGNEE_FIELDS)
        if assignee is not None:
            sets.update(assignee_id=assignee, is_open=True, role=None)
        priority = _field(event, "priority", "urgency")
        if priority is not None:
            sets["priority"] = _text(priority)
        due = next(
            (
                value
                for f in ("due_at", "due_by", "scheduled_for", "resolve_by", "respond_by")
                if isinstance(value := getattr(event, f, None), datetime)
            ),
            None,
        )
        if due is not None:
            sets["due_at"] = due
        if name in DONE_EVENTS:
            sets.update(is_open=False, role=None)
        elif name == "Escalated":
            sets.update(is_open=True, assignee_id=None, role=ESCALATED_TO)
        elif name in UNASSIGNING_EVENTS:
            sets.update(is_open=False, assignee_id=None)
        _update(cur, rid, sets)


def _update(cur: psycopg.Cursor[Any], item_id: UUID, sets: dict[str, Any]) -> None:
    columns = ", ".join(f"{column} = %s" for column in sets)
    cur.execute(f"UPDATE tasks_items SET {columns} WHERE item_id = %s", [*sets.values(), item_id])


def _field(event: Any, *names: str) -> Any:
    """The first of ``names`` the event has a value for."""
    for name in names:
        value = getattr(event, name, None)
        if value is not None:
            return value
    return None


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class OpenItem(TypedDict):
    """An open item, keyed as the API names the fields."""

    id: UUID
    kind: str
    estate_id: UUID | None
    title: str
    priority: str | None
    due_at: datetime | None
    status: str
    assignee_id: UUID | None
    waiting_for_role: str | None
    level: int | None
    updated_at: datetime
    starts_at: datetime | None
    due_on: date | None
    done: int | None
    total: int | None


OPEN_ITEM_COLUMNS = (
    "id",
    "kind",
    "estate_id",
    "title",
    "priority",
    "due_at",
    "status",
    "assignee_id",
    "waiting_for_role",
    "level",
    "updated_at",
    "starts_at",
    "due_on",
    "done",
    "total",
)


def open_items(
    conn: psycopg.Connection[Any], user_id: UUID, after_item: UUID | None = None, limit: int = 500
) -> list[OpenItem]:
    """The user's open items: assigned to them, or waiting for a role they hold
    in an estate they serve (never their own approval requests); most urgent
    and soonest due first, after the item ``after_item`` (none after an item
    that is closed or gone)."""
    sql = open_items_sql(paged=True)
    rows = conn.execute(sql, {"me": user_id, "after": after_item, "limit": limit}).fetchall()
    return cast(list[OpenItem], [dict(zip(OPEN_ITEM_COLUMNS, r, strict=True)) for r in rows])


# The to-do list's order, a row comparison: most urgent, soonest due, least recently changed.
TODO_KEY = (
    "(CASE {t}.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 2 END, coalesce({t}.due_at, 'infinity'), {t}.updated_at, {t}.item_id)"
)


def open_items_sql(paged: bool = False) -> str:
    """The query of :func:`open_items`, with the user as ``%(me)s``; ``paged``:
    after the item ``%(after)s`` (if not null), ``%(limit)s`` of them."""
    last = f"SELECT {TODO_KEY.format(t='c')[1:-1]} FROM tasks_items c WHERE c.item_id = %(after)s"
    after = f"AND ({TODO_KEY.format(t='t')} > ({last}) OR %(after)s::text IS NULL) "
    return (
        "SELECT t.item_id, t.kind, t.estate_id, t.title, t.priority, t.due_at, t.status, "
        "t.assignee_id, t.role, t.level, t.updated_at, t.starts_at, t.due_on, t.done, t.total "
        "FROM tasks_items t "
        "WHERE t.is_open AND (t.assignee_id = %(me)s OR (t.assignee_id IS NULL "
        "AND t.role IS NOT NULL AND t.requested_by IS DISTINCT FROM %(me)s AND EXISTS ("
        "SELECT 1 FROM user_directory u WHERE u.user_id = %(me)s AND u.status <> 'disabled' "
        "AND t.role = ANY(u.roles) AND (t.estate_id IS NULL OR t.estate_id = ANY(u.estates))))) "
        + (after if paged else "")
        + f"ORDER BY {TODO_KEY.format(t='t')[1:-1]}"
        + (" LIMIT %(limit)s" if paged else "")
    )
