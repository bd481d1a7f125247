"""Identity commands: one small handler per command over the event log."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Container
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.identity.ports import CodeSender, OneTimeCodes, Passwords, Vault
from application.ports import EventLogPort
from domain.errors import ValidationFailed
from domain.identity.alerts import AdminAlert, Severity, UnknownUserLoginFailed
from domain.identity.passwords import check_password
from domain.identity.policy import Permission, Role
from domain.identity.user import (
    LockoutPolicy,
    LoginResult,
    RefreshResult,
    User,
    UserStatus,
    normalise_username,
    user_id_for,
)

log = logging.getLogger(__name__)


class UserNotFound(Exception):
    pass


class UsernameTaken(Exception):
    pass


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    user: User | None
    session_id: str | None
    position: int
    password_ok: bool = False
    challenge_id: str | None = None  # when the one-time code is the next step


class SecondFactorUnavailable(Exception):
    """No one-time codes can be issued here (no code store or sender configured)."""


class ChallengeExpired(Exception):
    """The one-time code's challenge is unknown, used up or expired: log in again."""


# Profile fields sealed with the person's key before they enter an event.
SEALED_FIELDS = ("display_name", "phone", "national_id")


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    ) -> None:
        self.log = event_log
        self.passwords = passwords
        self.common_passwords = common_passwords
        self.vault = vault
        self.policy = policy
        self.refresh_ttl = refresh_ttl
        self.clock = clock
        self.codes = codes
        self.code_sender = code_sender

    # ---- queries ---------------------------------------------------------

    def get(self, user_id: UUID) -> User:
        """The user, current as of the log, as a private copy the caller may change."""
        return self._load(user_id, copy=True)

    def get_for_reading(self, user_id: UUID) -> User:
        """The user, current as of the log, for checks that never change it.

        The repository's cached instance itself, fast-forwarded from the log
        like :meth:`get`, so the checks see every event committed before the
        call (a logout, a disable, a revoked role) without the deep copy
        :meth:`get` makes. Never call a command method on it, never save it:
        it is shared by every request. Commands load with :meth:`get`.
        """
        return self._load(user_id, copy=False)

    def _load(self, user_id: UUID, *, copy: bool) -> User:
        try:
            user = self.log.repository.get(user_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise UserNotFound(str(user_id)) from None
        if not isinstance(user, User):
            raise UserNotFound(str(user_id))
        return user

    def display_name(self, user: User) -> str | None:
        """The user's name in clear, or None once erased (never to be stored)."""
        if user.display_name_enc:
            return self.vault.decrypt(user.id, "display_name", user.display_name_enc)
        return user.display_name

    def find(self, username: str) -> User | None:
        try:
            return self.get(user_id_for(username))
        except (UserNotFound, ValidationFailed):
            return None

    # ---- commands --------------------------------------------------------

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
        name = normalise_username(username)
        self.check_password(password, name, display_name)
        uid = user_id_for(name)
        user = User(
            username=name,
            display_name_enc=self._seal(uid, "display_name", display_name),
            roles=sorted(set(roles)),
            password_hash=self.passwords.hash(password),
            gender=gender,
            phone_enc=self._seal(uid, "phone", phone),
            national_id_enc=self._seal(uid, "national_id", national_id),
        )
        try:
            return user.id, self.log.save_and_position(user)
        except IntegrityError:
            raise UsernameTaken(name) from None

    def login(
        self, username: str, password: str, client_ip: str | None, user_agent: str | None
    ) -> LoginOutcome:
        user = self.find(username)
        password_ok = self.passwords.verify(user.password_hash if user else None, password)
        if user is None:
            attempt = UnknownUserLoginFailed(
                username_attempted=_loggable_username(username),
                at=self.clock(),
                client_ip=client_ip,
                user_agent=user_agent,
            )
            position = self.log.save_and_position(attempt)
            return LoginOutcome(LoginResult.WRONG_PASSWORD, None, None, position)
        verified_hash = user.password_hash
        # Parameters raised since the hash was made: store it anew while the
        # password is at hand (it never is otherwise).
        rehashed = (
            self.passwords.hash(password)
            if password_ok and self.passwords.needs_rehash(verified_hash)
            else None
        )

        def decide(u: User, **at: Any) -> LoginResult:
            result = u.attempt_login(password_ok=password_ok, **at)
            if rehashed and result in _PASSWORD_ACCEPTED:
                u.rehash_password(verified_hash, rehashed, at=at["at"])
            return result

        outcome = self._attempt(user, client_ip, user_agent, decide)
        if outcome.result is LoginResult.SECOND_FACTOR_REQUIRED:
            outcome = replace(outcome, challenge_id=self._challenge(user.id))
        return replace(outcome, password_ok=password_ok)

    def complete_login(
        self, challenge_id: str, code: str, client_ip: str | None, user_agent: str | None
    ) -> LoginOutcome:
        """The second step of a login with the SMS one-time code."""
        if self.codes is None:
            raise SecondFactorUnavailable
        user_id, code_ok = self.codes.redeem(challenge_id, code)
        if user_id is None:
            raise ChallengeExpired
        outcome = self._attempt(
            self.get(user_id),
            client_ip,
            user_agent,
            lambda u, **at: u.complete_second_factor(code_ok=code_ok, **at),
        )
        return replace(outcome, password_ok=True)

    def _attempt(
        self,
        user: User,
        client_ip: str | None,
        user_agent: str | None,
        decide: Callable[..., LoginResult],
    ) -> LoginOutcome:
        """Let ``decide`` record one login step on ``user`` and save it, with the
        administrators' alert if this step locked the account; concurrent
        attempts on one account are decided again on the newer state."""
        session_id = secrets.token_urlsafe(16)
        for _ in range(5):
            now = self.clock()
            was_locked = user.status is UserStatus.LOCKED
            result = decide(
                user,
                at=now,
                client_ip=client_ip,
                user_agent=user_agent,
                session_id=session_id,
                refresh_expires_at=now + self.refresh_ttl,
                policy=self.policy,
            )
            try:
                position = self.log.save_and_position(
                    user, *self._lock_alert(user, was_locked, client_ip)
                )
            except IntegrityError:
                user = self.get(user.id)
                continue
            session = session_id if result is LoginResult.SUCCEEDED else None
            return LoginOutcome(result, user, session, position)
        raise IntegrityError("too many concurrent login attempts on one account")

    def enable_second_factor(
        self, user_id: UUID, password: str, client_ip: str | None, user_agent: str | None
    ) -> int:
        """Turn on the SMS one-time code; the password is asked again, as for a change of it."""
        if self.codes is None or self.code_sender is None:
            raise SecondFactorUnavailable
        user = self._reauthenticated(user_id, password, client_ip, user_agent)
        user.enable_second_factor(at=self.clock())
        return self.log.save_and_position(user)

    def disable_second_factor(
        self, user_id: UUID, password: str, client_ip: str | None, user_agent: str | None
    ) -> int:
        user = self._reauthenticated(user_id, password, client_ip, user_agent)
        user.disable_second_factor(at=self.clock(), reason="turned off by the user")
        return self.log.save_and_position(user)

    def _reauthenticated(
        self, user_id: UUID, password: str, client_ip: str | None, user_agent: str | None
    ) -> User:
        """The user, once ``password`` is theirs; a wrong one counts as a failed login."""
        user = self.get(user_id)
        if not self.passwords.verify(user.password_hash, password):
            was_locked = user.status is UserStatus.LOCKED
            user.reauthentication_failed(
                at=self.clock(), client_ip=client_ip, user_agent=user_agent, policy=self.policy
            )
            self.log.save_and_position(user, *self._lock_alert(user, was_locked, client_ip))
            raise ValidationFailed("current password is wrong")
        return user

    def _challenge(self, user_id: UUID) -> str:
        if self.codes is None or self.code_sender is None:
            raise SecondFactorUnavailable
        challenge_id, code = self.codes.issue(user_id)
        self.code_sender.send_code(user_id, code)
        return challenge_id

    def refresh(self, user_id: UUID, session_id: str, generation: int) -> tuple[RefreshResult, int]:
        user = self.get(user_id)
        now = self.clock()
        result = user.rotate_refresh_token(
            session_id=session_id,
            generation=generation,
            at=now,
            refresh_expires_at=now + self.refresh_ttl,
        )
        return result, self.log.save_and_position(user)

    def log_out(self, user_id: UUID, session_id: str) -> int:
        return self._change(user_id, lambda u: u.log_out(session_id, at=self.clock()))

    def change_password(
        self,
        user_id: UUID,
        current: str,
        new: str,
        client_ip: str | None = None,
        user_agent: str | None = None,
    ) -> int:
        user = self._reauthenticated(user_id, current, client_ip, user_agent)
        self.check_password(new, user.username, self.display_name(user))
        user.change_password(self.passwords.hash(new), at=self.clock())
        return self.log.save_and_position(user)

    def reset_password(self, user_id: UUID, new: str) -> int:
        user = self.get(user_id)
        self.check_password(new, user.username, self.display_name(user))
        user.change_password(self.passwords.hash(new), at=self.clock())
        return self.log.save_and_position(user)

    def change_profile(self, user_id: UUID, **changes: Any) -> int:
        if "display_name" in changes and not changes["display_name"]:
            raise ValidationFailed("display_name: a name cannot be removed (erasure removes it)")
        sealed: dict[str, Any] = {}
        for key, value in changes.items():
            if key in SEALED_FIELDS:
                sealed[f"{key}_enc"] = self._seal(user_id, key, value)
            else:
                sealed[key] = value
        if "display_name" in changes:
            sealed["display_name"] = None  # a name an older release kept in clear
        return self._change(user_id, lambda u: u.change_profile(**sealed))

    def erase_personal_data(self, user_id: UUID, reason: str) -> int:
        user = self.get(user_id)
        user.erase_personal_data(at=self.clock(), reason=reason)
        position = self.log.save_and_position(user)
        self.vault.erase(user_id)
        # An older snapshot may hold a name an older release kept in clear.
        self.log.forget_snapshots(user_id)
        return position

    def grant_role(self, user_id: UUID, role: Role) -> int:
        return self._change(user_id, lambda u: u.grant_role(role))

    def revoke_role(self, user_id: UUID, role: Role) -> int:
        return self._change(user_id, lambda u: u.revoke_role(role))

    def grant_permission(self, user_id: UUID, permission: Permission) -> int:
        return self._change(user_id, lambda u: u.grant_permission(permission))

    def revoke_permission(self, user_id: UUID, permission: Permission) -> int:
        return self._change(user_id, lambda u: u.revoke_permission(permission))

    def assign_estate(self, user_id: UUID, estate_id: UUID) -> int:
        return self._change(user_id, lambda u: u.assign_estate(estate_id))

    def unassign_estate(self, user_id: UUID, estate_id: UUID) -> int:
        return self._change(user_id, lambda u: u.unassign_estate(estate_id))

    def lock(self, user_id: UUID, reason: str, by: UUID) -> int:
        return self._change(user_id, lambda u: u.lock(at=self.clock(), reason=reason, by=by))

    def unlock(self, user_id: UUID, by: UUID) -> int:
        return self._change(user_id, lambda u: u.unlock(at=self.clock(), by=by))

    def disable(self, user_id: UUID, reason: str) -> int:
        return self._change(user_id, lambda u: u.disable(at=self.clock(), reason=reason))

    def enable(self, user_id: UUID) -> int:
        return self._change(user_id, lambda u: u.enable(at=self.clock()))

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

    def check_password(self, password: str, username: str, display_name: str | None) -> None:
        """The one password rule, for every way a password is set (``WeakPassword``)."""
        check_password(
            password, common=self.common_passwords, username=username, display_name=display_name
        )

    # ---- internals -------------------------------------------------------

    def _lock_alert(self, user: User, was_locked: bool, client_ip: str | None) -> list[AdminAlert]:
        """The administrators' alert when this attempt is the one that locked the account."""
        if user.status is not UserStatus.LOCKED or was_locked:
            return []
        return [
            AdminAlert(
                kind="account_locked",
                severity=Severity.WARNING,
                subject_id=user.id,
                message=f"account {user.username} locked after repeated failed logins "
                f"(last from {client_ip or 'unknown address'})",
                at=self.clock(),
            )
        ]

    def _change(self, user_id: UUID, change: Callable[[User], None]) -> int:
        user = self.get(user_id)
        change(user)
        return self.log.save_and_position(user)

    def _seal(self, uid: UUID, field: str, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return self.vault.encrypt(uid, field, value)


_PASSWORD_ACCEPTED = frozenset({LoginResult.SUCCEEDED, LoginResult.SECOND_FACTOR_REQUIRED})


def _loggable_username(attempted: str) -> str | None:
    # A password typed into the username box must not land in a log kept forever.
    try:
        return normalise_username(attempted)
    except ValidationFailed:
        return None
