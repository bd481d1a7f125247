"""Deny by default (R2.1): every route declares one permission, or says it is public.

The checks walk the routes of the real app, so a route added tomorrow without
a declaration, or one that answers without a token, fails here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import (
    AUTHENTICATED_BASELINE,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    Scope,
    holds_action,
)
from infrastructure.tokens import TokenService
from interfaces.http.app import create_app
from interfaces.http.problems import PROBLEM_JSON
from interfaces.http.security import PUBLIC, declared_permission
from tests.conftest import bearer, login

PUBLIC_PATHS = {
    "/health",
    "/ready",
    "/api/v1/auth/login",
    "/api/v1/auth/login/code",
    "/api/v1/auth/refresh",
    # No user calls it: WeChat Pay's signature over the body is its trust (decision 0027).
    "/api/v1/finance/online-payments/wechatpay/notifications",
}
# The docs pages and their assets (a static mount), served by interfaces/http/docs.py.
FASTAPI_OWN = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/docs/assets"}
PATH_VALUES = {"role": Role.ADMIN.value, "permission": Permission.USERS_READ.value}
PASSWORD = "a-long-enough-password-1"


@dataclass(frozen=True)
class Endpoint:
    """One API route as the app serves it, with router-level dependencies included."""

    path: str
    methods: frozenset[str]
    dependant: Dependant


def _declarations(dependant: Dependant) -> Iterator[str]:
    for dep in dependant.dependencies:
        if dep.call is not None and (declared := declared_permission(dep.call)) is not None:
            yield declared
        yield from _declarations(dep)


def _api_routes(container: Container) -> list[Endpoint]:
    # FastAPI keeps included routers as lazy branches in ``app.routes``; this
    # yields their routes with the prefix and the router's dependencies applied.
    return [
        Endpoint(str(ctx.path), frozenset(ctx.methods or ()), ctx.dependant)
        for ctx in iter_route_contexts(create_app(container).routes)
        if isinstance(ctx.original_route, APIRoute)
    ]


def _declared(route: Endpoint) -> str:
    [declared] = list(_declarations(route.dependant))
    return declared


def _is_public(route: Endpoint) -> bool:
    return _declared(route).startswith(f"{PUBLIC}:")


def _url(route: Endpoint) -> str:
    return re.sub(
        r"\{(\w+)(:\w+)?\}",
        lambda m: PATH_VALUES.get(m.group(1), str(uuid.uuid4())),
        route.path,
    )


def _calls(container: Container, *, public: bool) -> list[tuple[str, str, Endpoint]]:
    return [
        (method, _url(route), route)
        for route in _api_routes(container)
        if _is_public(route) is public
        for method in sorted(route.methods)
    ]


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"] == "about:blank"
    return body


def test_every_route_declares_exactly_one_permission(container: Container) -> None:
    offenders = {
        f"{sorted(route.methods)} {route.path}: {list(_declarations(route.dependant))}"
        for route in _api_routes(container)
        if len(list(_declarations(route.dependant))) != 1
    }
    assert not offenders, "routes without exactly one declared permission:\n" + "\n".join(
        sorted(offenders)
    )


def test_declared_permissions_are_real_permissions_or_public(container: Container) -> None:
    known = {p.value for p in Permission}
    for route in _api_routes(container):
        declared = _declared(route)
        assert declared in known or declared.startswith(f"{PUBLIC}: "), (route.path, declared)


# Routes that change state yet may declare a read action, with the reason. Empty:
# a read at ``any`` scope (the auditor's) must never open a write (issue 12).
WRITES_UNDER_A_READ: dict[tuple[str, str], str] = {}


def test_no_route_that_changes_state_declares_a_read_permission(container: Container) -> None:
    offenders = []
    for route in _api_routes(container):
        declared = _declared(route)
        if declared.startswith(f"{PUBLIC}:"):
            continue
        for method in route.methods - {"GET", "HEAD"}:
            if Permission(declared).action.endswith(":read") and (
                (method, route.path) not in WRITES_UNDER_A_READ
            ):
                offenders.append(f"{method} {route.path}: {declared}")
    assert not offenders, "state-changing routes that declare a read:\n" + "\n".join(
        sorted(offenders)
    )


def test_the_auditor_holds_no_write_but_its_own_account_and_compliance_runs() -> None:
    """Read-only: reads, verifications, exports, its own self-service, and running a
    compliance review (which records findings and changes no books)."""
    writes = {
        p
        for p in ROLE_PERMISSIONS[Role.AUDITOR]
        if p.action.split(":")[1] not in ("read", "verify", "export") and p.scope is not Scope.OWN
    }
    assert writes == {Permission.COMPLIANCE_RUN}


def test_only_health_readiness_login_its_code_and_refresh_are_public(container: Container) -> None:
    public = {route.path for route in _api_routes(container) if _is_public(route)}
    assert public == PUBLIC_PATHS


def test_the_only_routes_outside_the_api_are_fastapis_own_docs(container: Container) -> None:
    contexts = list(iter_route_contexts(create_app(container).routes))
    others = {str(c.path) for c in contexts if not isinstance(c.original_route, APIRoute)}
    assert others == FASTAPI_OWN


def test_the_walk_sees_every_operation_in_the_openapi_document(
    container: Container, client: TestClient
) -> None:
    """Guards the walk itself: a route it missed would escape every check here."""
    walked = {(m.lower(), r.path) for r in _api_routes(container) for m in r.methods}
    document = client.get("/openapi.json").json()
    documented = {(m, path) for path, ops in document["paths"].items() for m in ops}
    assert documented <= walked
    assert len(walked) >= 20


def test_every_non_public_route_answers_401_without_a_token(client: TestClient) -> None:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    calls = _calls(container, public=False)
    assert len(calls) >= 15
    head = container.event_log.head()
    for method, url, _ in calls:
        response = client.request(method, url, json={})
        body = _assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert body["instance"] == url
    assert container.event_log.head() == head


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-jwt",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",  # alg "none"
        "Basic YWRtaW46YWRtaW4=",
        "Bearer ",
    ],
)
def test_every_non_public_route_answers_401_to_a_bad_token(
    client: TestClient, authorization: str
) -> None:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    for method, url, _ in _calls(container, public=False):
        response = client.request(method, url, json={}, headers={"Authorization": authorization})
        _assert_problem(response, 401)


def test_a_token_of_another_server_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    admin_id = uuid.UUID(client.get("/api/v1/auth/me", headers=admin).json()["id"])
    forger = TokenService(
        b"x" * 32, audience="estatelog", issuer="estatelog", access_ttl=container.tokens.access_ttl
    )
    forged = forger.issue_access(admin_id, "some-session", datetime.now(UTC))
    response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {forged}"})
    _assert_problem(response, 401)


def test_public_routes_answer_without_a_token(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/ready").status_code == 200
    # Login and refresh run, and refuse on their own terms (not "send a token").
    login_body = _assert_problem(
        client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"}), 401
    )
    assert login_body["detail"] == "wrong username or password"
    refresh_body = _assert_problem(
        client.post("/api/v1/auth/refresh", json={"refresh_token": "a.b.c.d"}), 401
    )
    assert refresh_body["detail"] == "invalid refresh token"
    # The payment provider's notification runs, and refuses on its own terms.
    notice = client.post("/api/v1/finance/online-payments/wechatpay/notifications", content=b"{}")
    assert _assert_problem(notice, 503)["code"] == "FAIL"  # no merchant configured here


def _satisfied(permissions: frozenset[Permission], declared: Permission) -> bool:
    if declared.scope is Scope.ANY:
        return declared in permissions
    return holds_action(permissions, declared.action)


@pytest.mark.parametrize("role", [Role.OWNER, Role.VISITOR, Role.TECHNICIAN, Role.AUDITOR])
def test_a_role_without_the_declared_permission_gets_403_on_every_such_route(
    client: TestClient, admin: dict[str, str], role: Role
) -> None:
    """Least privilege: ``audit:read:own`` does not open a route that needs ``audit:read:any``."""
    username = f"someone-{role.value}".replace("_", "-")
    created = client.post(
        "/api/v1/users",
        json={"username": username, "password": PASSWORD, "display_name": "X", "roles": [role]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    headers = bearer(login(client, username, PASSWORD))
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    granted = ROLE_PERMISSIONS[role] | AUTHENTICATED_BASELINE
    head = container.event_log.head()
    refused = 0
    for method, url, route in _calls(container, public=False):
        declared = Permission(_declared(route))
        if _satisfied(granted, declared):
            continue
        refused += 1
        body = _assert_problem(client.request(method, url, json={}, headers=headers), 403)
        assert declared.value in body["detail"]
    assert refused >= 5
    assert container.event_log.head() == head


def test_an_owner_cannot_read_the_whole_audit_trail(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/users",
        json={"username": "olive", "password": PASSWORD, "display_name": "O", "roles": ["owner"]},
        headers=admin,
    )
    assert created.status_code == 201
    owner = bearer(login(client, "olive", PASSWORD))
    # The owner holds audit:read:own (their own login history) ...
    own = client.get(f"/api/v1/users/{created.json()['id']}/logins", headers=owner)
    assert own.status_code == 200
    # ... which must not open everyone's trail, nor anyone else's logins.
    _assert_problem(client.get("/api/v1/audit/events", headers=owner), 403)
    _assert_problem(client.get("/api/v1/audit/events/export", headers=owner), 403)
    _assert_problem(client.get("/api/v1/audit/integrity", headers=owner), 403)
    me = client.get("/api/v1/auth/me", headers=admin).json()["id"]
    _assert_problem(client.get(f"/api/v1/users/{me}/logins", headers=owner), 404)
