"""Notifications (R3.4) and each user's to-do list (R3.2).

Everyone reads their own inbox, preferences, delivery history, reminders and
to-do list; nobody sees another person's (404, as for a missing record).
Administrators read everyone's delivery history; staff send messages to
users and residents of the estates they serve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field, model_validator

from domain.identity.policy import Permission
from interfaces.http.consistency import reached, serving
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Command, Created, Phone, Position, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from projections.tasks.todo import open_items_sql

router = APIRouter(prefix="/api/v1", tags=["notifications"])

PriorityName = Literal["low", "normal", "high", "urgent"]
ChannelName = Literal["in_app", "email", "sms"]
Email = Annotated[str, SingleLine(320, pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")]
Limit = Annotated[int, Query(ge=1, le=500)]


# Bodies and views ---------------------------------------------------------------


class PreferencesChange(Command):
    channels: Annotated[list[ChannelName], Field(max_length=3)]
    email: Email | None = None
    phone: Phone | None = None


class PreferencesView(BaseModel):
    channels: list[str]
    email: str | None = Field(description="masked")
    phone: str | None = Field(description="masked")
    urgent_note: str = "urgent notifications go out on every channel with an address"


class InboxItem(BaseModel):
    id: int = Field(description="the position of the event notified about")
    kind: str
    title: str
    body: str
    priority: str
    estate_id: UUID | None
    subject_id: UUID | None
    delivered_at: datetime
    read: bool


class MarkRead(Command):
    positions: Annotated[list[Position], Field(min_length=1, max_length=500)]


class Delivery(BaseModel):
    position: int
    recipient_id: UUID
    channel: str
    kind: str
    title: str
    priority: str
    status: str
    attempts: int
    detail: str | None
    address: str | None = Field(description="masked")
    created_at: datetime
    finished_at: datetime | None


class NewMessage(Command):
    recipient_id: UUID | None = None
    estate_id: UUID | None = None
    subject: Annotated[str, SingleLine(200)]
    body: Annotated[str, MultiLine(4000)]
    priority: PriorityName = "normal"

    @model_validator(mode="after")
    def _one_audience(self) -> NewMessage:
        if (self.recipient_id is None) == (self.estate_id is None):
            raise ValueError("name exactly one of recipient_id or estate_id")
        return self


class MessageCreated(Accepted):
    id: UUID
    recipients: int


class NewReminder(Command):
    message: Annotated[str, MultiLine(1000)]
    due_at: datetime
    priority: PriorityName = "normal"
    user_id: UUID | None = Field(default=None, description="someone else (staff only)")


class ReminderView(BaseModel):
    id: UUID
    user_id: UUID
    message: str
    priority: str
    due_at: datetime
    status: str
    fired_at: datetime | None


class TaskItem(BaseModel):
    id: UUID
    kind: str = Field(description="workorder | approval | service_request | complaint")
    estate_id: UUID | None
    title: str
    priority: str | None
    due_at: datetime | None
    status: str
    assignee_id: UUID | None
    waiting_for_role: str | None
    level: int | None
    updated_at: datetime


# Inbox --------------------------------------------------------------------------


@router.get("/notifications/inbox")
async def my_inbox(
    request: Request,
    unread_only: bool = False,
    before: int | None = None,
    limit: Limit = 50,
    after: int | None = None,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ_OWN),
) -> list[InboxItem]:
    """My in-app notifications, newest first; ``before`` pages by id."""
    await reached(request, "notification_reads", after)
    sql = (
        "SELECT d.position, d.kind, d.title, d.body, d.priority, d.estate_id, d.subject_id, "
        "d.finished_at, r.position IS NOT NULL FROM notif_deliveries d LEFT JOIN notif_reads r "
        "ON r.user_id = d.recipient_id AND r.position = d.position "
        "WHERE d.recipient_id = %s AND d.channel = 'in_app' AND d.status = 'sent'"
    )
    params: list[Any] = [principal.user_id]
    if unread_only:
        sql += " AND r.position IS NULL"
    if before is not None:
        sql += " AND d.position < %s"
        params.append(before)
    sql += " ORDER BY d.position DESC LIMIT %s"
    params.append(limit)
    with container(request).pool.connection() as conn:
        rows = conn.execute(sql, params).fetchall()
    return [
        InboxItem(
            id=r[0],
            kind=r[1],
            title=r[2],
            body=r[3],
            priority=r[4],
            estate_id=r[5],
            subject_id=r[6],
            delivered_at=r[7],
            read=r[8],
        )
        for r in rows
    ]


@router.post("/notifications/inbox/read", response_model=Accepted)
def mark_read(
    body: MarkRead,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_MANAGE_OWN),
) -> Any:
    """Mark notifications of my inbox read; one that is not in my inbox answers 404."""
    c = container(request)
    wanted = sorted(set(body.positions))
    with c.pool.connection() as conn:
        found = {
            r[0]
            for r in conn.execute(
                "SELECT position FROM notif_deliveries WHERE recipient_id = %s "
                "AND channel = 'in_app' AND position = ANY(%s)",
                [principal.user_id, wanted],
            )
        }
    if found != set(wanted):
        raise Problem(404, "no such notification, or not yours to see")
    return accepted(c.notifications.mark_read(principal.user_id, wanted))


# Preferences --------------------------------------------------------------------


@router.get("/notifications/preferences")
async def my_preferences(
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ_OWN),
) -> PreferencesView:
    await reached(request, "notification_preferences", after)
    with container(request).pool.connection() as conn:
        row = conn.execute(
            "SELECT channels, email_masked, phone_masked FROM notif_preferences WHERE user_id = %s",
            [principal.user_id],
        ).fetchone()
    if row is None:
        return PreferencesView(channels=["in_app"], email=None, phone=None)
    return PreferencesView(channels=list(row[0]), email=row[1], phone=row[2])


@router.put("/notifications/preferences", response_model=Accepted)
def set_my_preferences(
    body: PreferencesChange,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_MANAGE_OWN),
) -> Any:
    """Choose my channels; ``email`` and ``phone``, when the body names either,
    replace both addresses (a missing one is removed)."""
    c = container(request)
    given = bool({"email", "phone"} & body.model_fields_set)
    position = c.notifications.set_preferences(
        principal.user_id,
        list(body.channels),
        email=body.email,
        phone=body.phone,
        contacts_given=given,
    )
    return accepted(position if position is not None else c.event_log.head())


# Delivery history ---------------------------------------------------------------

DELIVERY_COLUMNS = (
    "position, recipient_id, channel, kind, title, priority, status, attempts, detail, "
    "address_masked, created_at, finished_at"
)


def _deliveries(request: Request, where: str, params: list[Any], limit: int) -> list[Delivery]:
    with container(request).pool.connection() as conn:
        rows = conn.execute(
            f"SELECT {DELIVERY_COLUMNS} FROM notif_deliveries WHERE {where} "
            "ORDER BY position DESC, channel LIMIT %s",
            [*params, limit],
        ).fetchall()
    names = [c.strip() for c in DELIVERY_COLUMNS.split(",")]
    out = []
    for row in rows:
        data = dict(zip(names, row, strict=True))
        data["address"] = data.pop("address_masked")
        out.append(Delivery(**data))
    return out


@router.get("/notifications/deliveries")
def my_deliveries(
    request: Request,
    before: int | None = None,
    limit: Limit = 100,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ_OWN),
) -> list[Delivery]:
    """What was sent to me, on which channel, with what outcome."""
    where = "recipient_id = %s"
    params: list[Any] = [principal.user_id]
    if before is not None:
        where += " AND position < %s"
        params.append(before)
    return _deliveries(request, where, params, limit)


@router.get("/notifications/deliveries/all")
def all_deliveries(
    request: Request,
    recipient_id: UUID | None = None,
    status_is: Annotated[str | None, Query(alias="status")] = None,
    before: int | None = None,
    limit: Limit = 100,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ),
) -> list[Delivery]:
    """Everyone's delivery history (administrators and auditors)."""
    clauses: list[str] = ["true"]
    params: list[Any] = []
    if recipient_id is not None:
        clauses.append("recipient_id = %s")
        params.append(recipient_id)
    if status_is is not None:
        clauses.append("status = %s")
        params.append(status_is)
    if before is not None:
        clauses.append("position < %s")
        params.append(before)
    return _deliveries(request, " AND ".join(clauses), params, limit)


# Messages and reminders ---------------------------------------------------------


def _may_address(request: Request, principal: Principal, user_id: UUID) -> None:
    """A staff member may address users of the estates they serve (404 otherwise)."""
    serving(request, "user_directory", "registry")
    with container(request).pool.connection() as conn:
        row = conn.execute(
            "SELECT estates FROM user_directory WHERE user_id = %s AND status <> 'disabled'",
            [user_id],
        ).fetchone()
        if row is None:
            raise Problem(404, "no such user, or not yours to address")
        if principal.may("notifications:send", None, None):
            return
        estates = set(row[0])
        from projections.registry import queries

        estates |= {estate for estate, _ in queries.units_of_user(conn, user_id)}
    if not any(principal.may("notifications:send", None, estate) for estate in estates):
        raise Problem(404, "no such user, or not yours to address")


@router.post("/notifications/messages", status_code=status.HTTP_201_CREATED)
def send_message(
    body: NewMessage,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_SEND_ESTATE),
) -> MessageCreated:
    """Send a message to one user, or to every resident of an estate I serve."""
    c = container(request)
    if body.estate_id is not None:
        principal.check("notifications:send", None, body.estate_id)
        serving(request, "registry")
        recipients = c.notifications.residents_of(body.estate_id)
        if not recipients:
            raise Problem(422, "the estate has no residents with a login account")
    else:
        assert body.recipient_id is not None
        _may_address(request, principal, body.recipient_id)
        recipients = [body.recipient_id]
    message_id, position = c.notifications.send_message(
        principal.user_id,
        recipients,
        body.subject,
        body.body,
        body.priority,
        estate_id=body.estate_id,
    )
    return MessageCreated(id=message_id, position=position, recipients=len(recipients))


@router.post("/notifications/reminders", status_code=status.HTTP_201_CREATED)
def schedule_reminder(
    body: NewReminder,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_MANAGE_OWN),
) -> Created:
    """Schedule a reminder for myself, or (staff) for a user I may address."""
    user_id = body.user_id or principal.user_id
    if user_id != principal.user_id:
        _may_address(request, principal, user_id)
    if body.due_at.tzinfo is None:
        raise Problem(422, "due_at: give a time zone (e.g. 2026-01-01T09:00:00Z)")
    reminder_id, position = container(request).notifications.schedule_reminder(
        user_id, body.message, body.due_at, body.priority, scheduled_by=principal.user_id
    )
    return Created(id=reminder_id, position=position)


@router.get("/notifications/reminders")
async def my_reminders(
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ_OWN),
) -> list[ReminderView]:
    await reached(request, "notification_reminders", after)
    with container(request).pool.connection() as conn:
        rows = conn.execute(
            "SELECT reminder_id, user_id, message, priority, due_at, status, fired_at "
            "FROM notif_reminders WHERE user_id = %s ORDER BY due_at DESC LIMIT 500",
            [principal.user_id],
        ).fetchall()
    return [
        ReminderView(
            id=r[0],
            user_id=r[1],
            message=r[2],
            priority=r[3],
            due_at=r[4],
            status=r[5],
            fired_at=r[6],
        )
        for r in rows
    ]


@router.post("/notifications/reminders/{reminder_id}/cancel", response_model=Accepted)
def cancel_reminder(
    reminder_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_MANAGE_OWN),
) -> Any:
    """Cancel a reminder of mine (or one I scheduled for someone)."""
    c = container(request)
    reminder = c.notifications.reminder(reminder_id)
    if reminder is None:
        raise Problem(404, "no such record, or not yours to see")
    principal.check("notifications:manage", {reminder.user_id, reminder.scheduled_by})
    return accepted(c.notifications.cancel_reminder(reminder_id))


# To-do list ---------------------------------------------------------------------


@router.get("/tasks/mine")
async def my_tasks(
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.TASKS_READ_OWN),
) -> list[TaskItem]:
    """Every work item waiting for me, most urgent and soonest due first."""
    await reached(request, "tasks", after)
    with container(request).pool.connection() as conn:
        rows = conn.execute(open_items_sql(), {"me": principal.user_id}).fetchall()
    return [
        TaskItem(
            id=r[0],
            kind=r[1],
            estate_id=r[2],
            title=r[3],
            priority=r[4],
            due_at=r[5],
            status=r[6],
            assignee_id=r[7],
            waiting_for_role=r[8],
            level=r[9],
            updated_at=r[10],
        )
        for r in rows
    ]
