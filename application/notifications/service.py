"""Notification commands over the event log: preferences, reminders, messages.

No command here sends anything. Each appends events; the notification
outbox (``projections/notifications/outbox.py``) follows the log and
enqueues the sends, so a command never waits on SMTP, an SMS gateway or Redis.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.scheduling import ScheduledJob
from application.services import ServiceDeps
from domain.errors import InvalidTransition, ValidationFailed
from domain.notifications.inbox import Inbox, inbox_id_for
from domain.notifications.message import StaffMessage
from domain.notifications.preferences import NotificationPreferences, preferences_id_for
from domain.notifications.reminder import Reminder

log = logging.getLogger(__name__)

REMINDERS_PER_RUN = 500


class NotificationService:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    # Preferences ------------------------------------------------------------

    def set_preferences(
        self,
        user_id: UUID,
        channels: list[str],
        *,
        email: str | None = None,
        phone: str | None = None,
        contacts_given: bool = False,
    ) -> int | None:
        """Choose channels (and, when ``contacts_given``, the addresses); the
        position of the last event, or None when nothing changed."""
        now = self.deps.clock()
        prefs = self._preferences(user_id)
        is_new = prefs is None
        email_enc = self._seal(user_id, "notification_email", email)
        phone_enc = self._seal(user_id, "notification_phone", phone)
        if prefs is None:
            prefs = NotificationPreferences(user_id=user_id, at=now)
        elif contacts_given and self._same_contacts(prefs, user_id, email, phone):
            contacts_given = False  # fresh ciphertext of the same address is no change
        changed = prefs.choose(channels, email_enc, phone_enc, contacts_given, now)
        if not changed and not is_new:
            return None
        return self.deps.event_log.save_and_position(prefs)

    def _preferences(self, user_id: UUID) -> NotificationPreferences | None:
        try:
            prefs: NotificationPreferences = self.deps.event_log.repository.get(
                preferences_id_for(user_id)
            )
        except AggregateNotFoundError:
            return None
        return prefs

    def _same_contacts(
        self, prefs: NotificationPreferences, user_id: UUID, email: str | None, phone: str | None
    ) -> bool:
        vault = self.deps.vault
        return (
            vault.decrypt(user_id, "notification_email", prefs.email_enc) == email
            and vault.decrypt(user_id, "notification_phone", prefs.phone_enc) == phone
        )

    def _seal(self, user_id: UUID, field: str, value: str | None) -> str | None:
        return self.deps.vault.encrypt(user_id, field, value) if value else None

    # Reminders --------------------------------------------------------------

    def schedule_reminder(
        self,
        user_id: UUID,
        message: str,
        due_at: datetime,
        priority: str = "normal",
        scheduled_by: UUID | None = None,
    ) -> tuple[UUID, int]:
        reminder = Reminder(
            user_id=user_id,
            message=message,
            due_at=due_at,
            priority=priority,
            scheduled_by=scheduled_by,
            at=self.deps.clock(),
        )
        return reminder.id, self.deps.event_log.save_and_position(reminder)

    def reminder(self, reminder_id: UUID) -> Reminder | None:
        try:
            found: Reminder = self.deps.event_log.repository.get(reminder_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Reminder) else None

    def cancel_reminder(self, reminder_id: UUID) -> int:
        reminder = self.reminder(reminder_id)
        if reminder is None:
            raise ValidationFailed("no such reminder")
        reminder.cancel(self.deps.clock())
        return self.deps.event_log.save_and_position(reminder)

    def fire_due_reminders(self, now: datetime) -> int:
        """Fire every reminder due at ``now`` that has not fired; how many fired.

        The read model only proposes candidates; the aggregate decides, so a
        reminder fires once even when the job runs twice or the read model lags.
        """
        with self.deps.pool.connection() as conn:
            due = conn.execute(
                "SELECT reminder_id FROM notif_reminders WHERE status = 'scheduled' "
                "AND due_at <= %s ORDER BY due_at LIMIT %s",
                [now, REMINDERS_PER_RUN],
            ).fetchall()
        fired = 0
        for (reminder_id,) in due:
            reminder = self.reminder(reminder_id)
            if reminder is None:
                continue
            try:
                reminder.fire(now)
                self.deps.event_log.save_and_position(reminder)
            except (InvalidTransition, IntegrityError):
                continue  # fired or cancelled already, or by a concurrent run
            fired += 1
        return fired

    # Messages ---------------------------------------------------------------

    def send_message(
        self,
        sender_id: UUID,
        recipient_ids: list[UUID],
        subject: str,
        body: str,
        priority: str = "normal",
        estate_id: UUID | None = None,
    ) -> tuple[UUID, int]:
        """Record a message to these users; the outbox delivers it."""
        message = StaffMessage(
            sender_id=sender_id,
            estate_id=estate_id,
            recipient_ids=sorted(set(recipient_ids), key=str),
            subject=subject,
            body=body,
            priority=priority,
            at=self.deps.clock(),
        )
        return message.id, self.deps.event_log.save_and_position(message)

    def residents_of(self, estate_id: UUID) -> list[UUID]:
        """Login accounts of the current residents and owners of an estate."""
        return self.deps.registry.occupant_user_ids(estate_id)

    # Inbox ------------------------------------------------------------------

    def mark_read(self, user_id: UUID, positions: list[int]) -> int:
        try:
            inbox: Inbox = self.deps.event_log.repository.get(inbox_id_for(user_id))
        except AggregateNotFoundError:
            inbox = Inbox(user_id=user_id)
        inbox.mark_read(positions, self.deps.clock())
        return self.deps.event_log.save_and_position(inbox)

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return [ScheduledJob("notifications.reminders", 15.0, self.fire_due_reminders)]
