"""E-mail out of the system, over SMTP (stdlib ``smtplib``).

SMTP is configured by the ``smtp_*`` settings (``ESTATELOG_SMTP_HOST``,
``ESTATELOG_SMTP_PORT``, ``ESTATELOG_SMTP_FROM``, and optionally
``ESTATELOG_SMTP_USER``, ``ESTATELOG_SMTP_PASSWORD``, ``ESTATELOG_SMTP_STARTTLS``).
Without a host there is no e-mail: deliveries are recorded as skipped.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from infrastructure.settings import Settings

log = logging.getLogger(__name__)


class NotConfigured(Exception):
    """The channel has no sender configured: the delivery is skipped, not retried."""


class EmailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "estatelog@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSettings | None:
        host = (settings.smtp_host or "").strip()
        if not host:
            return None
        password = settings.smtp_password
        return cls(
            host=host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user or None,
            password=password.get_secret_value() if password else None,
            starttls=settings.smtp_starttls,
        )


class SmtpEmailSender:
    """Sends one message per notification over SMTP (stdlib ``smtplib``)."""

    def __init__(self, settings: SmtpSettings | None) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, body: str) -> None:
        s = self.settings
        if s is None:
            raise NotConfigured("no SMTP server configured (ESTATELOG_SMTP_HOST)")
        message = EmailMessage()
        message["From"] = s.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
            if s.starttls:
                smtp.starttls()
            if s.user and s.password:
                smtp.login(s.user, s.password)
            smtp.send_message(message)
