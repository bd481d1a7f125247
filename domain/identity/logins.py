"""How a user's login, second factor and refresh are decided (R2.4, R3.1).

The decisions of :class:`~domain.identity.user.User` that take a login step:
refuse a locked or disabled account, count wrong guesses towards the
lockout, keep the number of sessions bounded, rotate refresh tokens. They
live apart from the aggregate's events so that each file reads as one
concept; they record only through the ``@event`` methods of ``User``
(where the event classes, and so their stored topics, stay).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.identity.accounts import (
    MAX_SESSIONS,
    SESSION_LIMIT,
    LockoutPolicy,
    LoginResult,
    RefreshResult,
    UserStatus,
)


class LoginDecisions:
    """Mixed into ``User``: the login steps, as decisions over its state."""

    if TYPE_CHECKING:
        status: UserStatus
        locked_until: datetime | None
        recent_failures: list[datetime]
        sessions: dict[str, list[Any]]
        second_factor: str | None

        def session_is_active(self, session_id: str) -> bool: ...
        def lock_has_expired(self, at: datetime) -> bool: ...
        def _unlocked(self, at: datetime, reason: str, by: Any) -> None: ...
        def _locked(self, at: datetime, reason: str, until: Any, by: Any) -> None: ...
        def _login_failed(
            self, at: datetime, client_ip: str | None, user_agent: str | None, reason: str
        ) -> None: ...
        def _second_factor_challenged(
            self, at: datetime, client_ip: str | None, user_agent: str | None, channel: str
        ) -> None: ...
        def _logged_in(
            self,
            at: datetime,
            client_ip: str | None,
            user_agent: str | None,
            session_id: str,
            refresh_expires_at: datetime,
        ) -> None: ...
        def _session_revoked(self, session_id: str, reason: str, at: datetime) -> None: ...
        def _refresh_token_rotated(
            self, session_id: str, generation: int, refresh_expires_at: datetime
        ) -> None: ...

    def attempt_login(
        self,
        *,
        password_ok: bool,
        at: datetime,
        client_ip: str | None,
        user_agent: str | None,
        session_id: str,
        refresh_expires_at: datetime,
        policy: LockoutPolicy,
    ) -> LoginResult:
        """Record one login attempt and decide its outcome.

        Five failures within the window (by default) lock the account until
        the cool-down ends; a locked or disabled account never logs in.
        """
        refused = self._refused(at, client_ip, user_agent)
        if refused is not None:
            return refused
        if not password_ok:
            self._guessed_wrong("wrong password", at, client_ip, user_agent, policy)
            return LoginResult.WRONG_PASSWORD
        if self.second_factor:
            self._second_factor_challenged(
                at=at, client_ip=client_ip, user_agent=user_agent, channel=self.second_factor
            )
            return LoginResult.SECOND_FACTOR_REQUIRED
        self._open_session(at, client_ip, user_agent, session_id, refresh_expires_at)
        return LoginResult.SUCCEEDED

    def complete_second_factor(
        self,
        *,
        code_ok: bool,
        at: datetime,
        client_ip: str | None,
        user_agent: str | None,
        session_id: str,
        refresh_expires_at: datetime,
        policy: LockoutPolicy,
    ) -> LoginResult:
        """The second step of a login: the one-time code sent after the password.

        A wrong code counts towards the lockout like a wrong password, and the
        account may have been locked or disabled since the first step.
        """
        refused = self._refused(at, client_ip, user_agent)
        if refused is not None:
            return refused
        if not code_ok:
            self._guessed_wrong("wrong one-time code", at, client_ip, user_agent, policy)
            return LoginResult.WRONG_CODE
        self._open_session(at, client_ip, user_agent, session_id, refresh_expires_at)
        return LoginResult.SUCCEEDED

    def _open_session(
        self,
        at: datetime,
        client_ip: str | None,
        user_agent: str | None,
        session_id: str,
        refresh_expires_at: datetime,
    ) -> None:
        self._make_room_for_a_session(at)
        self._logged_in(
            at=at,
            client_ip=client_ip,
            user_agent=user_agent,
            session_id=session_id,
            refresh_expires_at=refresh_expires_at,
        )

    def _refused(
        self, at: datetime, client_ip: str | None, user_agent: str | None
    ) -> LoginResult | None:
        """Disabled or (still) locked: the attempt fails whatever it carries."""
        if self.lock_has_expired(at):
            self._unlocked(at=at, reason="cool-down elapsed", by=None)
        if self.status is UserStatus.DISABLED:
            self._login_failed(at=at, client_ip=client_ip, user_agent=user_agent, reason="disabled")
            return LoginResult.DISABLED
        if self.status is UserStatus.LOCKED:
            self._login_failed(at=at, client_ip=client_ip, user_agent=user_agent, reason="locked")
            return LoginResult.LOCKED
        return None

    def _guessed_wrong(
        self,
        reason: str,
        at: datetime,
        client_ip: str | None,
        user_agent: str | None,
        policy: LockoutPolicy,
    ) -> None:
        self._login_failed(at=at, client_ip=client_ip, user_agent=user_agent, reason=reason)
        self._lock_if_too_many_failures(at, policy)

    def reauthentication_failed(
        self,
        *,
        at: datetime,
        client_ip: str | None,
        user_agent: str | None,
        policy: LockoutPolicy,
    ) -> None:
        """A wrong current password (e.g. to change it) counts as a failed login.

        Otherwise a stolen session could guess the password without limit.
        """
        self._login_failed(
            at=at, client_ip=client_ip, user_agent=user_agent, reason="wrong password"
        )
        if self.status is UserStatus.NORMAL:
            self._lock_if_too_many_failures(at, policy)

    def _lock_if_too_many_failures(self, at: datetime, policy: LockoutPolicy) -> None:
        recent = [t for t in self.recent_failures if at - t < policy.window]
        if len(recent) >= policy.threshold:
            self._locked(
                at=at,
                reason=f"{len(recent)} failed logins within {policy.window}",
                until=at + policy.cooldown,
                by=None,
            )

    def _make_room_for_a_session(self, at: datetime) -> None:
        """At the limit, end the sessions used least recently (earliest refresh
        expiry) so that the new one is the limit's last."""
        live = sorted((s[1], sid) for sid, s in self.sessions.items() if s[1] > at)
        for _, session_id in live[: max(0, len(live) - MAX_SESSIONS + 1)]:
            self._session_revoked(session_id=session_id, reason=SESSION_LIMIT, at=at)

    def rotate_refresh_token(
        self, *, session_id: str, generation: int, at: datetime, refresh_expires_at: datetime
    ) -> RefreshResult:
        """Swap a refresh token for the next one; a spent one revokes the session."""
        session = self.sessions.get(session_id)
        if session is None or not self.session_is_active(session_id) or session[1] <= at:
            return RefreshResult.INVALID
        if generation < session[0]:
            self._session_revoked(session_id=session_id, reason="refresh token reused", at=at)
            return RefreshResult.REUSED
        if generation > session[0]:
            return RefreshResult.INVALID
        self._refresh_token_rotated(
            session_id=session_id, generation=generation + 1, refresh_expires_at=refresh_expires_at
        )
        return RefreshResult.ROTATED
