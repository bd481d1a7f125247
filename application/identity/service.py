"""The identity context as the container holds it: user administration
(``admin``), logins and the caller's own account (``sessions``), and the
users in the log (``accounts``).

Routes send commands that carry the actor to ``admin`` and ``sessions``.
The methods below that take plain arguments are for trusted callers that
are not a signed-in user (the CLI, the demo loader, tests): they send the
same commands as :data:`application.actor.SYSTEM_ACTOR`, so every change
goes through one handler.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.actor import SYSTEM_ACTOR, Actor, system_acting_for
from application.identity.accounts import Accounts
from application.identity.admin import UserAdmin
from application.identity.commands import (
    ChangeProfile,
    DisableAccount,
    EnableAccount,
    ErasePersonalData,
    GrantPermission,
    GrantRole,
    LockAccount,
    LogOut,
    RegisterUser,
    RevokePermission,
    RevokeRole,
    UnlockAccount,
)
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
    Vault,
)
from application.identity.sessions import LoginOutcome, Sessions
from application.ports import EventLogPort, Ids
from application.services import random_id, utc_now
from domain.identity.policy import Permission, Role
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
    ) -> None:
        self.accounts = Accounts(
            event_log, passwords, vault, policy, clock, common_passwords, ids=ids
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

    # ---- trusted callers -------------------------------------------------

    def register(
        self,
        *,
        username: str,
        password: str,
        display_name: str,
        roles: list[Role],
        gender: str | None = None,
        phone: str | None = None,
        national_id: str | None = None,
    ) -> tuple[UUID, int]:
        return self.admin.register(
            RegisterUser(
                SYSTEM_ACTOR, username, password, display_name, roles, gender, phone, national_id
            )
        )

    def ensure_admin(self, username: str, password: str) -> bool:
        """Create the first administrator unless that user exists; True if created."""
        if self.find(username) is not None:
            return False
        try:
            self.register(
                username=username,
                password=password,
                display_name="Administrator",
                roles=[Role.ADMIN],
            )
        except UsernameTaken:
            return False
        return True

    def login(
        self, username: str, password: str, client_ip: str | None, user_agent: str | None
    ) -> LoginOutcome:
        return self.sessions.attempt(username, password, client_ip, user_agent)

    def log_out(self, user_id: UUID, session_id: str) -> int:
        actor = Actor(user_id, "", None, frozenset(), session_id)
        return self.sessions.log_out(LogOut(actor))

    def grant_role(self, user_id: UUID, role: Role) -> int:
        return self.admin.grant_role(GrantRole(SYSTEM_ACTOR, user_id, role))

    def revoke_role(self, user_id: UUID, role: Role) -> int:
        return self.admin.revoke_role(RevokeRole(SYSTEM_ACTOR, user_id, role))

    def grant_permission(self, user_id: UUID, permission: Permission) -> int:
        return self.admin.grant_permission(GrantPermission(SYSTEM_ACTOR, user_id, permission))

    def revoke_permission(self, user_id: UUID, permission: Permission) -> int:
        return self.admin.revoke_permission(RevokePermission(SYSTEM_ACTOR, user_id, permission))

    def change_profile(self, user_id: UUID, **changes: Any) -> int:
        return self.admin.change_profile(ChangeProfile(SYSTEM_ACTOR, user_id, changes))

    def lock(self, user_id: UUID, reason: str, by: UUID) -> int:
        return self.admin.lock(LockAccount(system_acting_for(by), user_id, reason))

    def unlock(self, user_id: UUID, by: UUID) -> int:
        return self.admin.unlock(UnlockAccount(system_acting_for(by), user_id))

    def disable(self, user_id: UUID, reason: str) -> int:
        return self.admin.disable(DisableAccount(SYSTEM_ACTOR, user_id, reason))

    def enable(self, user_id: UUID) -> int:
        return self.admin.enable(EnableAccount(SYSTEM_ACTOR, user_id))

    def assign_estate(self, user_id: UUID, estate_id: UUID) -> int:
        """Let a staff member serve an estate the registry may not hold yet: a
        loader sets up its staff before or without the estate's records, which
        the handler behind the API insists on."""
        user = self.accounts.get(user_id)
        user.assign_estate(estate_id)
        return self.accounts.log.save_and_position(user)

    def erase_personal_data(self, user_id: UUID, reason: str) -> int:
        return self.admin.erase_personal_data(ErasePersonalData(SYSTEM_ACTOR, user_id, reason))
