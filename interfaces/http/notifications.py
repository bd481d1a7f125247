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

from application.notifications import commands as c
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached, serving
from interfaces.http.cursors import decode_cursor
from interfaces.http.problems import Problem
from interfaces.http.schemas import (
    Accepted,
    Command,
    Created,
    Cursor,
    Page,
    Phone,
    Position,
    accepted,
    paged,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.notifications import queries
from projections.notifications.queries import DeliveryRow
from projections.tasks.todo import OpenItem, open_items

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["notifications"])

PriorityName = Literal["low", "normal", "high", "urgent"]
ChannelName = Literal["in_app", "email", "sms"]
Email = Annotated[str, SingleLine(320, pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")]
Limit = Annotated[int, Query(ge=1, le=500)]


# Bodies and views ---------------------------------------------------------------


class PreferencesChange(Command):
    channels: Annotated[list[ChannelName], Field(max_length=3)]
    email: Email | None = None
    phone: Phone | None = None


@from_view(
    queries.Preferences,
    describe={"email": "masked", "phone": "masked"},
    extra={"urgent_note": (str, "urgent notifications go out on every channel with an address")},
)
class PreferencesView(BaseModel):
    pass


@from_view(queries.InboxRow, describe={"id": "the position of the event notified about"})
class InboxItem(BaseModel):
    pass


class MarkRead(Command):
    positions: Annotated[list[Position], Field(min_length=1, max_length=500)]


@from_view(DeliveryRow, describe={"address": "masked"})
class Delivery(BaseModel):
    pass


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


@from_view(queries.ReminderRow)
class ReminderView(BaseModel):
    pass


@from_view(
    OpenItem,
    describe={
        "kind": "workorder | approval | service_request | complaint | patrol_task | meter_round",
        "starts_at": "a patrol task: its shift's start (due_at is the shift's end)",
        "due_on": "a meter round: the date it is due by",
        "done": "a patrol task: points checked; a meter round: meters read",
        "total": "a patrol task: its points; a meter round: its meters",
    },
)
class TaskItem(BaseModel):
    pass


# Inbox --------------------------------------------------------------------------


@router.get("/notifications/inbox")
async def my_inbox(
    request: Request,
    unread_only: bool = False,
    cursor: Cursor = None,
    limit: Limit = 50,
    after: int | None = None,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ_OWN),
) -> Page[InboxItem]:
    """My in-app notifications, newest first."""
    await reached(request, "notification_reads", after)
    rows = await reads.query_off_loop(
        request,
        queries.inbox,
        principal.user_id,
        unread_only=unread_only,
        before=decode_cursor(cursor, int)[0] if cursor else None,
        limit=limit + 1,
    )
    return paged(rows, limit, InboxItem.model_validate, lambda r: (r["id"],))


@router.post("/notifications/inbox/read", response_model=Accepted)
def mark_read(
    body: MarkRead,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_MANAGE_OWN),
) -> Any:
    """Mark notifications of my inbox read; one that is not in my inbox answers 404."""
    cmd = c.MarkRead(principal, tuple(body.positions))
    return accepted(container(request).notifications.mark_read(cmd))


# Preferences --------------------------------------------------------------------


@router.get("/notifications/preferences")
async def my_preferences(
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ_OWN),
) -> PreferencesView:
    """My notification channels, e-mail and phone (masked)."""
    await reached(request, "notification_preferences", after)
    found = await reads.query_off_loop(request, queries.preferences, principal.user_id)
    return PreferencesView.model_validate(
        found or {"channels": ["in_app"], "email": None, "phone": None}
    )


@router.put("/notifications/preferences", response_model=Accepted)
def set_my_preferences(
    body: PreferencesChange,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_MANAGE_OWN),
) -> Any:
    """Choose my channels; ``email`` and ``phone``, when the body names either,
    replace both addresses (a missing one is removed)."""
    cmd = c.ChoosePreferences(
        principal,
        tuple(body.channels),
        email=body.email,
        phone=body.phone,
        contacts_given=bool({"email", "phone"} & body.model_fields_set),
    )
    return accepted(container(request).notifications.choose_preferences(cmd))


# Delivery history ---------------------------------------------------------------


def _deliveries(rows: list[DeliveryRow], limit: int) -> Page[Delivery]:
    return paged(
        rows,
        limit,
        Delivery.model_validate,
        lambda r: (r["position"], r["recipient_id"], r["channel"]),
    )


def _before(cursor: str | None) -> tuple[int, UUID, str] | None:
    return decode_cursor(cursor, int, UUID, str) if cursor else None  # type: ignore[return-value]


@router.get("/notifications/deliveries")
def my_deliveries(
    request: Request,
    cursor: Cursor = None,
    limit: Limit = 100,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ_OWN),
) -> Page[Delivery]:
    """What was sent to me, on which channel, with what outcome, newest first."""
    rows = reads.query(
        request,
        queries.deliveries,
        recipient_id=principal.user_id,
        before=_before(cursor),
        limit=limit + 1,
    )
    return _deliveries(rows, limit)


@router.get("/notifications/deliveries/all")
def all_deliveries(
    request: Request,
    recipient_id: UUID | None = None,
    status_is: Annotated[queries.DeliveryStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ),
) -> Page[Delivery]:
    """Everyone's delivery history (administrators and auditors), newest first."""
    rows = reads.query(
        request,
        queries.deliveries,
        recipient_id=recipient_id,
        status=status_is,
        before=_before(cursor),
        limit=limit + 1,
    )
    return _deliveries(rows, limit)


# Messages and reminders ---------------------------------------------------------


@router.post("/notifications/messages", status_code=status.HTTP_201_CREATED)
def send_message(
    body: NewMessage,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_SEND_ESTATE),
) -> MessageCreated:
    """Send a message to one user, or to every resident of an estate I serve."""
    # Whom the caller may address is read from these read models: a stopped
    # one's rows are stale, so the command answers 503 rather than decide on them.
    if body.estate_id is not None:
        serving(request, "registry")
    else:
        serving(request, "user_directory", "registry")
    message_id, position, recipients = container(request).notifications.send(
        c.SendMessage(actor=principal, **body.model_dump())
    )
    return MessageCreated(id=message_id, position=position, recipients=recipients)


@router.post("/notifications/reminders", status_code=status.HTTP_201_CREATED)
def schedule_reminder(
    body: NewReminder,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_MANAGE_OWN),
) -> Created:
    """Schedule a reminder for myself, or (staff) for a user I may address."""
    if body.user_id not in (None, principal.user_id):
        serving(request, "user_directory", "registry")  # whom the caller may address
    if body.due_at.tzinfo is None:
        raise Problem(422, "due_at: give a time zone (e.g. 2026-01-01T09:00:00Z)")
    reminder_id, position = container(request).notifications.remind(
        c.ScheduleReminder(actor=principal, **body.model_dump())
    )
    return Created(id=reminder_id, position=position)


@router.get("/notifications/reminders")
async def my_reminders(
    request: Request,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    after: int | None = None,
    principal: Principal = requires(Permission.NOTIFICATIONS_READ_OWN),
) -> Page[ReminderView]:
    """My reminders, latest due first."""
    await reached(request, "notification_reminders", after)
    before = decode_cursor(cursor, datetime, UUID) if cursor else None
    rows = await reads.query_off_loop(
        request, queries.reminders_of, principal.user_id, before, limit + 1
    )
    return paged(rows, limit, ReminderView.model_validate, lambda r: (r["due_at"], r["id"]))


@router.post("/notifications/reminders/{reminder_id}/cancel", response_model=Accepted)
def cancel_reminder(
    reminder_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.NOTIFICATIONS_MANAGE_OWN),
) -> Any:
    """Cancel a reminder of mine (or one I scheduled for someone)."""
    cmd = c.CancelReminder(principal, reminder_id)
    return accepted(container(request).notifications.cancel_reminder(cmd))


# To-do list ---------------------------------------------------------------------


@router.get("/tasks/mine")
async def my_tasks(
    request: Request,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    after: int | None = None,
    principal: Principal = requires(Permission.TASKS_READ_OWN),
) -> Page[TaskItem]:
    """Every work item waiting for me, most urgent and soonest due first."""
    await reached(request, "tasks", after)
    item = decode_cursor(cursor, UUID)[0] if cursor else None
    rows = await reads.query_off_loop(request, open_items, principal.user_id, item, limit + 1)
    return paged(rows, limit, TaskItem.model_validate, lambda r: (r["item_id"],))
