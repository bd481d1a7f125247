"""The notification outbox: follows the log and enqueues deliveries.

For each event the rules (``rules.py``) name an audience; for each recipient
and each channel their preferences and the notice's priority call for, one
job goes to dramatiq. The position advances only after every enqueue of the
event succeeded: with Redis down the follower stops at that event and retries
later (``transient_failures``), so nothing is lost; what was enqueued before
the failure is enqueued again, and the ledger makes the second job a no-op.

The outbox remembers a little of each subject (an order's requester and
estate, an alarm's code) in its own table, written in the same transaction as
its position, so a rule never depends on how far another read model has got.
It has side effects and is never replayed: a rebuild would resend everything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification
from psycopg.types.json import Jsonb

from domain.notifications.channels import channels_for
from projections.events import as_uuid, kind_of
from projections.log import EVENTS_TABLE
from projections.notifications.rules import (
    APPROVAL_AGGREGATES,
    RULES,
    Notice,
    Subject,
    approval_step,
    notice_for,
    permissions_for,
    roles_holding,
)

log = logging.getLogger(__name__)

TRACKED = frozenset(
    {
        "WorkOrder",
        "Alarm",
        "Announcement",
        "ServiceRequest",
        "Complaint",
        "VisitorPass",
        *APPROVAL_AGGREGATES,
    }
)
_COLUMNS = {
    "estate_id": "estate_id",
    "requested_by": "requested_by",
    "complainant_id": "requested_by",
    "technician_id": "assignee_id",
    "assignee_id": "assignee_id",
    "title": "title",
    "summary": "title",
    "subject": "title",
    "priority": "priority",
    "issued_by": "requested_by",  # a visitor pass's: told when the visitor arrives
}
_EXTRA = (
    "code",
    "message",
    "severity",
    "urgency",
    "urgent",
    "subject_type",
    "kind",
    "category",
    "body",
    "unit_id",
    "plate",
    "entries_allowed",
)


class CursorDirectory:
    """The rules' view of users, read through the outbox's own transaction."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self.cur = cur

    def holders(self, estate_id: UUID | None, action: str) -> list[UUID]:
        if estate_id is None:
            return []
        rows = self.cur.execute(
            "SELECT user_id FROM user_directory WHERE status <> 'disabled' "
            "AND %s = ANY(estates) AND (roles && %s OR direct_permissions && %s) "
            "ORDER BY user_id",
            [estate_id, roles_holding(action), permissions_for(action)],
        ).fetchall()
        return [r[0] for r in rows]

    def with_role(self, estate_id: UUID | None, role: str) -> list[UUID]:
        params: list[Any]
        if estate_id is None:
            sql, params = "%s = ANY(roles)", [role]
        else:
            sql, params = "%s = ANY(roles) AND %s = ANY(estates)", [role, estate_id]
        rows = self.cur.execute(
            f"SELECT user_id FROM user_directory WHERE status <> 'disabled' AND {sql} "
            "ORDER BY user_id",
            params,
        ).fetchall()
        return [r[0] for r in rows]

    def residents(self, estate_id: UUID | None) -> list[UUID]:
        if estate_id is None:
            return []
        try:
            from projections.registry import queries
        except ImportError:  # the registry context is not there yet
            return []
        return list(queries.occupant_user_ids(self.cur.connection, estate_id))

    def occupants(self, unit_id: UUID | None) -> list[UUID]:
        """Login accounts of the unit's current owners and residents."""
        if unit_id is None:
            return []
        row = self.cur.execute(
            "SELECT occupant_user_ids FROM registry_units WHERE unit_id = %s", [unit_id]
        ).fetchone()
        return list(row[0]) if row else []


#: The delivery ledger the jobs write (``infrastructure/notifications.py``).
DELIVERY_DDL = (
    """CREATE TABLE IF NOT EXISTS notif_deliveries (
        position bigint NOT NULL,
        recipient_id uuid NOT NULL,
        channel text NOT NULL,
        kind text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        priority text NOT NULL,
        estate_id uuid,
        subject_id uuid,
        status text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        detail text,
        address_masked text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (position, recipient_id, channel)
    )""",
    "CREATE INDEX IF NOT EXISTS notif_deliveries_recipient "
    "ON notif_deliveries (recipient_id, channel, position DESC)",
    # One recipient's history in the list's order, every channel.
    "CREATE INDEX IF NOT EXISTS notif_deliveries_recipient_page "
    "ON notif_deliveries (recipient_id, position, channel)",
)


class Deliveries(Protocol):
    """Enqueues delivery jobs: ``infrastructure.notifications.NotificationJobs``,
    which sits above the read models and is handed in by ``bootstrap.py``."""

    def enqueue_many(
        self, position: int, recipients: Sequence[UUID], channel: str, notice: dict[str, Any]
    ) -> None: ...


class NotificationOutbox:
    name = "notification_outbox"
    aggregates = frozenset(TRACKED | {aggregate for aggregate, _ in RULES})
    tables: tuple[str, ...] = ()
    ddl: tuple[str, ...] = (
        """CREATE TABLE IF NOT EXISTS notif_outbox_subjects (
            subject_id uuid PRIMARY KEY,
            aggregate text NOT NULL,
            estate_id uuid,
            requested_by uuid,
            assignee_id uuid,
            title text,
            priority text,
            extra jsonb NOT NULL DEFAULT '{}'
        )""",
        *DELIVERY_DDL,
    )
    transient_failures = True  # Redis down: try again later, do not stop for good
    has_side_effects = True  # never replayed: a rebuild would notify everyone again

    def __init__(self, jobs: Deliveries) -> None:
        self.jobs = jobs

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        kind = kind_of(event)
        if kind[0] not in TRACKED and kind not in RULES:
            return
        try:
            # A savepoint: an event a rule cannot read is logged and passed
            # over rather than holding back every later notification.
            with cur.connection.transaction():
                notice = self._notice(cur, kind, event, note)
        except psycopg.OperationalError:
            raise  # the database, not the event: try again later
        except Exception:
            log.exception("notification rules failed on event %s %s; skipped", note.id, kind)
            return
        if notice is not None:
            self._enqueue(cur, note.id, notice)  # a failure here is Redis: retried

    def _notice(
        self, cur: psycopg.Cursor[Any], kind: tuple[str, str], event: Any, note: Notification
    ) -> Notice | None:
        subject = self._remember(cur, kind, as_uuid(note.originator_id), event)
        if kind[0] in APPROVAL_AGGREGATES and kind[1] == "Opened" and _screened_next(cur, note):
            return None  # the screening saved with it decides who waits, if anyone
        return notice_for(event, kind, subject, CursorDirectory(cur))

    def _remember(
        self, cur: psycopg.Cursor[Any], kind: tuple[str, str], sid: UUID, event: Any
    ) -> Subject:
        aggregate = kind[0]
        if aggregate not in TRACKED:  # one event says it all (a staff message, a reminder)
            return Subject(sid, aggregate, getattr(event, "estate_id", None))
        row = cur.execute(
            "SELECT estate_id, requested_by, assignee_id, title, priority, extra "
            "FROM notif_outbox_subjects WHERE subject_id = %s",
            [sid],
        ).fetchone()
        subject = Subject(sid, aggregate)
        if row is not None:
            estate_id, requested_by, assignee_id, title, priority, extra = row
            subject = Subject(
                sid, aggregate, estate_id, requested_by, assignee_id, title, priority, dict(extra)
            )
        changed = row is None
        for field, column in _COLUMNS.items():
            value = getattr(event, field, None)
            if value is not None:
                value = (
                    str(getattr(value, "value", value))
                    if column in ("title", "priority")
                    else value
                )
                if getattr(subject, column) != value:
                    setattr(subject, column, value)
                    changed = True
        for field in _EXTRA:
            value = getattr(event, field, None)
            if value is not None:
                subject.extra[field] = (
                    value
                    if isinstance(value, (bool, int))
                    else str(getattr(value, "value", value))[:2000]
                )
                changed = True
        if aggregate in APPROVAL_AGGREGATES:
            approval_step(subject.extra, kind[1], event)
            changed = True
        if changed:
            cur.execute(
                "INSERT INTO notif_outbox_subjects (subject_id, aggregate, estate_id, "
                "requested_by, assignee_id, title, priority, extra) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (subject_id) DO UPDATE SET "
                "estate_id = excluded.estate_id, requested_by = excluded.requested_by, "
                "assignee_id = excluded.assignee_id, title = excluded.title, "
                "priority = excluded.priority, extra = excluded.extra",
                [
                    sid,
                    aggregate,
                    subject.estate_id,
                    subject.requested_by,
                    subject.assignee_id,
                    subject.title,
                    subject.priority,
                    Jsonb(subject.extra),
                ],
            )
        return subject

    def _enqueue(self, cur: psycopg.Cursor[Any], position: int, notice: Notice) -> None:
        prefs = {
            r[0]: (list(r[1]), r[2] is not None, r[3] is not None)
            for r in cur.execute(
                "SELECT user_id, channels, email_enc, phone_enc FROM notif_preferences "
                "WHERE user_id = ANY(%s)",
                [notice.recipients],
            )
        }
        payload = notice.payload()
        by_channel: dict[str, list[UUID]] = {}
        for recipient in notice.recipients:
            chosen, has_email, has_phone = prefs.get(recipient, (["in_app"], False, False))
            for channel in channels_for(notice.priority, chosen, has_email, has_phone):
                by_channel.setdefault(channel, []).append(recipient)
        for channel, recipients in by_channel.items():
            self.jobs.enqueue_many(position, recipients, channel, payload)
        log.debug("event %s: %s to %d recipients", position, notice.kind, len(notice.recipients))


def _screened_next(cur: psycopg.Cursor[Any], note: Notification) -> bool:
    """Was the request pre-screened in the same save (its next event)?

    Opening and screening are stored together, so when the outbox reaches the
    opening the screening is already in the log.
    """
    row = cur.execute(
        f"SELECT topic FROM {EVENTS_TABLE} WHERE originator_id = %s AND originator_version = %s",
        [note.originator_id, note.originator_version + 1],
    ).fetchone()
    return row is not None and str(row[0]).endswith(".PreScreened")
