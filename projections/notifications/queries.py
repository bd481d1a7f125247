"""Queries of the notification read models (``settings.py`` and the outbox's
``notif_deliveries``) for a user's own inbox, preferences, deliveries and
reminders. Rows are typed views keyed as the API names the fields (``id``,
``address``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, TypedDict, cast
from uuid import UUID

import psycopg

from projections.records import fetched
from projections.registry import queries as registry

DELIVERY_COLUMNS = (
    "position",
    "recipient_id",
    "channel",
    "kind",
    "title",
    "priority",
    "status",
    "attempts",
    "detail",
    "address_masked AS address",
    "created_at",
    "finished_at",
)
REMINDER_COLUMNS = (
    "reminder_id AS id",
    "user_id",
    "message",
    "priority",
    "due_at",
    "status",
    "fired_at",
)


#: A delivery's states, as the outbox writes them (``infrastructure/notifications.py``):
#: waiting or retrying, sent, skipped (no address), failed (given up).
DeliveryStatus = Literal["pending", "sent", "skipped", "failed"]


class DeliveryRow(TypedDict):
    position: int
    recipient_id: UUID
    channel: str
    kind: str
    title: str
    priority: str
    status: str
    attempts: int
    detail: str | None
    address: str | None  # masked
    created_at: datetime
    finished_at: datetime | None


class ReminderRow(TypedDict):
    id: UUID
    user_id: UUID
    message: str
    priority: str
    due_at: datetime
    status: str
    fired_at: datetime | None


class InboxRow(TypedDict):
    id: int  # the position of the event notified about
    kind: str
    title: str
    body: str
    priority: str
    estate_id: UUID | None
    subject_id: UUID | None
    delivered_at: datetime  # the finish of a delivery sent
    read: bool


class Preferences(TypedDict):
    channels: list[str]
    email: str | None  # masked
    phone: str | None  # masked


INBOX_COLUMNS = (
    "id",
    "kind",
    "title",
    "body",
    "priority",
    "estate_id",
    "subject_id",
    "delivered_at",
    "read",
)


def inbox(
    conn: psycopg.Connection[Any],
    user_id: UUID,
    *,
    unread_only: bool = False,
    before: int | None = None,
    limit: int = 50,
) -> list[InboxRow]:
    """The user's in-app notifications, newest first; ``before`` pages by position."""
    sql = (
        "SELECT d.position, d.kind, d.title, d.body, d.priority, d.estate_id, d.subject_id, "
        "d.finished_at, r.position IS NOT NULL FROM notif_deliveries d LEFT JOIN notif_reads r "
        "ON r.user_id = d.recipient_id AND r.position = d.position "
        "WHERE d.recipient_id = %s AND d.channel = 'in_app' AND d.status = 'sent'"
    )
    params: list[Any] = [user_id]
    if unread_only:
        sql += " AND r.position IS NULL"
    if before is not None:
        sql += " AND d.position < %s"
        params.append(before)
    rows = conn.execute(sql + " ORDER BY d.position DESC LIMIT %s", [*params, limit]).fetchall()  # type: ignore[arg-type]
    return cast(list[InboxRow], [dict(zip(INBOX_COLUMNS, r, strict=True)) for r in rows])


def in_inbox(conn: psycopg.Connection[Any], user_id: UUID, positions: Sequence[int]) -> set[int]:
    rows = conn.execute(
        "SELECT position FROM notif_deliveries WHERE recipient_id = %s "
        "AND channel = 'in_app' AND position = ANY(%s)",
        [user_id, list(positions)],
    )
    return {r[0] for r in rows}


def read_of(conn: psycopg.Connection[Any], user_id: UUID, positions: Sequence[int]) -> set[int]:
    rows = conn.execute(
        "SELECT position FROM notif_reads WHERE user_id = %s AND position = ANY(%s)",
        [user_id, list(positions)],
    )
    return {r[0] for r in rows}


def preferences(conn: psycopg.Connection[Any], user_id: UUID) -> Preferences | None:
    """The user's channels and masked addresses; None if never chosen."""
    row = conn.execute(
        "SELECT channels, email_masked, phone_masked FROM notif_preferences WHERE user_id = %s",
        [user_id],
    ).fetchone()
    if row is None:
        return None
    return {"channels": list(row[0]), "email": row[1], "phone": row[2]}


def deliveries(
    conn: psycopg.Connection[Any],
    *,
    recipient_id: UUID | None = None,
    status: str | None = None,
    before: tuple[int, UUID, str] | None = None,
    limit: int = 100,
) -> list[DeliveryRow]:
    """Delivery history (of one recipient, or everyone's), newest first (then
    recipient, channel: one event reaches many), after the key ``before``."""
    clauses: list[str] = ["true"]
    params: list[Any] = []
    for condition, value in (("recipient_id = %s", recipient_id), ("status = %s", status)):
        if value is not None:
            clauses.append(condition)
            params.append(value)
    # One recipient's page is read off (recipient_id, position, channel),
    # everyone's off the primary key (position, recipient_id, channel).
    key = ("position", "channel") if recipient_id else ("position", "recipient_id", "channel")
    if before is not None:
        clauses.append(f"({', '.join(key)}) < ({', '.join(['%s'] * len(key))})")
        params += [before[0], before[2]] if recipient_id else list(before)
    order = ", ".join(f"{column} DESC" for column in key)
    cur = conn.execute(
        f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM notif_deliveries "  # type: ignore[arg-type]
        f"WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT %s",
        [*params, limit],
    )
    return fetched(cur, DeliveryRow)


def reminders_of(
    conn: psycopg.Connection[Any],
    user_id: UUID,
    before: tuple[datetime, UUID] | None = None,
    limit: int = 500,
) -> list[ReminderRow]:
    """The user's reminders, latest due first (then ID), after the key ``before``."""
    after = "AND (due_at, reminder_id) < (%s, %s) " if before else ""
    cur = conn.execute(
        f"SELECT {', '.join(REMINDER_COLUMNS)} FROM notif_reminders "  # type: ignore[arg-type]
        f"WHERE user_id = %s {after}ORDER BY due_at DESC, reminder_id DESC LIMIT %s",
        [user_id, *(before or ()), limit],
    )
    return fetched(cur, ReminderRow)


def due_reminders(conn: psycopg.Connection[Any], now: datetime, limit: int) -> list[UUID]:
    rows = conn.execute(
        "SELECT reminder_id FROM notif_reminders WHERE status = 'scheduled' "
        "AND due_at <= %s ORDER BY due_at LIMIT %s",
        [now, limit],
    ).fetchall()
    return [r[0] for r in rows]


def addressee_estates(conn: psycopg.Connection[Any], user_id: UUID) -> frozenset[UUID] | None:
    """The estates an active user serves (the user directory) or lives in (the
    registry); None if there is no such user or they are disabled."""
    row = conn.execute(
        "SELECT estates FROM user_directory WHERE user_id = %s AND status <> 'disabled'",
        [user_id],
    ).fetchone()
    if row is None:
        return None
    homes = {estate for estate, _ in registry.units_of_user(conn, user_id)}
    return frozenset(row[0]) | homes
