"""Two API processes on one database and one Redis (``estatelog serve --workers 2``):
a change made through one takes effect on the very next request to the other,
though each keeps the callers it has worked out (decision 0035)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
import redis
from fastapi.testclient import TestClient

from bootstrap import Container, build
from infrastructure.settings import Settings
from infrastructure.user_versions import key
from interfaces.http.app import create_app
from tests.conftest import TEST_PASSWORDS, bearer, login
from tests.e2e.api.test_auth import PASSWORD, create_user
from tests.support.clock import Clock
from tests.support.round_trips import counting

Keeps = Callable[[TestClient, dict[str, Any]], None]


@pytest.fixture
def other(settings: Settings, client: TestClient) -> Iterator[TestClient]:
    """A second process's API: its own container (its own caches) on the same stores."""
    second: Container = build(settings, clock=Clock(), passwords=TEST_PASSWORDS)
    try:
        yield TestClient(create_app(second), client=("203.0.113.8", 50000))
    finally:
        second.close()


@pytest.fixture
def kept_in(monkeypatch: pytest.MonkeyPatch) -> Keeps:
    def kept(process: TestClient, tokens: dict[str, Any]) -> None:
        """``process`` has worked out the caller and keeps them: the second
        request is answered without a round trip to PostgreSQL."""
        assert process.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200
        with counting(monkeypatch) as sent:
            assert process.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200
        assert sent.database == 0, sent.log

    return kept


def test_a_logout_through_one_process_ends_the_session_in_the_other_at_once(
    client: TestClient, other: TestClient, admin: dict[str, str], kept_in: Keeps
) -> None:
    create_user(client, admin, "ada")
    tokens = login(client, "ada", PASSWORD)
    kept_in(other, tokens)

    assert client.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 200

    assert other.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401


def test_a_role_revoked_through_one_process_stops_working_in_the_other_at_once(
    client: TestClient, other: TestClient, admin: dict[str, str], kept_in: Keeps
) -> None:
    user_id = create_user(client, admin, "bob", roles=["owner", "auditor"])
    tokens = login(client, "bob", PASSWORD)
    assert other.get("/api/v1/audit/events", headers=bearer(tokens)).status_code == 200
    kept_in(other, tokens)

    revoked = client.delete(f"/api/v1/users/{user_id}/roles/auditor", headers=admin)

    assert revoked.status_code == 200, revoked.text
    assert other.get("/api/v1/audit/events", headers=bearer(tokens)).status_code == 403


def test_a_user_disabled_through_one_process_is_refused_by_the_other_at_once(
    client: TestClient, other: TestClient, admin: dict[str, str], kept_in: Keeps
) -> None:
    user_id = create_user(client, admin, "cyd")
    tokens = login(client, "cyd", PASSWORD)
    kept_in(other, tokens)

    disabled = other.post(
        f"/api/v1/users/{user_id}/disable", json={"reason": "left"}, headers=admin
    )

    assert disabled.status_code == 200, disabled.text
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401


def test_without_the_version_in_redis_the_caller_is_read_from_the_log(
    client: TestClient,
    other: TestClient,
    admin: dict[str, str],
    settings: Settings,
    kept_in: Keeps,
) -> None:
    """Redis emptied (or the key expired, or a save died before setting it):
    the kept caller is not trusted, and a change is still seen at once."""
    user_id = create_user(client, admin, "dee")
    tokens = login(client, "dee", PASSWORD)
    kept_in(other, tokens)
    assert settings.redis_url is not None
    store = redis.Redis.from_url(settings.redis_url)
    assert store.get(key(UUID(user_id))) is not None  # the login's save set it
    store.delete(key(UUID(user_id)))

    assert other.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 200
    assert other.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401


def test_a_save_whose_version_never_reached_redis_is_caught_up_from_the_log(
    running: Container,
    client: TestClient,
    other: TestClient,
    admin: dict[str, str],
    settings: Settings,
    kept_in: Keeps,
) -> None:
    """A process died between a logout's commit and its set, while the key held
    the version the other process kept its caller at: the snapshotter, following
    the log, raises the key, and the other process refuses the session."""
    user_id = create_user(client, admin, "eve")
    tokens = login(client, "eve", PASSWORD)
    kept_in(other, tokens)
    assert settings.redis_url is not None
    store = redis.Redis.from_url(settings.redis_url)
    held = store.get(key(UUID(user_id)))
    assert held is not None
    watchers = running.event_log.save_watchers[:]
    running.event_log.save_watchers.clear()  # the save's Redis steps are lost
    try:
        assert client.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 200
    finally:
        running.event_log.save_watchers[:] = watchers
    assert store.get(key(UUID(user_id))) == held  # Redis is a version behind the log

    running.snapshotter.catch_up()

    assert int(store.get(key(UUID(user_id))) or 0) == int(held) + 1
    assert other.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 401


def test_the_follower_never_creates_a_users_version(
    running: Container, client: TestClient, admin: dict[str, str], settings: Settings
) -> None:
    """A missing key means "read the user from the log"; only a save sets one."""
    user_id = create_user(client, admin, "fay")
    assert settings.redis_url is not None
    store = redis.Redis.from_url(settings.redis_url)
    store.delete(key(UUID(user_id)))

    running.snapshotter.catch_up()

    assert store.get(key(UUID(user_id))) is None
