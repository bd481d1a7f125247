"""The values of a user account: its ID from its name, its status, the outcomes
of a login and a refresh, and the lockout policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import ValidationFailed

USERNAME_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/users")


class UserStatus(StrEnum):
    NORMAL = "normal"
    LOCKED = "locked"
    DISABLED = "disabled"


class LoginResult(StrEnum):
    SUCCEEDED = "succeeded"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 (an outcome name)
    LOCKED = "locked"
    DISABLED = "disabled"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    WRONG_CODE = "wrong_code"


# Failed attempts that count towards a lockout: guesses of either factor.
GUESSES = frozenset({"wrong password", "wrong one-time code"})
# Sessions one person may hold at once (devices, browsers). A session lives
# as long as its refresh token (14 days), so without a limit every login adds
# to the aggregate, and to the memory of every process that caches it, for
# two weeks. Beyond the limit a login ends the least recently used session.
MAX_SESSIONS = 20
SESSION_LIMIT = "session limit reached"


class RefreshResult(StrEnum):
    ROTATED = "rotated"
    REUSED = "reused"  # a spent token came back: the whole session is revoked
    INVALID = "invalid"


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    window: timedelta = timedelta(minutes=15)
    cooldown: timedelta = timedelta(minutes=15)


def user_id_for(username: str) -> UUID:
    """Usernames are unique because the user's ID is derived from the name."""
    return uuid5(USERNAME_NAMESPACE, normalise_username(username))


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not (3 <= len(name) <= 64) or not all(c.isalnum() or c in "._-@" for c in name):
        raise ValidationFailed("username: 3-64 letters, digits or . _ - @")
    return name
