"""Notification commands over the event log: preferences, reminders, messages.

The handlers taking a command (``application/notifications/commands.py``)
authorize its actor: everyone manages their own inbox, preferences and
reminders; staff address users of the estates they serve (anyone else is
missing, 404). Callers without a session (the demo loader, tests) send the
same commands as ``system_acting_for(user_id)``; the scheduler's job
(``fire_due_reminders``) is the one entry point that is not a command.

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

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.notifications import commands as c
from application.notifications.ports import NotificationFacts
from application.scheduling import ScheduledJob
from application.services import ServiceDeps
from domain.errors import InvalidTransition, ValidationFailed
from domain.notifications.inbox import Inbox, inbox_id_for
from domain.notifications.message import StaffMessage
from domain.notifications.preferences import NotificationPreferences, preferences_id_for
from domain.notifications.reminder import Reminder

log = logging.getLogger(__name__)

REMINDERS_PER_RUN = 500


NOT_ADDRESSABLE = "no such user, or not yours to address"


class NotificationService:
    def __init__(self, deps: ServiceDeps, facts: NotificationFacts) -> None:
        self.deps = deps
        self.facts = facts

    # Handlers ---------------------------------------------------------------

    def _may_address(self, actor: Actor, user_id: UUID) -> None:
        """Staff address active users of the estates they serve (missing otherwise)."""
        estates = self.facts.addressee_estates(user_id)
        if estates is None or not (
            actor.may("notifications:send", None, None)
            or any(actor.may("notifications:send", None, estate) for estate in estates)
        ):
            raise NotFound(NOT_ADDRESSABLE)

    def send(self, cmd: c.SendMessage) -> tuple[UUID, int, int]:
        """(message, position, number of recipients) of a message to one user, or
        to every resident of an estate the actor serves."""
        if cmd.estate_id is not None:
            cmd.actor.check("notifications:send", None, cmd.estate_id)
            recipients = self.residents_of(cmd.estate_id)
            if not recipients:
                raise ValidationFailed("the estate has no residents with a login account")
        else:
            assert cmd.recipient_id is not None
            self._may_address(cmd.actor, cmd.recipient_id)
            recipients = [cmd.recipient_id]
        message_id, position = self._record_message(
            cmd.actor.user_id,
            recipients,
            cmd.subject,
            cmd.body,
            cmd.priority,
            estate_id=cmd.estate_id,
        )
        return message_id, position, len(recipients)

    def remind(self, cmd: c.ScheduleReminder) -> tuple[UUID, int]:
        """A reminder for the actor, or (staff) for a user they may address."""
        user_id = cmd.user_id or cmd.actor.user_id
        if user_id != cmd.actor.user_id:
            self._may_address(cmd.actor, user_id)
        return self._schedule_reminder(
            user_id, cmd.message, cmd.due_at, cmd.priority, scheduled_by=cmd.actor.user_id
        )

    def cancel_reminder(self, cmd: c.CancelReminder) -> int:
        """Cancel a reminder of the actor's (or one they scheduled for someone)."""
        reminder = self.reminder(cmd.reminder_id)
        if reminder is None:
            raise NotFound(HIDDEN)
        cmd.actor.check("notifications:manage", {reminder.user_id, reminder.scheduled_by})
        reminder.cancel(self.deps.clock())
        return self.deps.event_log.save_and_position(reminder)

    def mark_read(self, cmd: c.MarkRead) -> int:
        """Mark notifications of the actor's inbox read; one not in it is missing.

        Those the read receipts already show read are not marked again. A mark
        made within the projector's lag may still be recorded twice, which
        the receipts absorb (decision 0032).
        """
        cmd.actor.require("notifications:manage", owner_id=cmd.actor.user_id)
        wanted = sorted(set(cmd.positions))
        if self.facts.in_inbox(cmd.actor.user_id, wanted) != set(wanted):
            raise NotFound("no such notification, or not yours to see")
        try:
            inbox: Inbox = self.deps.event_log.repository.get(inbox_id_for(cmd.actor.user_id))
        except AggregateNotFoundError:
            inbox = Inbox(user_id=cmd.actor.user_id)
        inbox.mark_read(wanted, self.deps.clock(), self.facts.read_of(cmd.actor.user_id, wanted))
        # Nothing new to mark answers the log's head, as an unchanged choice does.
        return self.deps.event_log.save_and_position(inbox) or self.deps.event_log.head()

    def choose_preferences(self, cmd: c.ChoosePreferences) -> int:
        """The actor's own channels; an unchanged choice answers the log's head."""
        cmd.actor.require("notifications:manage", owner_id=cmd.actor.user_id)
        position = self._set_preferences(
            cmd.actor.user_id,
            list(cmd.channels),
            email=cmd.email,
            phone=cmd.phone,
            contacts_given=cmd.contacts_given,
        )
        return position if position is not None else self.deps.event_log.head()

    # Preferences ------------------------------------------------------------

    def _set_preferences(
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

    def _schedule_reminder(
        self,
        user_id: UUID,
        message: str,
        due_at: datetime,
        priority: str = "normal",
        scheduled_by: UUID | None = None,
    ) -> tuple[UUID, int]:
        reminder = Reminder(
            id=self.deps.ids(),
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

    def fire_due_reminders(self, now: datetime) -> int:
        """Fire every reminder due at ``now`` that has not fired; how many fired.

        The read model only proposes candidates; the aggregate decides, so a
        reminder fires once even when the job runs twice or the read model lags.
        """
        fired = 0
        for reminder_id in self.facts.due_reminders(now, REMINDERS_PER_RUN):
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

    def _record_message(
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
            id=self.deps.ids(),
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

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return [ScheduledJob("notifications.reminders", 15.0, self.fire_due_reminders)]
