"""The identity context as the container holds it: user administration
(``admin``), logins and the caller's own account (``sessions``), and the
users in the log (``accounts``).

Every caller sends commands that carry the actor to ``admin`` and
``sessions``: a route its signed-in user, the CLI, the demo loader and the
tests :data:`application.actor.SYSTEM_ACTOR` (or ``system_acting_for`` an
operator), so every change goes through one handler.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import datetime, timedelta
from uuid import UUID

from application.actor import SYSTEM_ACTOR
from application.identity.accounts import Accounts
from application.identity.admin import UserAdmin
from application.identity.commands import RegisterUser
from application.identity.errors import (
    ChallengeExpired,
    SecondFactorUnavailable,
    UsernameTaken,
    UserNotFound,
)
from application.identity.ports import (
    AttemptCounter,
    CodeSender,
    OneTimeCodes,
    Passwords,
    Tokens,
    UserVersions,
    Vault,
)
from application.identity.sessions import LoginOutcome, Sessions
from application.ports import EventLogPort, Ids
from application.services import random_id, utc_now
from domain.identity.policy import Role
from domain.identity.user import LockoutPolicy, User

__all__ = [
    "ChallengeExpired",
    "IdentityService",
    "LoginOutcome",
    "SecondFactorUnavailable",
    "UserNotFound",
    "UsernameTaken",
]


class IdentityService:
    """Users, logins, sessions and access, all as events."""

    def __init__(
        self,
        event_log: EventLogPort,
        passwords: Passwords,
        vault: Vault,
        policy: LockoutPolicy,
        refresh_ttl: timedelta,
        clock: Callable[[], datetime] = utc_now,
        codes: OneTimeCodes | None = None,
        code_sender: CodeSender | None = None,
        *,
        common_passwords: Container[str],
        tokens: Tokens | None = None,
        attempts: AttemptCounter | None = None,
        login_rate_limit: int = 0,
        ids: Ids = random_id,
        versions: UserVersions | None = None,
    ) -> None:
        self.accounts = Accounts(
            event_log, passwords, vault, policy, clock, common_passwords, ids=ids, versions=versions
        )
        self.admin = UserAdmin(self.accounts)
        self.sessions = Sessions(
            self.accounts,
            refresh_ttl=refresh_ttl,
            tokens=tokens,
            attempts=attempts,
            login_rate_limit=login_rate_limit,
            codes=codes,
            code_sender=code_sender,
        )

    @property
    def passwords(self) -> Passwords:
        """The hasher every handler uses; replacing it here replaces it for all."""
        return self.accounts.passwords

    @passwords.setter
    def passwords(self, passwords: Passwords) -> None:
        self.accounts.passwords = passwords

    # ---- reading users ---------------------------------------------------

    def get(self, user_id: UUID) -> User:
        return self.accounts.get(user_id)

    def get_for_reading(self, user_id: UUID) -> User:
        return self.accounts.get_for_reading(user_id)

    def find(self, username: str) -> User | None:
        return self.accounts.find(username)

    def display_name(self, user: User) -> str | None:
        return self.accounts.display_name(user)

    def check_password(self, password: str, username: str, display_name: str | None) -> None:
        self.accounts.check_password(password, username, display_name)

    # ---- use cases that are not one user's command -------------------------

    def ensure_admin(self, username: str, password: str) -> bool:
        """Create the first administrator unless that user exists; True if created.

        The console's bootstrap (``estatelog serve``, ``estatelog admin``):
        there is nobody yet to issue a command, so the service does, once."""
        if self.find(username) is not None:
            return False
        try:
            self.admin.register(
                RegisterUser(SYSTEM_ACTOR, username, password, "Administrator", [Role.ADMIN])
            )
        except UsernameTaken:
            return False
        return True

    def login(
        self, username: str, password: str, client_ip: str | None, user_agent: str | None
    ) -> LoginOutcome:
        return self.sessions.attempt(username, password, client_ip, user_agent)
