"""Delivery of notifications in dramatiq actors, exactly once per channel.

A job delivers one notice to one recipient on one channel. The delivery
ledger ``notif_deliveries`` is keyed by (event position, recipient, channel):
a job first inserts its row, then locks it and sends only if it is still
pending, so a job that runs twice (a redelivered message, a follower that
enqueued again after a crash) sends once. The outcome, ``sent``,
``skipped`` (no address, no sender configured) or ``failed`` (after
``max_attempts`` tries), is the history of what was sent to whom. Its table is created with the
outbox that fills it (``projections/notifications/outbox.py``).

In-app delivery *is* the ledger row, so it is exactly once. For e-mail and SMS
the send and the commit cannot be one transaction: a worker that dies after
the SMTP server accepted the message but before the commit sends it again on
retry. That window is accepted (at least once across crashes, never twice in
normal operation); see docs/decisions/0011-the-log-is-the-outbox.md.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import dramatiq
from psycopg_pool import ConnectionPool

from application.operations.recorder import IncidentRecorder
from domain.operations.incidents import Level, Source
from infrastructure.mail import EmailSender, NotConfigured, SmtpEmailSender
from infrastructure.sms import LoggingSmsSender, SmsMessage, SmsRefused, SmsSender

log = logging.getLogger(__name__)

QUEUE = "estatelog-notifications"
MAX_ATTEMPTS = 8
# Recipients per message: an announcement to a large estate is a few messages,
# not one per resident.
BATCH = 500

DONE = ("sent", "skipped", "failed")


class DeliveryFailed(Exception):
    """A send failed and will be tried again."""


class NotificationJobs:
    """The delivery actor, bound to one broker and one database."""

    def __init__(
        self,
        broker: Any,
        pool: ConnectionPool,
        vault: Any,
        email: EmailSender | None = None,
        sms: SmsSender | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        min_backoff_ms: int = 1000,
        incidents: IncidentRecorder | None = None,
    ) -> None:
        self.broker = broker
        self.incidents = incidents
        self.pool = pool
        self.vault = vault
        self.email = email or SmtpEmailSender(None)
        self.sms = sms or LoggingSmsSender()
        self.max_attempts = max_attempts
        self.deliver: Any = dramatiq.actor(  # type: ignore[call-overload]
            fn=self._deliver,
            actor_name="deliver_notification",
            queue_name=QUEUE,
            broker=broker,
            # Our own count decides when to give up (and records it); dramatiq's
            # retries only need to outlast it.
            max_retries=max_attempts + 2,
            min_backoff=min_backoff_ms,
            max_backoff=300_000,
        )

        self.deliver_many: Any = dramatiq.actor(  # type: ignore[call-overload]
            fn=self._deliver_many,
            actor_name="deliver_notifications",
            queue_name=QUEUE,
            broker=broker,
            max_retries=max_attempts + 2,
            min_backoff=min_backoff_ms,
            max_backoff=300_000,
        )

    def enqueue(
        self, position: int, recipient_id: UUID, channel: str, notice: dict[str, Any]
    ) -> None:
        self.deliver.send(position, str(recipient_id), channel, notice)

    def enqueue_many(
        self, position: int, recipients: Sequence[UUID], channel: str, notice: dict[str, Any]
    ) -> None:
        """One message per ``BATCH`` recipients of one notice on one channel."""
        for start in range(0, len(recipients), BATCH):
            chunk = [str(r) for r in recipients[start : start + BATCH]]
            self.deliver_many.send(position, chunk, channel, notice)

    def _deliver_many(
        self, position: int, recipients: list[str], channel: str, notice: dict[str, Any]
    ) -> None:
        """Deliver one notice to many recipients, each exactly once.

        In-app delivery is the ledger row itself, so the whole batch is one
        statement. Other channels go recipient by recipient through the same
        steps as a single delivery; a retry of the batch skips the ones done.
        """
        if channel == "in_app":
            with self.pool.connection() as conn, conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO notif_deliveries (position, recipient_id, channel, kind, "
                    "title, body, priority, estate_id, subject_id, status, attempts, "
                    "finished_at) VALUES (%s,%s,'in_app',%s,%s,%s,%s,%s,%s,'sent',1,now()) "
                    "ON CONFLICT (position, recipient_id, channel) DO UPDATE SET "
                    "status = 'sent', attempts = notif_deliveries.attempts + 1, "
                    "finished_at = now() WHERE notif_deliveries.status = 'pending'",
                    [
                        [
                            position,
                            UUID(recipient),
                            notice["kind"],
                            notice["title"],
                            notice["body"],
                            notice["priority"],
                            notice.get("estate_id"),
                            notice.get("subject_id"),
                        ]
                        for recipient in recipients
                    ],
                )
            return
        failed: list[str] = []
        for recipient in recipients:
            try:
                self._deliver(position, recipient, channel, notice)
            except DeliveryFailed as e:
                failed.append(str(e))
        if failed:
            raise DeliveryFailed(f"{len(failed)} of {len(recipients)} failed, e.g. {failed[0]}")

    def _deliver(self, position: int, recipient: str, channel: str, notice: dict[str, Any]) -> None:
        recipient_id = UUID(recipient)
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO notif_deliveries (position, recipient_id, channel, kind, title, "
                "body, priority, estate_id, subject_id) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT DO NOTHING",
                [
                    position,
                    recipient_id,
                    channel,
                    notice["kind"],
                    notice["title"],
                    notice["body"],
                    notice["priority"],
                    notice.get("estate_id"),
                    notice.get("subject_id"),
                ],
            )
            conn.commit()
            retry: str | None = None
            with conn.transaction():
                # The lock makes a concurrent duplicate wait, then find the row done.
                row = conn.execute(
                    "SELECT status, attempts FROM notif_deliveries WHERE position = %s "
                    "AND recipient_id = %s AND channel = %s FOR UPDATE",
                    [position, recipient_id, channel],
                ).fetchone()
                assert row is not None
                status, attempts = row
                if status in DONE:
                    log.info(
                        "notification %s/%s/%s already %s", position, recipient, channel, status
                    )
                    return
                outcome, detail, address = self._send(conn, recipient_id, channel, notice)
                if outcome == "retry":
                    attempts += 1
                    if attempts >= self.max_attempts:
                        outcome, detail = "failed", f"after {attempts} attempts: {detail}"
                    else:
                        retry = detail
                conn.execute(
                    "UPDATE notif_deliveries SET status = %s, attempts = %s, detail = %s, "
                    "address_masked = %s, finished_at = CASE WHEN %s THEN now() END "
                    "WHERE position = %s AND recipient_id = %s AND channel = %s",
                    [
                        "pending" if outcome == "retry" else outcome,
                        attempts if outcome != "sent" else attempts + 1,
                        detail,
                        address,
                        outcome != "retry",
                        position,
                        recipient_id,
                        channel,
                    ],
                )
        if outcome == "failed" and self.incidents is not None:
            # One message not delivered: a minor error (level 4, decision 0047);
            # a provider down for everyone shows as this incident's count.
            self.incidents.record(
                Level.MINOR_ERROR,
                Source.NOTIFICATIONS,
                "delivery_failed",
                channel,
                f"a {channel} notification was not delivered ({attempts} attempts)",
            )
        if retry is not None:
            raise DeliveryFailed(f"{channel} to {recipient} for event {position}: {retry}")

    def _send(
        self, conn: Any, recipient_id: UUID, channel: str, notice: dict[str, Any]
    ) -> tuple[str, str | None, str | None]:
        """(outcome, detail, masked address): outcome sent, skipped or retry."""
        if channel == "in_app":
            return "sent", None, None
        row = conn.execute(
            "SELECT email_enc, phone_enc, email_masked, phone_masked FROM notif_preferences "
            "WHERE user_id = %s",
            [recipient_id],
        ).fetchone()
        email_enc, phone_enc, email_masked, phone_masked = row or (None, None, None, None)
        try:
            if channel == "email":
                address = self.vault.decrypt(recipient_id, "notification_email", email_enc)
                if not address:
                    return "skipped", "no e-mail address", None
                self.email.send(address, notice["title"], notice["body"])
                return "sent", None, email_masked
            if channel == "sms":
                phone = self.vault.decrypt(recipient_id, "notification_phone", phone_enc)
                if not phone:
                    return "skipped", "no phone number", None
                self.sms.send(phone, SmsMessage.notice(notice["title"], notice["body"]))
                return "sent", None, phone_masked
        except NotConfigured as e:
            return "skipped", str(e), None
        except SmsRefused as e:  # the gateway will never send this one: no retry
            return "failed", str(e)[:500], phone_masked
        except Exception as e:  # the server refused or was unreachable: try again later
            log.warning("sending %s to %s failed: %r", channel, recipient_id, e)
            return "retry", repr(e)[:500], None
        return "skipped", f"unknown channel {channel}", None
