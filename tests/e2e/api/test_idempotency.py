"""A POST with ``Idempotency-Key`` runs once; a retry gets the first outcome (R3.3).

The key belongs to the caller and the path and is bound to the body. Login and
refresh are never stored (they carry tokens); outcomes that are not the
command's (401, 429, 5xx) are forgotten so that the client may retry.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

from bootstrap import Container
from interfaces.http.app import create_app
from interfaces.http.problems import PROBLEM_JSON
from tests.conftest import ADMIN_PASSWORD, bearer, login

PASSWORD = "a-long-enough-password-1"


def container_of(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined,no-any-return]


def stored_keys(container: Container) -> list[int | None]:
    """The answers' statuses of the keys kept (None: committed, answer not stored)."""
    with container.pool.connection() as conn:
        rows = conn.execute("SELECT status FROM idempotent_requests").fetchall()
    return [r[0] for r in rows]


def user_body(username: str, **extra: Any) -> dict[str, Any]:
    return {
        "username": username,
        "password": PASSWORD,
        "display_name": username.title(),
        "roles": ["owner"],
        **extra,
    }


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def replayed(response: httpx.Response) -> bool:
    return response.headers.get("idempotent-replayed") == "true"


def test_a_retry_gets_the_first_answer_and_appends_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    container = container_of(client)
    head = container.event_log.head()
    first = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "k-1"))
    assert first.status_code == 201
    assert not replayed(first)
    assert container.event_log.head() == head + 1 == first.json()["position"]

    second = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "k-1"))
    assert second.status_code == 201
    assert replayed(second)
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["x-request-id"]
    assert container.event_log.head() == head + 1
    assert stored_keys(container) == [201]


def test_the_same_key_with_another_body_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    container = container_of(client)
    assert client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "k")).is_success
    head = container.event_log.head()
    other = client.post("/api/v1/users", json=user_body("carol"), headers=keyed(admin, "k"))
    assert other.status_code == 422
    assert other.headers["content-type"].startswith(PROBLEM_JSON)
    body = other.json()
    assert body["status"] == 422 and body["title"] and body["type"] == "about:blank"
    assert "different body" in body["detail"]
    assert not replayed(other)
    assert container.event_log.head() == head
    assert container.identity.find("carol") is None


def test_a_key_belongs_to_its_caller(client: TestClient, admin: dict[str, str]) -> None:
    container = container_of(client)
    second_admin = client.post(
        "/api/v1/users", json={**user_body("root2"), "roles": ["admin"]}, headers=admin
    )
    assert second_admin.status_code == 201
    other_admin = bearer(login(client, "root2", PASSWORD))

    head = container.event_log.head()
    first = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "shared"))
    assert first.status_code == 201
    # Another caller's "shared" is another key: another body is no mismatch, it runs.
    other = client.post(
        "/api/v1/users", json=user_body("carol"), headers=keyed(other_admin, "shared")
    )
    assert other.status_code == 201
    assert not replayed(other)
    # Each caller's retry gets their own first outcome.
    mine = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "shared"))
    theirs = client.post(
        "/api/v1/users", json=user_body("carol"), headers=keyed(other_admin, "shared")
    )
    assert (replayed(mine), replayed(theirs)) == (True, True)
    assert (mine.content, theirs.content) == (first.content, other.content)
    # Same key and same body from another caller: it runs (and dave exists), no replay.
    dave = client.post("/api/v1/users", json=user_body("dave"), headers=keyed(admin, "k2"))
    assert dave.status_code == 201
    same = client.post("/api/v1/users", json=user_body("dave"), headers=keyed(other_admin, "k2"))
    assert same.status_code == 409
    assert not replayed(same)
    assert same.json()["detail"] == "username dave is taken"
    assert container.event_log.head() == head + 3
    assert len(stored_keys(container)) == 4


def test_a_key_belongs_to_its_path(client: TestClient, admin: dict[str, str]) -> None:
    bob = client.post("/api/v1/users", json=user_body("bob"), headers=admin).json()["id"]
    locked = client.post(
        f"/api/v1/users/{bob}/lock", json={"reason": "r"}, headers=keyed(admin, "p")
    )
    assert locked.status_code == 200
    unlocked = client.post(f"/api/v1/users/{bob}/unlock", headers=keyed(admin, "p"))
    assert unlocked.status_code == 200
    assert not replayed(unlocked)
    assert unlocked.json()["position"] == locked.json()["position"] + 1


def test_a_refused_command_is_replayed_as_refused_even_after_the_state_changed(
    client: TestClient, admin: dict[str, str]
) -> None:
    container = container_of(client)
    bob = client.post("/api/v1/users", json=user_body("bob"), headers=admin).json()["id"]
    head = container.event_log.head()
    refused = client.post(f"/api/v1/users/{bob}/unlock", headers=keyed(admin, "u"))
    assert refused.status_code == 409
    assert container.event_log.head() == head

    # Now the unlock would succeed, but the key's outcome is already decided.
    assert client.post(f"/api/v1/users/{bob}/lock", json={"reason": "r"}, headers=admin).is_success
    head = container.event_log.head()
    again = client.post(f"/api/v1/users/{bob}/unlock", headers=keyed(admin, "u"))
    assert again.status_code == 409
    assert replayed(again)
    assert again.content == refused.content
    assert again.headers["content-type"].startswith(PROBLEM_JSON)
    assert container.event_log.head() == head
    # A new key is a new command.
    assert client.post(f"/api/v1/users/{bob}/unlock", headers=keyed(admin, "u2")).status_code == 200


def test_a_duplicate_username_409_is_replayed(client: TestClient, admin: dict[str, str]) -> None:
    container = container_of(client)
    assert client.post("/api/v1/users", json=user_body("bob"), headers=admin).status_code == 201
    head = container.event_log.head()
    first = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "dup"))
    second = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "dup"))
    assert (first.status_code, second.status_code) == (409, 409)
    assert (replayed(first), replayed(second)) == (False, True)
    assert first.content == second.content
    assert container.event_log.head() == head


def test_an_unauthenticated_attempt_is_not_stored(
    client: TestClient, admin: dict[str, str]
) -> None:
    container = container_of(client)
    anonymous = client.post(
        "/api/v1/users", json=user_body("bob"), headers={"Idempotency-Key": "a"}
    )
    assert anonymous.status_code == 401
    expired = client.post(
        "/api/v1/users",
        json=user_body("bob"),
        headers={"Authorization": "Bearer expired.or.forged", "Idempotency-Key": "a"},
    )
    assert expired.status_code == 401
    assert stored_keys(container) == []


def test_concurrent_retries_run_the_command_once(client: TestClient, admin: dict[str, str]) -> None:
    container = container_of(client)
    head = container.event_log.head()
    start = threading.Barrier(8)

    def send(_: int) -> httpx.Response:
        start.wait()
        return client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "race"))

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(8)))

    ran = [r for r in responses if r.status_code == 201 and not replayed(r)]
    assert len(ran) == 1
    for response in responses:
        if response is ran[0]:
            continue
        if response.status_code == 201:
            assert replayed(response)
            assert response.content == ran[0].content
        else:
            assert response.status_code == 409, response.text
            assert response.headers["content-type"].startswith(PROBLEM_JSON)
            assert response.headers["retry-after"] == "1"
            assert "still being processed" in response.json()["detail"]
    # Counted, not read off the head: appends that arrive together share one
    # transaction, and one refused in it (a second claim of the key) sends
    # the others round again, so positions may skip numbers (group commit).
    assert len(container.event_log.read(head, 100)) == 1
    created = client.get(
        f"/api/v1/users/{ran[0].json()['id']}",
        params={"after": ran[0].json()["position"]},
        headers=admin,
    )
    assert created.json()["username"] == "bob"
    assert stored_keys(container) == [201]


def test_login_and_refresh_are_never_stored(client: TestClient) -> None:
    container = container_of(client)
    head = container.event_log.head()
    credentials = {"username": "admin", "password": ADMIN_PASSWORD}
    first = client.post("/api/v1/auth/login", json=credentials, headers={"Idempotency-Key": "l"})
    second = client.post("/api/v1/auth/login", json=credentials, headers={"Idempotency-Key": "l"})
    assert (first.status_code, second.status_code) == (200, 200)
    assert not replayed(second)
    assert first.json()["access_token"] != second.json()["access_token"]
    assert container.event_log.head() == head + 2  # two logins, two events
    refreshed = client.post(
        "/api/v1/auth/refresh",
        json={"refresh_token": first.json()["refresh_token"]},
        headers={"Idempotency-Key": "r"},
    )
    assert refreshed.status_code == 200
    assert stored_keys(container) == []
    with container.pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*) FROM idempotent_requests WHERE body::text LIKE %s",
            ["%" + first.json()["access_token"][:40] + "%"],
        ).fetchone()
    assert row is not None and row[0] == 0


def test_a_get_ignores_the_key(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/v1/users", headers=keyed(admin, "g"))
    again = client.get("/api/v1/users", headers=keyed(admin, "g"))
    assert response.status_code == again.status_code == 200
    assert not replayed(again)
    assert stored_keys(container_of(client)) == []


def commanded(container: Container) -> int:
    """The events commands appended: not the incidents the recorder appends on
    its own thread for a 500 or a 503 (decision 0047), nor their alerts."""
    with container.pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*) FROM estatelog_events WHERE topic NOT LIKE '%:Incident.%' "
            "AND topic NOT LIKE '%:AdminAlert.%'"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def lenient(running: Container) -> Iterator[TestClient]:
    running.identity.ensure_admin("admin", ADMIN_PASSWORD)
    with TestClient(
        create_app(running), client=("203.0.113.7", 50000), raise_server_exceptions=False
    ) as c:
        yield c


def test_a_server_error_is_forgotten_so_the_retry_runs(lenient: TestClient) -> None:
    container = container_of(lenient)
    admin = bearer(login(lenient, "admin", ADMIN_PASSWORD))
    body = user_body("bob", phone="+86 138 0000 0000")
    with container.pool.connection() as conn:
        conn.execute("ALTER TABLE personal_data_keys RENAME TO personal_data_keys_away")
    head = commanded(container)
    failed = lenient.post("/api/v1/users", json=body, headers=keyed(admin, "s"))
    assert failed.status_code == 500
    assert failed.headers["content-type"].startswith(PROBLEM_JSON)
    assert commanded(container) == head
    assert stored_keys(container) == []
    with container.pool.connection() as conn:
        conn.execute("ALTER TABLE personal_data_keys_away RENAME TO personal_data_keys")
    retried = lenient.post("/api/v1/users", json=body, headers=keyed(admin, "s"))
    assert retried.status_code == 201
    assert not replayed(retried)
    assert commanded(container) == head + 1


def test_a_command_whose_answer_was_lost_is_not_run_again(
    client: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies between the commit and storing the answer: the key
    was claimed by the commit itself, so a retry gets the committed outcome
    (never a 409 for minutes, never a second run)."""
    container = container_of(client)
    head = container.event_log.head()
    headers = keyed(admin, "answer-lost")

    def dies(*args: object) -> None:
        raise RuntimeError("the process died before storing the answer")

    monkeypatch.setattr(container.idempotency, "answer", dies)
    first = client.post("/api/v1/users", json=user_body("orphaned"), headers=headers)
    assert first.status_code == 201
    assert container.event_log.head() == head + 1
    assert stored_keys(container) == [None]  # claimed with the events, no answer
    monkeypatch.undo()

    retried = client.post("/api/v1/users", json=user_body("orphaned"), headers=headers)
    assert retried.status_code == 200
    assert replayed(retried)
    assert retried.json() == {"position": first.json()["position"]}
    assert container.event_log.head() == head + 1
    other_body = client.post("/api/v1/users", json=user_body("other"), headers=headers)
    assert other_body.status_code == 422
    assert container.event_log.head() == head + 1


def test_a_failure_after_the_commit_is_never_kept_as_the_answer(
    client: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events committed, then a later step of the route met an outage
    (503): a retry must learn that the command happened, not get the 503
    again for good (and send a new key that runs it twice)."""
    container = container_of(client)
    head = commanded(container)
    headers = keyed(admin, "late-outage")
    register = container.identity.admin.register  # the handler the route calls

    def commits_then_the_database_goes(*args: Any, **kwargs: Any) -> Any:
        register(*args, **kwargs)
        raise OperationalError("the server closed the connection unexpectedly")

    monkeypatch.setattr(container.identity.admin, "register", commits_then_the_database_goes)
    first = client.post("/api/v1/users", json=user_body("late"), headers=headers)
    assert first.status_code == 503
    assert commanded(container) == head + 1
    monkeypatch.undo()

    retried = client.post("/api/v1/users", json=user_body("late"), headers=headers)
    assert retried.status_code == 200
    assert replayed(retried)
    assert retried.json() == {"position": head + 1}
    assert commanded(container) == head + 1


def test_a_refused_answer_is_kept_without_appending(
    client: TestClient, admin: dict[str, str]
) -> None:
    container = container_of(client)
    bob = client.post("/api/v1/users", json=user_body("bob"), headers=admin).json()["id"]
    refused = client.post(f"/api/v1/users/{bob}/unlock", headers=keyed(admin, "refused"))
    assert refused.status_code == 409
    with container.pool.connection() as conn:
        row = conn.execute("SELECT last_position, status FROM idempotent_requests").fetchone()
    assert row == (None, 409)


def test_a_replay_needs_the_session_that_is_still_active(
    client: TestClient, admin: dict[str, str]
) -> None:
    """A token whose session ended (logout) gets a 401, not the stored answer."""
    container = container_of(client)
    first = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "s-1"))
    assert first.status_code == 201
    assert client.post("/api/v1/auth/logout", headers=admin).is_success
    head = container.event_log.head()
    after_logout = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "s-1"))
    assert after_logout.status_code == 401
    assert not replayed(after_logout)
    assert after_logout.headers["content-type"].startswith(PROBLEM_JSON)
    assert "bob" not in after_logout.text
    assert container.event_log.head() == head


def test_a_kept_answer_is_never_shown_to_another_user(
    client: TestClient, admin: dict[str, str]
) -> None:
    """Keys are per user; even a row that names another user under this
    caller's key (it cannot be made over HTTP) is refused, not replayed."""
    container = container_of(client)
    first = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "mine"))
    assert first.status_code == 201
    with container.pool.connection() as conn:
        conn.execute("UPDATE idempotent_requests SET user_id = %s", [first.json()["id"]])
    other = client.post("/api/v1/users", json=user_body("bob"), headers=keyed(admin, "mine"))
    assert other.status_code == 422
    assert not replayed(other)
    assert "another caller" in other.json()["detail"]
    assert first.json()["id"] not in other.text
