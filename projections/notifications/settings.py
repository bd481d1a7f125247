"""Preferences and reminders as read models, and which user reads what."""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from domain.identity.masking import mask_phone
from projections.events import as_uuid, kind_of, occurred_at


def mask_email(value: str | None) -> str | None:
    """``li.na@example.com`` -> ``l****@example.com``."""
    if not value:
        return None
    local, at, domain = value.partition("@")
    return (local[:1] + "****" + at + domain) if at else "****"


class PreferencesView:
    """Each user's channels and masked addresses (ciphertext kept for the senders)."""

    name = "notification_preferences"
    aggregates = frozenset({"NotificationPreferences"})
    tables = ("notif_preferences",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS notif_preferences (
            user_id uuid PRIMARY KEY,
            preferences_id uuid NOT NULL UNIQUE,
            channels text[] NOT NULL DEFAULT '{in_app}',
            email_masked text,
            phone_masked text,
            email_enc text,
            phone_enc text,
            updated_at timestamptz NOT NULL
        )""",
    )

    def __init__(self, vault: Any) -> None:
        self.vault = vault

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "NotificationPreferences":
            return
        pid = as_uuid(note.originator_id)
        if name == "Created":
            cur.execute(
                "INSERT INTO notif_preferences (user_id, preferences_id, updated_at) "
                "VALUES (%s,%s,%s) ON CONFLICT (user_id) DO NOTHING",
                [event.user_id, pid, occurred_at(event)],
            )
        elif name == "ChannelsChosen":
            cur.execute(
                "UPDATE notif_preferences SET channels = %s, updated_at = %s "
                "WHERE preferences_id = %s",
                [list(event.channels), occurred_at(event), pid],
            )
        elif name == "ContactsChanged":
            row = cur.execute(
                "SELECT user_id FROM notif_preferences WHERE preferences_id = %s", [pid]
            ).fetchone()
            if row is None:
                return
            user_id = row[0]
            email = self.vault.decrypt(user_id, "notification_email", event.email_enc)
            phone = self.vault.decrypt(user_id, "notification_phone", event.phone_enc)
            cur.execute(
                "UPDATE notif_preferences SET email_enc = %s, phone_enc = %s, "
                "email_masked = %s, phone_masked = %s, updated_at = %s WHERE preferences_id = %s",
                [
                    event.email_enc,
                    event.phone_enc,
                    mask_email(email),
                    mask_phone(phone),
                    occurred_at(event),
                    pid,
                ],
            )


class RemindersView:
    """Reminders and their state: the scheduler's list of candidates."""

    name = "notification_reminders"
    aggregates = frozenset({"Reminder"})
    tables = ("notif_reminders",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS notif_reminders (
            reminder_id uuid PRIMARY KEY,
            user_id uuid NOT NULL,
            message text NOT NULL,
            priority text NOT NULL,
            due_at timestamptz NOT NULL,
            status text NOT NULL,
            scheduled_by uuid,
            scheduled_at timestamptz NOT NULL,
            fired_at timestamptz
        )""",
        "CREATE INDEX IF NOT EXISTS notif_reminders_due ON notif_reminders (due_at) "
        "WHERE status = 'scheduled'",
        "CREATE INDEX IF NOT EXISTS notif_reminders_user_page "
        "ON notif_reminders (user_id, due_at, reminder_id)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "Reminder":
            return
        rid = as_uuid(note.originator_id)
        if name == "Scheduled":
            cur.execute(
                "INSERT INTO notif_reminders (reminder_id, user_id, message, priority, due_at, "
                "status, scheduled_by, scheduled_at) VALUES (%s,%s,%s,%s,%s,'scheduled',%s,%s) "
                "ON CONFLICT DO NOTHING",
                [
                    rid,
                    event.user_id,
                    event.message,
                    event.priority,
                    event.due_at,
                    event.scheduled_by,
                    occurred_at(event),
                ],
            )
        elif name == "Fired":
            cur.execute(
                "UPDATE notif_reminders SET status = 'fired', fired_at = %s WHERE reminder_id = %s",
                [event.at, rid],
            )
        elif name == "Cancelled":
            cur.execute(
                "UPDATE notif_reminders SET status = 'cancelled' WHERE reminder_id = %s", [rid]
            )


class ReadReceipts:
    """Which in-app notifications each user has read (by the notified event's position)."""

    name = "notification_reads"
    aggregates = frozenset({"Inbox"})
    tables = ("notif_reads",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS notif_reads (
            user_id uuid NOT NULL,
            position bigint NOT NULL,
            read_at timestamptz NOT NULL,
            PRIMARY KEY (user_id, position)
        )""",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        if kind_of(event) != ("Inbox", "NotificationsRead"):
            return
        cur.executemany(
            "INSERT INTO notif_reads (user_id, position, read_at) VALUES (%s,%s,%s) "
            "ON CONFLICT DO NOTHING",
            [(event.user_id, position, event.at) for position in event.positions],
        )
