"""What every identity handler shares: loading a user, sealing personal data,
the one password rule, saving with the administrators' lockout alert."""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.actor import Actor
from application.identity.errors import UserNotFound
from application.identity.ports import Passwords, UserVersions, Vault
from application.identity.principals import Principals, version_and_actor
from application.ports import EventLogPort, Ids
from domain.errors import ValidationFailed
from domain.identity.alerts import AdminAlert, Severity
from domain.identity.passwords import check_password
from domain.identity.user import LockoutPolicy, User, UserStatus, user_id_for

# Profile fields sealed with the person's key before they enter an event.
SEALED_FIELDS = ("display_name", "phone", "national_id")


class Accounts:
    """The users in the log, and the rules every way of changing one shares."""

    def __init__(
        self,
        event_log: EventLogPort,
        passwords: Passwords,
        vault: Vault,
        policy: LockoutPolicy,
        clock: Callable[[], datetime],
        common_passwords: Container[str],
        *,
        ids: Ids,
        versions: UserVersions | None = None,
    ) -> None:
        self.log = event_log
        self.passwords = passwords
        self.vault = vault
        self.policy = policy
        self.clock = clock
        self.common_passwords = common_passwords
        self.ids = ids
        self.principals = Principals(versions)

    def get(self, user_id: UUID) -> User:
        """The user, current as of the log, as a private copy the caller may change.

        The copy this process holds, without a round trip, when every process
        is told the user is still at its version (decision 0035: the caller
        of this very request was read so); otherwise read from the log.
        """
        versions = self.principals.versions
        current = versions.current(user_id) if versions is not None else None
        if current is not None:
            recalled = self.log.recall(user_id)
            if isinstance(recalled, User) and recalled.version == current:
                return recalled
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
            raise UserNotFound() from None
        if not isinstance(user, User):
            raise UserNotFound()
        return user

    def actor(self, user_id: UUID, session_id: str) -> Actor | None:
        """Who the holder of this session is, as the policy sees them; None once
        the session has ended (``UserNotFound`` if there is no such user).

        As of the user's latest version on every request, so a logout, a
        password change, a disable or a revoked role takes effect on the very
        next one: kept from an earlier request while every process is told
        the user is unchanged (``principals.py``), else read from the log.
        Read from the shared cached instance, not a copy: another request may
        fast-forward it meanwhile, which makes what is read newer, never
        older; if a set changes size under the read, read a copy.
        """

        def read() -> tuple[int, Actor | None]:
            try:
                return version_and_actor(self.get_for_reading(user_id), session_id)
            except RuntimeError:
                return version_and_actor(self.get(user_id), session_id)

        return self.principals.actor(user_id, session_id, read)

    def find(self, username: str) -> User | None:
        try:
            return self.get(user_id_for(username))
        except (UserNotFound, ValidationFailed):
            return None

    def display_name(self, user: User) -> str | None:
        """The user's name in clear, or None once erased (never to be stored)."""
        if user.display_name_enc:
            return self.vault.decrypt(user.id, "display_name", user.display_name_enc)
        return user.display_name

    def check_password(self, password: str, username: str, display_name: str | None) -> None:
        """The one password rule, for every way a password is set (``WeakPassword``)."""
        check_password(
            password, common=self.common_passwords, username=username, display_name=display_name
        )

    def seal(self, uid: UUID, field: str, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return self.vault.encrypt(uid, field, value)

    def reauthenticated(
        self, user_id: UUID, password: str, client_ip: str | None, user_agent: str | None
    ) -> User:
        """The user, once ``password`` is theirs; a wrong one counts as a failed login."""
        user = self.get(user_id)
        if not self.passwords.verify(user.password_hash, password):
            was_locked = user.status is UserStatus.LOCKED
            user.reauthentication_failed(
                at=self.clock(), client_ip=client_ip, user_agent=user_agent, policy=self.policy
            )
            self.log.save_and_position(user, *self.lock_alert(user, was_locked, client_ip))
            raise ValidationFailed("current password is wrong")
        return user

    def lock_alert(self, user: User, was_locked: bool, client_ip: str | None) -> list[AdminAlert]:
        """The administrators' alert when this attempt is the one that locked the account."""
        if user.status is not UserStatus.LOCKED or was_locked:
            return []
        return [
            AdminAlert(
                id=self.ids(),
                kind="account_locked",
                severity=Severity.WARNING,
                subject_id=user.id,
                message=f"account {user.username} locked after repeated failed logins "
                f"(last from {client_ip or 'unknown address'})",
                at=self.clock(),
            )
        ]
