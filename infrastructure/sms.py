"""SMS out of the system: the sender interface and the development senders.

A real deployment plugs in its gateway's client behind :class:`SmsSender`.
Notifications in development go to the log, the number masked
(:class:`LoggingSmsSender`). One-time login codes go to a file under the data
directory instead (:class:`DevelopmentSmsOutbox`, mode 0600), because a code
is a secret and no secret goes into a log line.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from domain.identity.masking import mask_phone

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingSmsSender:
    """The development SMS sender of notifications: the message goes to the log."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), text)


class DevelopmentSmsOutbox:
    """Writes messages to ``path`` instead of a phone."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        line = f"{datetime.now(UTC).isoformat()}\t{phone}\t{text}\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(line)
        log.info("SMS to %s written to the development outbox %s", mask_phone(phone), self.path)
