"""Login, token refresh, logout, the caller's own account and password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from application.context import current_context
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
    SecondFactorUnavailable,
    TooManyLoginAttempts,
)
from application.identity.sessions import LoginAnswer
from domain.identity.policy import Permission
from infrastructure.one_time_codes import CHALLENGE_TTL_SECONDS
from interfaces.http.asof import AsOfRoute
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Command, accepted
from interfaces.http.security import BEARER, Principal, container, public, requires
from interfaces.http.text import Secret, SingleLine

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1/auth", tags=["auth"])


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
    id: str
    username: str
    role: str | None
    permissions: list[str]
    second_factor: str | None = None


# Logins are counted per username and address (``TooManyLoginAttempts``).
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many attempts: wait the seconds ``Retry-After`` says."}
}


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _pair(answer: LoginAnswer) -> TokenPair:
    """The tokens of a login step, or its refusal as a 401."""
    if answer.tokens is None:
        at: dict[str, Any] = {} if answer.position is None else {"position": answer.position}
        raise Problem(401, answer.refusal, headers=BEARER, **at)
    return TokenPair(**vars(answer.tokens), position=answer.position or 0)


def _too_many(exc: TooManyLoginAttempts) -> Problem:
    return Problem(429, str(exc), headers={"Retry-After": str(exc.retry_after)})


@router.post("/login", dependencies=[public("anyone may try to log in")], responses=RATE_LIMITED)
def login(body: LoginRequest, request: Request) -> TokenPair:
    """Log in with username and password; every attempt is an audited event."""
    command = LogIn(body.username, body.password, _client(request), current_context().user_agent)
    try:
        answer = container(request).identity.sessions.log_in(command)
    except TooManyLoginAttempts as exc:
        raise _too_many(exc) from None
    if answer.challenge_id is not None:
        raise Problem(
            401,
            "enter the one-time code sent to your phone at /api/v1/auth/login/code",
            title="Second factor required",
            headers=BEARER,
            position=answer.position,
            second_factor="sms",
            challenge_id=answer.challenge_id,
            expires_in=CHALLENGE_TTL_SECONDS,
        )
    return _pair(answer)


@router.post(
    "/login/code",
    dependencies=[public("anyone holding a login challenge")],
    responses=RATE_LIMITED,
)
def login_code(body: CodeRequest, request: Request) -> TokenPair:
    """The second step of a login with the SMS one-time code (R3.1)."""
    command = CompleteLogin(
        body.challenge_id, body.code, _client(request), current_context().user_agent
    )
    try:
        answer = container(request).identity.sessions.complete_login(command)
    except TooManyLoginAttempts as exc:
        raise _too_many(exc) from None
    except ChallengeExpired:
        raise Problem(
            401, "this login has expired or was used up; log in again", headers=BEARER
        ) from None
    return _pair(answer)


@router.post("/refresh", dependencies=[public("holders of a refresh token")])
def refresh(body: RefreshRequest, request: Request) -> TokenPair:
    """Swap a refresh token for a new pair. A spent token revokes its whole session."""
    return _pair(container(request).identity.sessions.refresh(RefreshSession(body.refresh_token)))


@router.post("/logout", response_model=Accepted)
def logout(request: Request, principal: Principal = requires(Permission.SESSION_OWN)) -> Response:
    """End this session: its access and refresh tokens stop working at once."""
    return accepted(container(request).identity.sessions.log_out(LogOut(principal)))


@router.get("/me")
def me(request: Request, principal: Principal = requires(Permission.SESSION_OWN)) -> Me:
    """Who the caller is: their user ID, role, permissions and second factor."""
    return Me(
        id=str(principal.user_id),
        username=principal.username,
        role=principal.role,
        permissions=sorted(p.value for p in principal.permissions),
        second_factor=container(request).identity.sessions.second_factor_of(principal),
        position=0,
    )


@router.post("/second-factor", response_model=Accepted)
def change_second_factor(
    body: SecondFactorChange,
    request: Request,
    principal: Principal = requires(Permission.SECOND_FACTOR_OWN),
) -> Response:
    """Turn the SMS one-time code on or off for your own logins; asks for your password."""
    command = ChangeSecondFactor(
        principal, body.enabled, body.password, _client(request), current_context().user_agent
    )
    try:
        position = container(request).identity.sessions.change_second_factor(command)
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
    command = ChangePassword(
        principal,
        body.current_password,
        body.new_password,
        _client(request),
        current_context().user_agent,
    )
    return accepted(container(request).identity.sessions.change_password(command))
