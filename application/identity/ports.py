"""What the identity service needs from the outside world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID


class Passwords(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str | None, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than new ones are."""
        ...


class Vault(Protocol):
    def encrypt(self, subject_id: UUID, field: str, plaintext: str) -> str: ...
    def decrypt(self, subject_id: UUID, field: str, ciphertext: str | None) -> str | None: ...
    def erase(self, subject_id: UUID) -> bool: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class UserVersions(Protocol):
    """Each user's latest version in the log as every process sees it (decision 0035)."""

    def current(self, user_id: UUID) -> int | None:
        """The version the user's last answered save left; None if not known."""
        ...

    def current_and_written(self, user_id: UUID, session_id: str) -> tuple[int | None, int]:
        """:meth:`current`, and the last log position the session's saves
        answered with (0 if not known), in one look-up (decision 0045)."""
        ...


class OneTimeCodes(Protocol):
    """Short-lived codes of the SMS second factor, kept out of the event log."""

    def issue(self, user_id: UUID) -> tuple[str, str]:
        """A new challenge for ``user_id``: (challenge id, code)."""
        ...

    def redeem(self, challenge_id: str, code: str) -> tuple[UUID | None, bool]:
        """(the challenge's user or None if unknown or expired, whether the code is right).

        A right code ends the challenge; so do too many wrong ones.
        """
        ...


class CodeSender(Protocol):
    """Sends a one-time code to the user's phone, without waiting for the gateway."""

    def send_code(self, user_id: UUID, code: str) -> None: ...


@dataclass(frozen=True)
class RefreshClaims:
    user_id: UUID
    session_id: str
    generation: int


class Tokens(Protocol):
    """Mints and reads the tokens a login hands out (``infrastructure/tokens.py``).

    The application decides when a token is issued and for which session and
    generation; the implementation only signs and verifies. A bad token raises
    :class:`application.identity.errors.InvalidToken`.
    """

    access_ttl: timedelta

    def issue_access(self, user_id: UUID, session_id: str, now: datetime) -> str: ...
    def issue_refresh(self, user_id: UUID, session_id: str, generation: int) -> str: ...
    def parse_refresh(self, token: str) -> RefreshClaims: ...


class AttemptCounter(Protocol):
    """Counts login attempts per client address in wall-clock minutes, across processes."""

    def count_this_minute(self, client: str) -> tuple[int, int]:
        """Add one attempt of ``client``: (attempts this minute, seconds until the next)."""
        ...
