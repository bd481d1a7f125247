"""Authentication and authorization for routes: deny unless a permission allows.

Every route declares what it needs with :func:`requires` (or :func:`public`);
``tests/e2e/api/test_route_permissions.py`` fails for a route that declares
nothing. Where the route's record lives (company, estate, unit, own) is
declared in ``interfaces/http/scopes.py``; ``tests/e2e/api/test_scope_matrix.py``
derives every caller's answer from the two. Roles and permissions are those
of the user's latest version on every request (kept between requests only
while Redis says the user is unchanged, decision 0035), so a logout, a
password change, a disable or a revoked role takes effect on the very next
request, in every process.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.actor import Actor
from application.context import act_as
from application.identity.errors import InvalidToken, UserNotFound
from bootstrap import Container
from domain.identity.policy import Permission, Scope, holds_action
from interfaces.http.middleware import CALLER_STATE
from interfaces.http.problems import Problem

PUBLIC = "public"
BEARER = {"WWW-Authenticate": 'Bearer realm="estatelog"'}
# Declares the bearer scheme in the OpenAPI document, on exactly the routes that
# use :func:`requires`, which gives /docs its Authorize button. It checks nothing:
# :func:`authenticate` does, so every refusal stays one problem+json 401.
BEARER_SCHEME = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="The access_token from POST /api/v1/auth/login.",
    auto_error=False,
)


#: The caller of one request, as the application sees it: routes pass it on in
#: the command or query they call.
Principal = Actor


def container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


def authenticate(request: Request) -> Principal:
    """The caller, from the bearer token of an active session (401 otherwise).

    Once per request: the user is read from the log by whichever comes first,
    this or the idempotency middleware, and the answer kept in the request's
    state for the same Authorization header.
    """
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise Problem(401, "send a bearer access token", headers=BEARER)
    known = getattr(request.state, CALLER_STATE, None)
    if known is not None and known[0] == header:
        principal = known[1]
    else:
        try:
            principal = session_actor(container(request), header)
        except (InvalidToken, UserNotFound):
            raise Problem(401, "the access token is invalid or expired", headers=BEARER) from None
        setattr(request.state, CALLER_STATE, (header, principal))
    if principal is None:
        raise Problem(401, "this session has ended; log in again", headers=BEARER)
    act_as(principal.user_id, principal.role, principal.session_id)
    return principal


def session_actor(c: Container, authorization: str) -> Principal | None:
    """The caller of the active session this bearer header names; None once it has
    ended (``InvalidToken``, ``UserNotFound`` for a token that names no one)."""
    claims = c.tokens.decode_access(authorization[7:].strip())
    return c.identity.accounts.actor(claims.user_id, claims.session_id)


def session_caller(c: Container, authorization: str) -> Principal | None:
    """The caller of the active session this Authorization header names, or None."""
    if not authorization.lower().startswith("bearer "):
        return None
    try:
        return session_actor(c, authorization)
    except (InvalidToken, UserNotFound):
        return None


def requires(permission: Permission) -> Any:
    """Dependency: the caller holds ``permission``.

    A route declaring an ``own`` permission admits holders of its action at
    either scope; routes that act on one record then call
    :meth:`Principal.check` with the record's owner, which enforces the scope.
    A route declaring an ``any`` permission admits only holders of exactly
    that permission: ``audit:read:own`` does not open ``audit:read:any``.
    """

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Security(BEARER_SCHEME),
    ) -> Principal:
        principal = authenticate(request)
        if permission.scope is Scope.ANY:
            allowed = permission in principal.permissions
        else:
            allowed = holds_action(principal.permissions, permission.action)
        if not allowed:
            raise Problem(403, f"this needs the permission {permission.value}")
        return principal

    dependency.__estatelog_permission__ = permission.value  # type: ignore[attr-defined]
    return Depends(dependency)


def operator_or(permission: Permission) -> Any:
    """Dependency: the scraper's bearer token (``ESTATELOG_METRICS_TOKEN``), or a
    session holding ``permission`` as :func:`requires` checks it."""
    session = requires(permission).dependency

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Security(BEARER_SCHEME),
    ) -> None:
        if not holds_metrics_token(request):
            session(request, credentials)

    dependency.__estatelog_permission__ = permission.value  # type: ignore[attr-defined]
    return Depends(dependency)


def holds_metrics_token(request: Request) -> bool:
    token = container(request).settings.metrics_token
    if token is None:
        return False
    sent = request.headers.get("authorization", "").encode()
    return hmac.compare_digest(sent, f"Bearer {token.get_secret_value()}".encode())


def is_operator(request: Request) -> bool:
    """Whether the caller may see the service's internals (``/ready``'s details):
    the metrics token, or an active session holding ``projections:read:any``."""
    if holds_metrics_token(request):
        return True
    try:
        principal = session_caller(container(request), request.headers.get("authorization", ""))
    except Exception:  # the stores are down: the probe still answers, without details
        return False
    return principal is not None and Permission.PROJECTIONS_READ in principal.permissions


def public(reason: str) -> Any:
    """Dependency for the few routes anyone may call (health, login)."""

    def dependency() -> None:
        return None

    dependency.__estatelog_permission__ = f"{PUBLIC}: {reason}"  # type: ignore[attr-defined]
    return Depends(dependency)


def declared_permission(call: Callable[..., Any]) -> str | None:
    return getattr(call, "__estatelog_permission__", None)
