"""What the notification tests share: users, a tiny SMTP server, waiting for deliveries."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from email import message_from_bytes
from email.message import Message
from typing import Any
from uuid import UUID, uuid4

from dramatiq import Worker

from bootstrap import Container
from domain.identity.policy import Role
from domain.notifications.message import StaffMessage
from domain.notifications.reminder import Reminder
from infrastructure.notifications import QUEUE, NotificationJobs
from infrastructure.sms import SmsMessage
from projections.notifications.outbox import NotificationOutbox
from tests.support.world import world

PASSWORD = "quiet-harbour-lights-77"


def outbox_of(container: Container) -> NotificationOutbox:
    return next(p for p in container.projector.projections if isinstance(p, NotificationOutbox))


def jobs_of(container: Container) -> NotificationJobs:
    return outbox_of(container).jobs


def user(
    container: Container, username: str, roles: list[Role], estates: tuple[UUID, ...] = ()
) -> UUID:
    return world(container, PASSWORD).user(username, roles, *estates)


def message(
    container: Container, sender: UUID, recipients: list[UUID], subject: str, body: str
) -> tuple[UUID, int]:
    """A staff message as the log records it, without the addressing check
    (which reads the user directory, and these stories arrange the log)."""
    sent = StaffMessage(
        id=container.ids(),
        sender_id=sender,
        estate_id=None,
        recipient_ids=recipients,
        subject=subject,
        body=body,
        priority="normal",
        at=container.clock(),
    )
    return sent.id, container.event_log.save_and_position(sent)


def reminder(container: Container, user_id: UUID, text: str, due_at: datetime) -> int:
    """A reminder the user set themselves, as the log records it."""
    due = Reminder(
        id=container.ids(),
        user_id=user_id,
        message=text,
        due_at=due_at,
        priority="normal",
        scheduled_by=None,
        at=container.clock(),
    )
    return container.event_log.save_and_position(due)


def make_resident(container: Container, user_id: UUID, estate_id: UUID) -> None:
    """Stand in for the registry: a current occupancy linked to a login account."""
    with container.pool.connection() as conn:
        conn.execute(
            "INSERT INTO registry_occupancy (occupancy_id, unit_id, estate_id, building_id, "
            "person_id, user_id, relation, moved_in_on, recorded_at) "
            "VALUES (%s,%s,%s,%s,%s,%s,'resident',%s, now())",
            [uuid4(), uuid4(), estate_id, uuid4(), uuid4(), user_id, date(2025, 1, 1)],
        )


def deliveries(container: Container) -> list[tuple[int, UUID, str, str]]:
    """(position, recipient, channel, status) of every delivery, in order."""
    with container.pool.connection() as conn:
        return [
            (r[0], r[1], r[2], r[3])
            for r in conn.execute(
                "SELECT position, recipient_id, channel, status FROM notif_deliveries "
                "ORDER BY position, recipient_id, channel"
            )
        ]


def wait_for_deliveries(container: Container, n: int, timeout: float = 20) -> None:
    """Until ``n`` deliveries are finished (sent, skipped or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        done = [d for d in deliveries(container) if d[3] != "pending"]
        if len(done) >= n:
            return
        assert time.monotonic() < deadline, f"only {len(done)} of {n} deliveries: {done}"
        time.sleep(0.05)


@contextmanager
def working(container: Container) -> Iterator[Worker]:
    worker = Worker(container.broker, worker_threads=2)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def drain(container: Container) -> None:
    container.broker.join(QUEUE, timeout=20_000)


class RecordingSms:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, message: SmsMessage) -> None:
        self.sent.append((phone, message.text))


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greet, accept one message per DATA, quit."""

    server: SmtpServer

    def handle(self) -> None:
        self._reply("220 test SMTP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 test")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self._reply("250 ok")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.received.append(message_from_bytes(data))
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received: list[Message] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def subjects(server: SmtpServer) -> list[tuple[str, str]]:
    return sorted((str(m["To"]), str(m["Subject"])) for m in server.received)


def as_dict(value: Any) -> dict[str, Any]:
    return dict(value)
