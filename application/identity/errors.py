"""What the identity handlers refuse with, each mapped to HTTP once.

``UserNotFound`` is a :class:`application.errors.NotFound` carrying the
detail the API shows ("no such user"), so ``interfaces/http/problems.py``
answers it as every other missing record.
"""

from __future__ import annotations

from application.errors import NotFound

NO_SUCH_USER = "no such user"


class UserNotFound(NotFound):
    def __init__(self, detail: str = NO_SUCH_USER) -> None:
        super().__init__(detail)


class UsernameTaken(Exception):
    """Another user registered that name first (the ID is derived from it)."""


class SecondFactorUnavailable(Exception):
    """No one-time codes can be issued here (no code store or sender configured)."""


class ChallengeExpired(Exception):
    """The one-time code's challenge is unknown, used up or expired: log in again."""


class InvalidToken(Exception):
    """The token is malformed, expired, forged or meant for someone else."""


class TooManyLoginAttempts(Exception):
    """This address tried to log in too often this minute (429 with Retry-After)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many login attempts from this address; wait a minute")
        self.retry_after = retry_after
