"""Login, token refresh, logout, the caller's own account and password."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response

from application.context import current_context
from application.identity.service import (
    ChallengeExpired,
    LoginOutcome,
    SecondFactorUnavailable,
    UserNotFound,
)
from domain.identity.policy import Permission
from domain.identity.user import LoginResult, RefreshResult
from infrastructure.one_time_codes import CHALLENGE_TTL_SECONDS
from infrastructure.tokens import InvalidToken
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Command, accepted
from interfaces.http.security import BEARER, Principal, container, public, requires
from interfaces.http.text import Secret, SingleLine

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginRequest(Command):
    username: Annotated[str, SingleLine(128)]
    password: Annotated[str, Secret(256)]


class RefreshRequest(Command):
    refresh_token: Annotated[str, Secret(512)]


class TokenPair(Accepted):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (OAuth token type)
    expires_in: int


class CodeRequest(Command):
    challenge_id: Annotated[str, SingleLine(128)]
    code: Annotated[str, SingleLine(6, pattern=r"^[0-9]{6}$")]


class SecondFactorChange(Command):
    enabled: bool
    password: Annotated[str, Secret(256)]


class PasswordChange(Command):
    current_password: Annotated[str, Secret(256)]
    new_password: Annotated[str, Secret(256)]


class Me(Accepted):
    user_id: str
    username: str
    role: str | None
    permissions: list[str]
    second_factor: str | None = None


def _throttle(request: Request) -> None:
    """At most N login calls per client address per minute (429 beyond)."""
    c = container(request)
    limit = c.settings.login_rate_limit_per_minute
    ip = request.client.host if request.client else "unknown"
    window = int(time.time() // 60)
    key = f"estatelog:ratelimit:login:{ip}:{window}"
    pipe = c.redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, 120)
    count = int(pipe.execute()[0])
    if count > limit:
        retry = str(60 - int(time.time()) % 60)
        raise Problem(
            429,
            "too many login attempts from this address; wait a minute",
            headers={"Retry-After": retry},
        )


def _tokens(
    request: Request, user_id: UUID, session_id: str, generation: int, position: int
) -> TokenPair:
    c = container(request)
    return TokenPair(
        access_token=c.tokens.issue_access(user_id, session_id, datetime.now(UTC)),
        refresh_token=c.tokens.issue_refresh(user_id, session_id, generation),
        expires_in=c.settings.access_token_ttl_seconds,
        position=position,
    )


@router.post("/login", dependencies=[public("anyone may try to log in")])
def login(body: LoginRequest, request: Request) -> TokenPair:
    """Log in with username and password; every attempt is an audited event."""
    _throttle(request)
    c = container(request)
    outcome = c.identity.login(
        body.username,
        body.password,
        client_ip=request.client.host if request.client else None,
        user_agent=current_context().user_agent,
    )
    if outcome.result is LoginResult.SECOND_FACTOR_REQUIRED:
        raise Problem(
            401,
            "enter the one-time code sent to your phone at /api/v1/auth/login/code",
            title="Second factor required",
            headers=BEARER,
            position=outcome.position,
            second_factor="sms",
            challenge_id=outcome.challenge_id,
            expires_in=CHALLENGE_TTL_SECONDS,
        )
    return _login_answer(request, outcome)


@router.post("/login/code", dependencies=[public("anyone holding a login challenge")])
def login_code(body: CodeRequest, request: Request) -> TokenPair:
    """The second step of a login with the SMS one-time code (R3.1)."""
    _throttle(request)
    try:
        outcome = container(request).identity.complete_login(
            body.challenge_id,
            body.code,
            client_ip=request.client.host if request.client else None,
            user_agent=current_context().user_agent,
        )
    except ChallengeExpired:
        raise Problem(
            401, "this login has expired or was used up; log in again", headers=BEARER
        ) from None
    if outcome.result is LoginResult.WRONG_CODE:
        raise Problem(401, "wrong one-time code", headers=BEARER, position=outcome.position)
    return _login_answer(request, outcome)


def _login_answer(request: Request, outcome: LoginOutcome) -> TokenPair:
    if outcome.result is LoginResult.SUCCEEDED:
        assert outcome.user is not None and outcome.session_id is not None
        return _tokens(request, outcome.user.id, outcome.session_id, 0, outcome.position)
    # Only someone who knows the password learns that the account is locked
    # or disabled; anyone else gets the same answer as for a wrong guess, so
    # the answer does not tell whether an account exists.
    detail = "wrong username or password"
    if outcome.password_ok:
        detail = {
            LoginResult.LOCKED: "this account is locked; try again later or ask an administrator",
            LoginResult.DISABLED: "this account is disabled",
        }.get(outcome.result, detail)
    raise Problem(401, detail, headers=BEARER, position=outcome.position)


@router.post("/refresh", dependencies=[public("holders of a refresh token")])
def refresh(body: RefreshRequest, request: Request) -> TokenPair:
    """Swap a refresh token for a new pair. A spent token revokes its whole session."""
    c = container(request)
    try:
        claims = c.tokens.parse_refresh(body.refresh_token)
        result, position = c.identity.refresh(claims.user_id, claims.session_id, claims.generation)
    except (InvalidToken, UserNotFound):
        raise Problem(401, "invalid refresh token", headers=BEARER) from None
    if result is RefreshResult.ROTATED:
        return _tokens(request, claims.user_id, claims.session_id, claims.generation + 1, position)
    if result is RefreshResult.REUSED:
        raise Problem(
            401,
            "refresh token already used: the session has been revoked",
            headers=BEARER,
            position=position,
        )
    raise Problem(401, "invalid or expired refresh token", headers=BEARER)


@router.post("/logout", response_model=Accepted)
def logout(request: Request, principal: Principal = requires(Permission.SESSION_OWN)) -> Response:
    """End this session: its access and refresh tokens stop working at once."""
    position = container(request).identity.log_out(principal.user_id, principal.session_id)
    return accepted(position)


@router.get("/me")
def me(request: Request, principal: Principal = requires(Permission.SESSION_OWN)) -> Me:
    user = container(request).identity.get_for_reading(principal.user_id)
    return Me(
        user_id=str(principal.user_id),
        username=principal.username,
        role=principal.role,
        permissions=sorted(p.value for p in principal.permissions),
        second_factor=user.second_factor,
        position=0,
    )


@router.post("/second-factor", response_model=Accepted)
def change_second_factor(
    body: SecondFactorChange,
    request: Request,
    principal: Principal = requires(Permission.SECOND_FACTOR_OWN),
) -> Response:
    """Turn the SMS one-time code on or off for your own logins; asks for your password."""
    identity = container(request).identity
    change = identity.enable_second_factor if body.enabled else identity.disable_second_factor
    try:
        position = change(
            principal.user_id,
            body.password,
            client_ip=request.client.host if request.client else None,
            user_agent=current_context().user_agent,
        )
    except SecondFactorUnavailable:
        raise Problem(503, "no SMS sender is configured on this server") from None
    return accepted(position)


@router.post("/password", response_model=Accepted)
def change_password(
    body: PasswordChange,
    request: Request,
    principal: Principal = requires(Permission.PASSWORD_CHANGE_OWN),
) -> Response:
    """Change your own password; every session, this one included, ends."""
    position = container(request).identity.change_password(
        principal.user_id,
        body.current_password,
        body.new_password,
        client_ip=request.client.host if request.client else None,
        user_agent=current_context().user_agent,
    )
    return accepted(position)
