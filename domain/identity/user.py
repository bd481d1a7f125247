"""The user account: identity, access and login history (R2.1-R2.5, R3.1).

Every change is an event. The aggregate decides; it never fetches: passwords
arrive already hashed or already checked, personal data already encrypted,
and the time of every decision is passed in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.identity.accounts import (
    GUESSES,
    MAX_SESSIONS,
    SESSION_LIMIT,
    USERNAME_NAMESPACE,
    LockoutPolicy,
    LoginResult,
    RefreshResult,
    UserStatus,
    normalise_username,
    user_id_for,
)
from domain.identity.logins import LoginDecisions
from domain.identity.policy import Permission, Role, effective_permissions

# The names other modules import from here since before the split.
__all__ = [
    "GUESSES",
    "MAX_SESSIONS",
    "SESSION_LIMIT",
    "USERNAME_NAMESPACE",
    "LockoutPolicy",
    "LoginResult",
    "RefreshResult",
    "User",
    "UserStatus",
    "normalise_username",
    "user_id_for",
]


class User(LoginDecisions, Aggregate):
    """A person who signs in: staff, owner, resident, visitor or auditor."""

    # The estates a staff member serves. A class default, replaced (never
    # mutated) by each change, so users registered and snapshotted before
    # estates existed read as serving none.
    estates: frozenset[UUID] = frozenset()
    # "sms" once the user has turned on the one-time code (R3.1); a class
    # default for users registered before the second factor existed.
    second_factor: str | None = None

    # The sealed name; a class default for users registered and snapshotted
    # before names were sealed, whose name is the plaintext ``display_name``.
    display_name_enc: str | None = None

    @staticmethod
    def create_id(username: str, **_: Any) -> UUID:
        return user_id_for(username)

    class Registered(Aggregate.Created):
        """A user registered.

        Version 2 carries the display name sealed with the person's key
        (``display_name_enc``), gone with the key. Version 1 events, written
        before names were sealed, carry it in clear in ``display_name``;
        version 2 leaves that field empty. Both stay in the log as written:
        read models show a clear name masked, and nothing once erased.
        """

        class_version = 2
        username: str
        roles: list[Role]
        password_hash: str
        display_name_enc: str | None
        gender: str | None
        phone_enc: str | None
        national_id_enc: str | None
        display_name: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["display_name_enc"] = None

    @event(Registered)
    def __init__(
        self,
        username: str,
        roles: list[Role],
        password_hash: str,
        display_name_enc: str | None = None,
        gender: str | None = None,
        phone_enc: str | None = None,
        national_id_enc: str | None = None,
        display_name: str | None = None,
    ) -> None:
        self.username = normalise_username(username)
        self.display_name_enc = display_name_enc
        self.display_name = display_name  # in clear: only from version 1 events
        self.roles: set[Role] = set(roles)
        self.direct_permissions: set[Permission] = set()
        self.password_hash = password_hash
        self.gender = gender
        self.phone_enc = phone_enc
        self.national_id_enc = national_id_enc
        self.personal_data_erased = False
        self.status = UserStatus.NORMAL
        self.locked_until: datetime | None = None
        self.recent_failures: list[datetime] = []
        # session id -> [refresh generation, refresh expiry]; absent = ended or revoked
        self.sessions: dict[str, list[Any]] = {}

    # ---- queries ---------------------------------------------------------

    @property
    def permissions(self) -> frozenset[Permission]:
        return effective_permissions(self.roles, self.direct_permissions)

    @property
    def primary_role(self) -> str | None:
        order = list(Role)
        return min(self.roles, key=order.index).value if self.roles else None

    def session_is_active(self, session_id: str) -> bool:
        """Whether an access token of this session may still be used."""
        if self.status is UserStatus.DISABLED:
            return False
        if self.status is UserStatus.LOCKED and self.locked_until is None:
            return False  # locked by an administrator: stop at once
        return session_id in self.sessions

    def lock_has_expired(self, at: datetime) -> bool:
        return (
            self.status is UserStatus.LOCKED
            and self.locked_until is not None
            and at >= self.locked_until
        )

    # ---- login and sessions ----------------------------------------------

    @event("SecondFactorChallenged")
    def _second_factor_challenged(
        self, at: datetime, client_ip: str | None, user_agent: str | None, channel: str
    ) -> None:
        pass

    def enable_second_factor(self, at: datetime) -> None:
        """Ask for a one-time code by SMS after the password at every login (R3.1)."""
        if self.second_factor:
            raise InvalidTransition("the SMS one-time code is already on")
        if not self.phone_enc:
            raise ValidationFailed("add a phone number first: the one-time code is sent to it")
        self._second_factor_enabled(channel="sms", at=at)

    @event("SecondFactorEnabled")
    def _second_factor_enabled(self, channel: str, at: datetime) -> None:
        self.second_factor = channel

    def disable_second_factor(self, at: datetime, reason: str) -> None:
        if not self.second_factor:
            raise InvalidTransition("the SMS one-time code is not on")
        self._second_factor_disabled(at=at, reason=reason)

    @event("SecondFactorDisabled")
    def _second_factor_disabled(self, at: datetime, reason: str) -> None:
        self.second_factor = None

    @event("LoginFailed")
    def _login_failed(
        self, at: datetime, client_ip: str | None, user_agent: str | None, reason: str
    ) -> None:
        if reason in GUESSES:
            self.recent_failures = [*self.recent_failures[-49:], at]

    @event("LoginSucceeded")
    def _logged_in(
        self,
        at: datetime,
        client_ip: str | None,
        user_agent: str | None,
        session_id: str,
        refresh_expires_at: datetime,
    ) -> None:
        self.recent_failures = []
        self.sessions = {sid: s for sid, s in self.sessions.items() if s[1] > at}
        self.sessions[session_id] = [0, refresh_expires_at]

    @event("RefreshTokenRotated")
    def _refresh_token_rotated(
        self, session_id: str, generation: int, refresh_expires_at: datetime
    ) -> None:
        self.sessions[session_id] = [generation, refresh_expires_at]

    @event("SessionRevoked")
    def _session_revoked(self, session_id: str, reason: str, at: datetime) -> None:
        self.sessions.pop(session_id, None)

    def log_out(self, session_id: str, at: datetime) -> None:
        if session_id not in self.sessions:
            raise InvalidTransition("this session has already ended")
        self._logged_out(session_id=session_id, at=at)

    @event("LoggedOut")
    def _logged_out(self, session_id: str, at: datetime) -> None:
        self.sessions.pop(session_id, None)

    # ---- credentials and profile -----------------------------------------

    def change_password(self, new_password_hash: str, at: datetime) -> None:
        self._password_changed(password_hash=new_password_hash, at=at)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, at: datetime) -> None:
        self.password_hash = password_hash
        self.sessions = {}  # every session ends: the next request must log in again

    def rehash_password(self, verified_hash: str, new_password_hash: str, at: datetime) -> bool:
        """Store the same password hashed with newer parameters; True if recorded.

        Only over the hash the password was just checked against: a change of
        the password since then wins. Sessions stay: the password is the same.
        """
        if self.password_hash != verified_hash or new_password_hash == verified_hash:
            return False
        self._password_rehashed(password_hash=new_password_hash, at=at)
        return True

    @event("PasswordRehashed")
    def _password_rehashed(self, password_hash: str, at: datetime) -> None:
        self.password_hash = password_hash

    def change_profile(self, **changes: Any) -> None:
        """New values of ``display_name_enc``, ``gender``, ``phone_enc``, ``national_id_enc``.

        ``display_name`` may only be cleared: a name arrives sealed.
        """
        allowed = {"display_name_enc", "display_name", "gender", "phone_enc", "national_id_enc"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationFailed(f"not a profile field: {', '.join(sorted(unknown))}")
        if changes.get("display_name") is not None:
            raise ValidationFailed("display_name: a name is stored sealed (display_name_enc)")
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if self.second_factor and "phone_enc" in changed and not changed["phone_enc"]:
            raise ValidationFailed("turn off the SMS one-time code before removing the phone")
        if changed:
            self._profile_changed(changes=changed)

    @event("ProfileChanged")
    def _profile_changed(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            setattr(self, name, value)
        if any(changes.get(f) for f in ("phone_enc", "national_id_enc", "display_name_enc")):
            self.personal_data_erased = False

    def erase_personal_data(self, at: datetime, reason: str) -> None:
        if self.personal_data_erased:
            raise InvalidTransition("personal data already erased")
        if self.second_factor:
            self._second_factor_disabled(at=at, reason="the phone number was erased")
        self._personal_data_erased(at=at, reason=reason)

    @event("PersonalDataErased")
    def _personal_data_erased(self, at: datetime, reason: str) -> None:
        # The name too, also a name an older release recorded in clear: the
        # log keeps that one, but no state folded from it shows it again.
        self.display_name = None
        self.display_name_enc = None
        self.phone_enc = None
        self.national_id_enc = None
        self.personal_data_erased = True

    # ---- access administration -------------------------------------------

    def grant_role(self, role: Role) -> None:
        if role in self.roles:
            raise InvalidTransition(f"already has role {role}")
        self._role_granted(role=role)

    @event("RoleGranted")
    def _role_granted(self, role: Role) -> None:
        self.roles.add(role)

    def revoke_role(self, role: Role) -> None:
        if role not in self.roles:
            raise InvalidTransition(f"does not have role {role}")
        self._role_revoked(role=role)

    @event("RoleRevoked")
    def _role_revoked(self, role: Role) -> None:
        self.roles.discard(role)

    def grant_permission(self, permission: Permission) -> None:
        if permission in self.direct_permissions:
            raise InvalidTransition(f"already holds {permission}")
        self._permission_granted(permission=permission)

    @event("PermissionGranted")
    def _permission_granted(self, permission: Permission) -> None:
        self.direct_permissions.add(permission)

    def revoke_permission(self, permission: Permission) -> None:
        if permission not in self.direct_permissions:
            raise InvalidTransition(f"does not hold {permission} directly")
        self._permission_revoked(permission=permission)

    @event("PermissionRevoked")
    def _permission_revoked(self, permission: Permission) -> None:
        self.direct_permissions.discard(permission)

    def assign_estate(self, estate_id: UUID) -> None:
        """Let a staff member serve one more estate (their ``estate`` scope, R7.4)."""
        if estate_id in self.estates:
            raise InvalidTransition(f"already serves estate {estate_id}")
        self._estate_assigned(estate_id=estate_id)

    @event("EstateAssigned")
    def _estate_assigned(self, estate_id: UUID) -> None:
        self.estates = self.estates | {estate_id}

    def unassign_estate(self, estate_id: UUID) -> None:
        if estate_id not in self.estates:
            raise InvalidTransition(f"does not serve estate {estate_id}")
        self._estate_unassigned(estate_id=estate_id)

    @event("EstateUnassigned")
    def _estate_unassigned(self, estate_id: UUID) -> None:
        self.estates = self.estates - {estate_id}

    def lock(self, at: datetime, reason: str, by: UUID) -> None:
        """An administrator's lock: no cool-down, and every session ends at once.

        An automatic lock may be turned into one (the sessions it kept may be
        the attacker's); an administrator's lock or a disabled account may not.
        """
        automatically_locked = self.status is UserStatus.LOCKED and self.locked_until is not None
        if self.status is not UserStatus.NORMAL and not automatically_locked:
            raise InvalidTransition(f"cannot lock a {self.status} account")
        self._locked(at=at, reason=reason, until=None, by=by)

    @event("AccountLocked")
    def _locked(self, at: datetime, reason: str, until: datetime | None, by: UUID | None) -> None:
        self.status = UserStatus.LOCKED
        self.locked_until = until
        if until is None:
            self.sessions = {}

    def unlock(self, at: datetime, by: UUID) -> None:
        if self.status is not UserStatus.LOCKED:
            raise InvalidTransition(f"cannot unlock a {self.status} account")
        self._unlocked(at=at, reason="unlocked by an administrator", by=by)

    @event("AccountUnlocked")
    def _unlocked(self, at: datetime, reason: str, by: UUID | None) -> None:
        self.status = UserStatus.NORMAL
        self.locked_until = None
        self.recent_failures = []

    def disable(self, at: datetime, reason: str) -> None:
        if self.status is UserStatus.DISABLED:
            raise InvalidTransition("already disabled")
        self._disabled(at=at, reason=reason)

    @event("AccountDisabled")
    def _disabled(self, at: datetime, reason: str) -> None:
        self.status = UserStatus.DISABLED
        self.sessions = {}

    def enable(self, at: datetime) -> None:
        if self.status is not UserStatus.DISABLED:
            raise InvalidTransition(f"cannot enable a {self.status} account")
        self._enabled(at=at)

    @event("AccountEnabled")
    def _enabled(self, at: datetime) -> None:
        self.status = UserStatus.NORMAL
        self.recent_failures = []
