"""Logins, sessions and the caller's own account: what a login hands out and when.

The rules that lived in the login route live here: how often one address
may try, which answer a refused login gets (only someone who knows the
password learns that the account is locked or disabled), and which tokens a
session gets at each step. Signing them is the ``Tokens`` port's business.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.actor import Actor
from application.identity.accounts import Accounts
from application.identity.commands import (
    ChangePassword,
    ChangeSecondFactor,
    CompleteLogin,
    LogIn,
    LogOut,
    RefreshSession,
)
from application.identity.errors import (
    ChallengeExpired,
    InvalidToken,
    SecondFactorUnavailable,
    TooManyLoginAttempts,
    UserNotFound,
)
from application.identity.ports import AttemptCounter, CodeSender, OneTimeCodes, Tokens
from domain.errors import ValidationFailed
from domain.identity.alerts import UnknownUserLoginFailed
from domain.identity.user import (
    LoginResult,
    RefreshResult,
    User,
    UserStatus,
    normalise_username,
)

WRONG_GUESS = "wrong username or password"
REFUSALS = {
    LoginResult.LOCKED: "this account is locked; try again later or ask an administrator",
    LoginResult.DISABLED: "this account is disabled",
}


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    user: User | None
    session_id: str | None
    position: int
    password_ok: bool = False
    challenge_id: str | None = None  # when the one-time code is the next step


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class LoginAnswer:
    """What a login step answers: tokens, a refusal to show, or a code to ask for."""

    position: int | None
    tokens: IssuedTokens | None = None
    refusal: str | None = None
    challenge_id: str | None = None


class Sessions:
    def __init__(
        self,
        accounts: Accounts,
        *,
        refresh_ttl: timedelta,
        tokens: Tokens | None = None,
        attempts: AttemptCounter | None = None,
        login_rate_limit: int = 0,
        codes: OneTimeCodes | None = None,
        code_sender: CodeSender | None = None,
    ) -> None:
        self.accounts = accounts
        self.refresh_ttl = refresh_ttl
        self.tokens = tokens
        self.attempts = attempts
        self.login_rate_limit = login_rate_limit
        self.codes = codes
        self.code_sender = code_sender

    # ---- handlers --------------------------------------------------------

    def log_in(self, cmd: LogIn) -> LoginAnswer:
        """Log in with username and password; every attempt is an event."""
        self._throttle(cmd.client_ip)
        outcome = self.attempt(cmd.username, cmd.password, cmd.client_ip, cmd.user_agent)
        if outcome.result is LoginResult.SECOND_FACTOR_REQUIRED:
            return LoginAnswer(outcome.position, challenge_id=outcome.challenge_id)
        return self._answer(outcome)

    def complete_login(self, cmd: CompleteLogin) -> LoginAnswer:
        """The second step of a login with the SMS one-time code."""
        self._throttle(cmd.client_ip)
        if self.codes is None:
            raise SecondFactorUnavailable
        user_id, code_ok = self.codes.redeem(cmd.challenge_id, cmd.code)
        if user_id is None:
            raise ChallengeExpired
        outcome = self._record(
            self.accounts.get(user_id),
            cmd.client_ip,
            cmd.user_agent,
            lambda u, **at: u.complete_second_factor(code_ok=code_ok, **at),
        )
        if outcome.result is LoginResult.WRONG_CODE:
            return LoginAnswer(outcome.position, refusal="wrong one-time code")
        return self._answer(replace(outcome, password_ok=True))

    def refresh(self, cmd: RefreshSession) -> LoginAnswer:
        """Swap a refresh token for a new pair; a spent one revokes its whole session."""
        try:
            claims = self._tokens().parse_refresh(cmd.refresh_token)
            user = self.accounts.get(claims.user_id)
        except (InvalidToken, UserNotFound):
            return LoginAnswer(None, refusal="invalid refresh token")
        now = self.accounts.clock()
        result = user.rotate_refresh_token(
            session_id=claims.session_id,
            generation=claims.generation,
            at=now,
            refresh_expires_at=now + self.refresh_ttl,
        )
        position = self.accounts.log.save_and_position(user)
        if result is RefreshResult.ROTATED:
            pair = self._issue(user.id, claims.session_id, claims.generation + 1)
            return LoginAnswer(position, tokens=pair)
        if result is RefreshResult.REUSED:
            return LoginAnswer(
                position, refusal="refresh token already used: the session has been revoked"
            )
        return LoginAnswer(None, refusal="invalid or expired refresh token")

    def log_out(self, cmd: LogOut) -> int:
        user = self.accounts.get(cmd.actor.user_id)
        user.log_out(cmd.actor.session_id, at=self.accounts.clock())
        return self.accounts.log.save_and_position(user)

    def change_second_factor(self, cmd: ChangeSecondFactor) -> int:
        """Turn the SMS one-time code on or off; the password is asked again."""
        # Before the password is checked again: a refused caller must not get
        # a guess counted against the account (nor a guess at all).
        cmd.actor.require("second_factor:manage", owner_id=cmd.actor.user_id)
        if cmd.enabled and (self.codes is None or self.code_sender is None):
            raise SecondFactorUnavailable
        a = self.accounts
        user = a.reauthenticated(cmd.actor.user_id, cmd.password, cmd.client_ip, cmd.user_agent)
        if cmd.enabled:
            user.enable_second_factor(at=a.clock())
        else:
            user.disable_second_factor(at=a.clock(), reason="turned off by the user")
        return a.log.save_and_position(user)

    def change_password(self, cmd: ChangePassword) -> int:
        # Checked before the current password is, for the same reason as above.
        cmd.actor.require("password:change", owner_id=cmd.actor.user_id)
        a = self.accounts
        user = a.reauthenticated(
            cmd.actor.user_id, cmd.current_password, cmd.client_ip, cmd.user_agent
        )
        a.check_password(cmd.new_password, user.username, a.display_name(user))
        user.change_password(a.passwords.hash(cmd.new_password), at=a.clock())
        return a.log.save_and_position(user)

    def second_factor_of(self, actor: Actor) -> str | None:
        """The caller's second factor ("sms"), or None: as of the user the actor
        was worked out from, which the request read already."""
        return actor.second_factor

    # ---- the steps -------------------------------------------------------

    def attempt(
        self, username: str, password: str, client_ip: str | None, user_agent: str | None
    ) -> LoginOutcome:
        """Decide and record one password attempt (no throttle: trusted callers too)."""
        a = self.accounts
        user = a.find(username)
        password_ok = a.passwords.verify(user.password_hash if user else None, password)
        if user is None:
            attempt = UnknownUserLoginFailed(
                id=a.ids(),
                username_attempted=_loggable_username(username),
                at=a.clock(),
                client_ip=client_ip,
                user_agent=user_agent,
            )
            position = a.log.save_and_position(attempt)
            return LoginOutcome(LoginResult.WRONG_PASSWORD, None, None, position)
        verified_hash = user.password_hash
        # Parameters raised since the hash was made: store it anew while the
        # password is at hand (it never is otherwise).
        rehashed = (
            a.passwords.hash(password)
            if password_ok and a.passwords.needs_rehash(verified_hash)
            else None
        )

        def decide(u: User, **at: Any) -> LoginResult:
            result = u.attempt_login(password_ok=password_ok, **at)
            if rehashed and result in _PASSWORD_ACCEPTED:
                u.rehash_password(verified_hash, rehashed, at=at["at"])
            return result

        outcome = self._record(user, client_ip, user_agent, decide)
        if outcome.result is LoginResult.SECOND_FACTOR_REQUIRED:
            outcome = replace(outcome, challenge_id=self._challenge(user.id))
        return replace(outcome, password_ok=password_ok)

    def _record(
        self,
        user: User,
        client_ip: str | None,
        user_agent: str | None,
        decide: Callable[..., LoginResult],
    ) -> LoginOutcome:
        """Let ``decide`` record one login step on ``user`` and save it, with the
        administrators' alert if this step locked the account; concurrent
        attempts on one account are decided again on the newer state."""
        a = self.accounts
        session_id = secrets.token_urlsafe(16)
        for _ in range(5):
            now = a.clock()
            was_locked = user.status is UserStatus.LOCKED
            result = decide(
                user,
                at=now,
                client_ip=client_ip,
                user_agent=user_agent,
                session_id=session_id,
                refresh_expires_at=now + self.refresh_ttl,
                policy=a.policy,
            )
            try:
                position = a.log.save_and_position(user, *a.lock_alert(user, was_locked, client_ip))
            except IntegrityError:
                user = a.get(user.id)
                continue
            session = session_id if result is LoginResult.SUCCEEDED else None
            return LoginOutcome(result, user, session, position)
        raise IntegrityError("too many concurrent login attempts on one account")

    def _answer(self, outcome: LoginOutcome) -> LoginAnswer:
        if outcome.result is LoginResult.SUCCEEDED:
            assert outcome.user is not None and outcome.session_id is not None
            pair = self._issue(outcome.user.id, outcome.session_id, 0)
            return LoginAnswer(outcome.position, tokens=pair)
        # Only someone who knows the password learns that the account is locked
        # or disabled; anyone else gets the same answer as for a wrong guess, so
        # the answer does not tell whether an account exists.
        refusal = REFUSALS.get(outcome.result, WRONG_GUESS) if outcome.password_ok else WRONG_GUESS
        return LoginAnswer(outcome.position, refusal=refusal)

    def _issue(self, user_id: UUID, session_id: str, generation: int) -> IssuedTokens:
        tokens = self._tokens()
        # Wall time, not the service's clock: the token's expiry is checked
        # against wall time wherever it is presented.
        return IssuedTokens(
            access_token=tokens.issue_access(user_id, session_id, datetime.now(UTC)),
            refresh_token=tokens.issue_refresh(user_id, session_id, generation),
            expires_in=int(tokens.access_ttl.total_seconds()),
        )

    def _tokens(self) -> Tokens:
        if self.tokens is None:
            raise RuntimeError("no token issuer is configured")
        return self.tokens

    def _throttle(self, client_ip: str | None) -> None:
        """At most ``login_rate_limit`` login calls per client address per minute."""
        if self.attempts is None:
            return
        count, retry_after = self.attempts.count_this_minute(client_ip or "unknown")
        if count > self.login_rate_limit:
            raise TooManyLoginAttempts(retry_after)

    def _challenge(self, user_id: UUID) -> str:
        if self.codes is None or self.code_sender is None:
            raise SecondFactorUnavailable
        challenge_id, code = self.codes.issue(user_id)
        self.code_sender.send_code(user_id, code)
        return challenge_id


_PASSWORD_ACCEPTED = frozenset({LoginResult.SUCCEEDED, LoginResult.SECOND_FACTOR_REQUIRED})


def _loggable_username(attempted: str) -> str | None:
    # A password typed into the username box must not land in a log kept forever.
    try:
        return normalise_username(attempted)
    except ValidationFailed:
        return None
