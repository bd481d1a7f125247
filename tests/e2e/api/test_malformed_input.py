"""Malformed input answers 4xx problem+json, never 500 or a long wait (issue 12 §3)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from tests.conftest import ADMIN_PASSWORD, login
from tests.e2e.api.test_errors import problem


def _container(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined,no-any-return]


def _token(client: TestClient, **claims: Any) -> str:
    """An access token signed with the service's own key, with ``claims`` changed."""
    tokens = _container(client).tokens
    me = _container(client).identity.find("admin")
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "sub": str(me.id),  # type: ignore[union-attr]
        "sid": "s",
        "jti": uuid.uuid4().hex,
        "aud": tokens.audience,
        "iss": tokens.issuer,
        "iat": now,
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    body.update(claims)
    return jwt.encode(body, tokens._secret, algorithm="HS256")


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": str(int(time.time()) + 300)},
        {"exp": True},
        {"exp": 10**30},
        {"sub": 12345},
        {"sub": ["x"]},
        {"sid": {"a": 1}},
        {"jti": 7},
    ],
    ids=["exp-string", "exp-bool", "exp-huge", "sub-int", "sub-list", "sid-object", "jti-int"],
)
def test_a_signed_token_with_a_malformed_claim_is_a_401(
    client: TestClient, claims: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {_token(client, **claims)}"}
    problem(client.get("/api/v1/auth/me", headers=headers), 401)
    # The idempotency layer reads the same token before any route does.
    problem(
        client.post(
            "/api/v1/estates",
            json={"code": "X", "name": "X", "address": "X"},
            headers={**headers, "Idempotency-Key": "k1"},
        ),
        401,
    )


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/equipment", "after"),
        ("/api/v1/alarms", "after"),
        ("/api/v1/audit/events", "after"),
        ("/api/v1/audit/events", "as_of"),
    ],
)
def test_a_position_beyond_the_head_answers_at_once_with_the_head(
    client: TestClient, admin: dict[str, str], path: str, param: str
) -> None:
    # The route's first request builds its router's contexts (seconds on a loaded
    # machine): done first, so the clock times only the refusal.
    assert client.get(path, headers=admin).status_code == 200
    head = _container(client).event_log.head()
    started = time.monotonic()
    response = client.get(path, params={param: str(head + 1_000_000)}, headers=admin)
    body = problem(response, 422)
    assert time.monotonic() - started < 2
    assert body["head"] == head
    assert "beyond" in body["detail"]


def test_the_after_header_beyond_the_head_is_refused_too(
    client: TestClient, admin: dict[str, str]
) -> None:
    head = _container(client).event_log.head()
    response = client.get(
        "/api/v1/equipment", headers={**admin, "X-Estatelog-After": str(head + 5)}
    )
    assert problem(response, 422)["head"] == head


def test_a_position_at_the_head_is_still_read(client: TestClient, admin: dict[str, str]) -> None:
    tokens = login(client, "admin", ADMIN_PASSWORD)
    assert tokens["access_token"]
    head = _container(client).event_log.head()
    response = client.get("/api/v1/audit/events", params={"after": head}, headers=admin)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("as_of", ["\u00b2", "\u0661\u0662", "12a"])
def test_an_audit_as_of_with_other_digits_is_a_422(
    client: TestClient, admin: dict[str, str], as_of: str
) -> None:
    problem(client.get("/api/v1/audit/events", params={"as_of": as_of}, headers=admin), 422)
