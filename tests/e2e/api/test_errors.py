"""Every error is an RFC 9457 problem document, and a refused command records nothing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from bootstrap import Container, build
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from interfaces.http.problems import PROBLEM_JSON
from tests.conftest import ADMIN_PASSWORD, bearer, login

CLIENT_IP = "203.0.113.7"
PASSWORD = "a-long-enough-password-1"
MAX_BODY = 2048


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is a problem document of ``status``; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    return body


def container_of(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined,no-any-return]


def new_user(client: TestClient, admin: dict[str, str], username: str, role: str = "owner") -> str:
    response = client.post(
        "/api/v1/users",
        json={
            "username": username,
            "password": PASSWORD,
            "display_name": username,
            "roles": [role],
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
def own_container(settings: Settings, request: pytest.FixtureRequest) -> Iterator[Container]:
    """A container with settings changed by ``@pytest.mark.parametrize(..., indirect=True)``."""
    c = build(settings.model_copy(update=request.param))
    c.identity.ensure_admin("admin", ADMIN_PASSWORD)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def lenient(running: Container) -> Iterator[TestClient]:
    """A client that sees a 500 as the server sends it instead of re-raising the error."""
    running.identity.ensure_admin("admin", ADMIN_PASSWORD)
    with TestClient(
        create_app(running), client=(CLIENT_IP, 50000), raise_server_exceptions=False
    ) as c:
        yield c


# ---- 400 -------------------------------------------------------------------


def test_400_an_idempotency_key_over_255_characters(
    client: TestClient, admin: dict[str, str]
) -> None:
    head = container_of(client).event_log.head()
    body = {"username": "bob", "password": PASSWORD, "display_name": "B", "roles": ["owner"]}
    refused = client.post(
        "/api/v1/users", json=body, headers={**admin, "Idempotency-Key": "k" * 256}
    )
    assert "255" in problem(refused, 400)["detail"]
    assert container_of(client).event_log.head() == head
    accepted = client.post(
        "/api/v1/users", json=body, headers={**admin, "Idempotency-Key": "k" * 255}
    )
    assert accepted.status_code == 201


# ---- 401 -------------------------------------------------------------------


def test_401_without_a_token_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/users")
    body = problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="estatelog"'
    assert body["detail"] == "send a bearer access token"
    assert body["instance"] == "/api/v1/users"


def test_401_with_a_garbled_an_expired_or_an_ended_session_token(
    client: TestClient, admin: dict[str, str]
) -> None:
    container = container_of(client)
    garbled = client.get("/api/v1/users", headers={"Authorization": "Bearer abc.def.ghi"})
    assert problem(garbled, 401)["detail"] == "the access token is invalid or expired"

    claims = container.tokens.decode_access(admin["Authorization"][7:])
    expired = container.tokens.issue_access(
        claims.user_id, claims.session_id, datetime.now(UTC) - timedelta(days=1)
    )
    response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {expired}"})
    assert problem(response, 401)["detail"] == "the access token is invalid or expired"

    assert client.post("/api/v1/auth/logout", headers=admin).status_code == 200
    ended = client.get("/api/v1/users", headers=admin)
    assert problem(ended, 401)["detail"] == "this session has ended; log in again"


def test_401_a_wrong_password_is_a_problem_that_names_its_audit_position(
    client: TestClient,
) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "admin", "password": "nope"})
    body = problem(response, 401)
    assert body["detail"] == "wrong username or password"
    assert body["position"] == container_of(client).event_log.head()


# ---- 403 -------------------------------------------------------------------


def test_403_an_owner_calling_an_admin_route_records_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    new_user(client, admin, "olive")
    owner = bearer(login(client, "olive", PASSWORD))
    head = container_of(client).event_log.head()
    response = client.post(
        "/api/v1/users",
        json={"username": "mallory", "password": PASSWORD, "display_name": "M", "roles": ["admin"]},
        headers=owner,
    )
    body = problem(response, 403)
    assert body["detail"] == "this needs the permission users:create:any"
    assert body["instance"] == "/api/v1/users"
    admin_id = client.get("/api/v1/auth/me", headers=admin).json()["id"]
    problem(
        client.post(f"/api/v1/users/{admin_id}/disable", json={"reason": "x"}, headers=owner), 403
    )
    assert container_of(client).event_log.head() == head


# ---- 404 -------------------------------------------------------------------


def test_404_an_unknown_user_and_an_unknown_path(client: TestClient, admin: dict[str, str]) -> None:
    head = container_of(client).event_log.head()
    nobody = uuid.uuid4()
    assert problem(client.get(f"/api/v1/users/{nobody}", headers=admin), 404)["detail"] == (
        "no such user"
    )
    locked = client.post(f"/api/v1/users/{nobody}/lock", json={"reason": "x"}, headers=admin)
    assert problem(locked, 404)["detail"] == "no such user"
    unknown = problem(client.get("/api/v1/no-such-thing", headers=admin), 404)
    assert unknown["instance"] == "/api/v1/no-such-thing"
    assert problem(client.get("/nothing/here"), 404)["title"] == "Not found"
    assert container_of(client).event_log.head() == head


def test_404_an_owner_asking_for_someone_elses_record(
    client: TestClient, admin: dict[str, str]
) -> None:
    new_user(client, admin, "olive")
    other = new_user(client, admin, "oscar")
    owner = bearer(login(client, "olive", PASSWORD))
    body = problem(client.get(f"/api/v1/users/{other}", headers=owner), 404)
    assert body["detail"] == "no such record, or not yours to see"


# ---- 405 -------------------------------------------------------------------


def test_405_a_method_the_path_does_not_have(client: TestClient, admin: dict[str, str]) -> None:
    response = client.put("/api/v1/users", json={}, headers=admin)
    assert problem(response, 405)["title"] == "Method not allowed"
    assert "allow" in response.headers
    problem(client.delete("/health"), 405)


# ---- 409 -------------------------------------------------------------------


def test_409_a_username_that_is_taken_records_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    new_user(client, admin, "bob")
    head = container_of(client).event_log.head()
    again = client.post(
        "/api/v1/users",
        # Case and spaces do not make another user.
        json={"username": " BOB ", "password": PASSWORD, "display_name": "B2", "roles": ["owner"]},
        headers=admin,
    )
    assert problem(again, 409)["detail"] == "username bob is taken"
    assert container_of(client).event_log.head() == head


def test_409_a_transition_the_state_does_not_allow_records_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    bob = new_user(client, admin, "bob")
    head = container_of(client).event_log.head()
    body = problem(client.post(f"/api/v1/users/{bob}/unlock", headers=admin), 409)
    assert body["title"] == "Not allowed in the current state"
    assert body["detail"] == "cannot unlock a normal account"
    body = problem(
        client.post(f"/api/v1/users/{bob}/roles", json={"role": "owner"}, headers=admin), 409
    )
    assert body["detail"] == "already has role owner"
    admin_id = client.get("/api/v1/auth/me", headers=admin).json()["id"]
    self_disable = client.post(
        f"/api/v1/users/{admin_id}/disable", json={"reason": "oops"}, headers=admin
    )
    assert problem(self_disable, 409)["detail"] == "you cannot disable your own account"
    assert container_of(client).event_log.head() == head


def _lock_waiters(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE 'LOCK TABLE%%'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_409_two_commands_that_loaded_the_same_version_only_one_is_recorded(
    client: TestClient, admin: dict[str, str]
) -> None:
    """Both requests load the user, then wait to append; the second append is stale."""
    container = container_of(client)
    bob = new_user(client, admin, "bob")
    head = container.event_log.head()
    with psycopg.connect(container.database_url) as blocker, ThreadPoolExecutor(2) as pool:
        # Appends take this lock: holding it parks both commands after their load.
        blocker.execute("LOCK TABLE estatelog_events IN EXCLUSIVE MODE")
        futures = [
            pool.submit(
                client.post,
                f"/api/v1/users/{bob}/profile",
                json={"display_name": f"Bob {i}"},
                headers=admin,
            )
            for i in range(2)
        ]
        deadline = time.monotonic() + 10
        while _lock_waiters(container.database_url) < 2:
            assert time.monotonic() < deadline, "the commands never reached the append"
            time.sleep(0.02)
        blocker.rollback()
        responses = sorted((f.result() for f in futures), key=lambda r: r.status_code)
    assert [r.status_code for r in responses] == [200, 409]
    body = problem(responses[1], 409)
    assert body["title"] == "Concurrent change"
    assert "reload and retry" in body["detail"]
    assert container.event_log.head() == head + 1
    assert responses[0].json()["position"] == head + 1


# ---- 413 -------------------------------------------------------------------

SMALL = pytest.mark.parametrize("own_container", [{"max_body_bytes": MAX_BODY}], indirect=True)


@pytest.fixture
def small(own_container: Container) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(own_container), client=(CLIENT_IP, 50000)) as c:
        yield c, bearer(login(c, "admin", ADMIN_PASSWORD))


def _user_body(padding: int) -> bytes:
    """A valid command, made ``padding`` bytes longer with JSON whitespace."""
    return (
        b'{"username": "bob", "password": "'
        + PASSWORD.encode()
        + b'",'
        + b" " * padding
        + b'"display_name": "B", "roles": ["owner"]}'
    )


def _chunks(body: bytes, size: int = 500) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@SMALL
def test_413_a_declared_content_length_over_the_limit(
    small: tuple[TestClient, dict[str, str]],
) -> None:
    client, admin = small
    head = container_of(client).event_log.head()
    body = _user_body(3000)
    response = client.post(
        "/api/v1/users",
        content=body,
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.request.headers["content-length"] == str(len(body))
    assert problem(response, 413)["detail"] == f"the body is over {MAX_BODY} bytes"
    assert container_of(client).event_log.head() == head


@SMALL
@pytest.mark.parametrize("idempotency_key", [None, "stream-1"])
def test_413_a_streamed_body_over_the_limit(
    small: tuple[TestClient, dict[str, str]], idempotency_key: str | None
) -> None:
    client, admin = small
    container = container_of(client)
    head = container.event_log.head()
    headers = {**admin, "Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    response = client.post("/api/v1/users", content=_chunks(_user_body(3000)), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert problem(response, 413)["detail"] == f"the body is over {MAX_BODY} bytes"
    assert container.event_log.head() == head
    with container.pool.connection() as conn:
        row = conn.execute("SELECT count(*) FROM idempotent_requests").fetchone()
    assert row is not None and row[0] == 0


@SMALL
def test_a_streamed_body_under_the_limit_is_accepted(
    small: tuple[TestClient, dict[str, str]],
) -> None:
    client, admin = small
    body = _user_body(1500)
    assert len(body) <= MAX_BODY
    response = client.post(
        "/api/v1/users",
        content=_chunks(body),
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


# ---- 422 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "loc", "error_type"),
    [
        ({"is_admin": True}, ["body", "is_admin"], "extra_forbidden"),
        ({"display_name": 5}, ["body", "display_name"], "string_type"),
        ({"roles": "admin"}, ["body", "roles"], "list_type"),
        ({"roles": ["root"]}, ["body", "roles", 0], "enum"),
        ({"phone": "call me"}, ["body", "phone"], "string_pattern_mismatch"),
    ],
)
def test_422_a_body_that_does_not_match_the_schema_records_nothing(
    client: TestClient,
    admin: dict[str, str],
    payload: dict[str, Any],
    loc: list[Any],
    error_type: str,
) -> None:
    head = container_of(client).event_log.head()
    body = {"username": "bob", "password": PASSWORD, "display_name": "B", "roles": ["owner"]}
    response = client.post("/api/v1/users", json={**body, **payload}, headers=admin)
    document = problem(response, 422)
    assert document["detail"] == "the request does not match the schema"
    assert {"loc": loc, "type": error_type} in [
        {"loc": e["loc"], "type": e["type"]} for e in document["errors"]
    ]
    assert container_of(client).event_log.head() == head


def test_422_malformed_json_bad_query_and_bad_path_parameters(
    client: TestClient, admin: dict[str, str]
) -> None:
    head = container_of(client).event_log.head()
    malformed = client.post(
        "/api/v1/users",
        content=b'{"username": "bob",',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert problem(malformed, 422)["errors"][0]["type"] == "json_invalid"
    query = problem(client.get("/api/v1/users", params={"limit": "many"}, headers=admin), 422)
    assert query["errors"][0]["loc"] == ["query", "limit"]
    path = problem(client.get("/api/v1/users/not-a-uuid", headers=admin), 422)
    assert path["errors"][0]["loc"] == ["path", "user_id"]
    assert container_of(client).event_log.head() == head


def test_422_a_value_the_domain_refuses_records_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    head = container_of(client).event_log.head()
    response = client.post(
        "/api/v1/users",
        json={"username": "bob", "password": "short", "display_name": "B", "roles": ["owner"]},
        headers=admin,
    )
    body = problem(response, 422)
    assert body["title"] == "Invalid value"
    assert body["detail"] == "password: at least 12 characters"
    assert container_of(client).event_log.head() == head


# ---- 429 -------------------------------------------------------------------


@pytest.mark.parametrize("own_container", [{"login_rate_limit_per_minute": 3}], indirect=True)
def test_429_too_many_logins_from_one_address_records_nothing(own_container: Container) -> None:
    # The limit counts per clock minute: start well inside one.
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    app = create_app(own_container)
    with TestClient(app, client=(CLIENT_IP, 50000)) as client:
        for _ in range(3):
            login(client, "admin", ADMIN_PASSWORD)
        head = own_container.event_log.head()
        response = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        body = problem(response, 429)
        assert "too many login attempts" in body["detail"]
        assert 1 <= int(response.headers["retry-after"]) <= 60
        # The refused attempt never reached the account: no event, no token.
        assert "access_token" not in body
        assert own_container.event_log.head() == head
    with TestClient(app, client=("198.51.100.20", 50000)) as elsewhere:
        assert login(elsewhere, "admin", ADMIN_PASSWORD)["access_token"]


# ---- 500 -------------------------------------------------------------------


def test_500_is_a_problem_without_internals(lenient: TestClient) -> None:
    admin = bearer(login(lenient, "admin", ADMIN_PASSWORD))
    container = container_of(lenient)
    with container.pool.connection() as conn:
        conn.execute("ALTER TABLE user_directory RENAME TO user_directory_gone")
    response = lenient.get("/api/v1/users", headers={**admin, "X-Request-ID": "req-500-test"})
    body = problem(response, 500)
    assert body["title"] == "Internal server error"
    assert "unexpected error" in body["detail"]
    assert response.headers["x-request-id"] == "req-500-test"
    assert "user_directory" not in response.text
    assert "UndefinedTable" not in response.text
