"""SMS out of the system: the sender interface, its messages and the development senders.

A message is a kind and its variables (:class:`SmsMessage`): SMS providers in
China send only text they approved in advance as a template, so a gateway
(``infrastructure/aliyun_sms.py``, chosen by ``ESTATELOG_SMS_PROVIDER``) maps
each kind to a template of its own and sends the variables; the development
senders write the message's text.

Notifications in development go to the log, the number masked
(:class:`LoggingSmsSender`). One-time login codes go to a file under the data
directory instead (:class:`DevelopmentSmsOutbox`, mode 0600), because a code
is a secret and no secret goes into a log line; the file holds the number
masked too, so that an erased person's number is in no file of the service.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from domain.identity.masking import mask_phone

log = logging.getLogger(__name__)

Kind = Literal["login_code", "notice"]


@dataclass(frozen=True)
class SmsMessage:
    """What to send: the kind (one provider template each) and its variables."""

    kind: Kind
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def login_code(cls, code: str) -> SmsMessage:
        return cls("login_code", {"code": code})

    @classmethod
    def notice(cls, title: str, body: str) -> SmsMessage:
        # Providers cap a variable's length; the body is cut, the title kept.
        return cls("notice", {"title": title[:100], "body": body[:400]})

    @property
    def text(self) -> str:
        """The message as one line of text, for senders without templates."""
        if self.kind == "login_code":
            return f"estatelog: your login code is {self.params['code']}; it expires in 5 minutes."
        return f"{self.params['title']}: {self.params['body']}"[:500]


class SmsRefused(Exception):
    """The gateway will not send this message, now or later: the delivery has failed."""


class SmsDeferred(Exception):
    """The gateway could not take the message now (throttled, unreachable): try again."""


class SmsSender(Protocol):
    def send(self, phone: str, message: SmsMessage) -> None: ...


class LoggingSmsSender:
    """The development SMS sender of notifications: the message goes to the log."""

    def send(self, phone: str, message: SmsMessage) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), message.text)


class DevelopmentSmsOutbox:
    """Writes messages to ``path`` instead of a phone, the number masked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, phone: str, message: SmsMessage) -> None:
        line = f"{datetime.now(UTC).isoformat()}\t{mask_phone(phone)}\t{message.text}\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(line)
        log.info("SMS to %s written to the development outbox %s", mask_phone(phone), self.path)
