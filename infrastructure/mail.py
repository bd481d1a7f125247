"""E-mail out of the system, over SMTP (stdlib ``smtplib``).

SMTP is configured from the environment (``ESTATELOG_SMTP_HOST``,
``ESTATELOG_SMTP_PORT``, ``ESTATELOG_SMTP_FROM``, and optionally
``ESTATELOG_SMTP_USER``, ``ESTATELOG_SMTP_PASSWORD``, ``ESTATELOG_SMTP_STARTTLS``).
Without a host there is no e-mail: deliveries are recorded as skipped.
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

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
    def from_env(cls) -> SmtpSettings | None:
        host = os.environ.get("ESTATELOG_SMTP_HOST", "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=int(os.environ.get("ESTATELOG_SMTP_PORT", "25")),
            sender=os.environ.get("ESTATELOG_SMTP_FROM", "estatelog@localhost"),
            user=os.environ.get("ESTATELOG_SMTP_USER") or None,
            password=os.environ.get("ESTATELOG_SMTP_PASSWORD") or None,
            starttls=os.environ.get("ESTATELOG_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
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
