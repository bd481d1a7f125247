"""Operators see every read model's lag and state; auditors read any aggregate's past."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from interfaces.http import consistency
from interfaces.http.problems import PROBLEM_JSON
from projections.runtime import wait_for_position
from tests.conftest import bearer, login

PASSWORD = "a-long-enough-password-1"


def _create(
    client: TestClient, admin: dict[str, str], username: str, **extra: Any
) -> dict[str, Any]:
    body = {
        "username": username,
        "password": PASSWORD,
        "display_name": username.title(),
        "roles": ["owner"],
        **extra,
    }
    response = client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return response.json()  # type: ignore[no-any-return]


def test_projections_list_every_read_model_caught_up_and_running(
    client: TestClient, admin: dict[str, str]
) -> None:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    position = _create(client, admin, "ana.lag")["position"]
    names = {p.name for p in container.projector.projections}
    assert {"audit_trail", "login_history", "user_directory", "alert_outbox"} <= names
    for name in names:
        assert wait_for_position(container.pool, name, position, 10), name
    container.snapshotter.catch_up()
    response = client.get("/api/v1/projections", headers=admin)
    assert response.status_code == 200, response.text
    items = {item["name"]: item for item in response.json()["items"]}
    assert set(items) == names | {"snapshots"}  # the snapshotter follows the log too
    for item in items.values():
        assert item["state"] == "running" and item["error"] is None
        assert item["position"] >= position and item["head"] >= position
        assert item["lag_events"] == item["head"] - item["position"]


def test_an_owner_may_not_see_the_projections(client: TestClient, admin: dict[str, str]) -> None:
    _create(client, admin, "olga.owner")
    owner = bearer(login(client, "olga.owner", PASSWORD))
    body = _problem(client.get("/api/v1/projections", headers=owner), 403)
    assert "projections:read:any" in body["detail"]


def test_the_after_header_reads_your_own_write(client: TestClient, admin: dict[str, str]) -> None:
    created = _create(client, admin, "hana.header")
    changed = client.post(
        f"/api/v1/users/{created['id']}/profile",
        json={"display_name": "Hana Renamed"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    response = client.get(
        f"/api/v1/users/{created['id']}",
        headers={**admin, "X-Estatelog-After": str(changed.json()["position"])},
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "H*** R******"


def test_the_after_header_for_a_position_not_yet_written_is_refused_at_once(
    client: TestClient, admin: dict[str, str]
) -> None:
    # No read model can reach a position the log has not: waiting would only
    # hold a worker for MAX_WAIT_SECONDS and then answer 503 (issue 12 §3).
    far = str(10**9)
    started = time.monotonic()
    body = _problem(client.get("/api/v1/users", headers={**admin, "X-Estatelog-After": far}), 422)
    assert time.monotonic() - started < consistency.MAX_WAIT_SECONDS / 2
    assert far in body["detail"]
    assert body["head"] == client.app.state.container.event_log.head()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("header", "query"), [("soon", None), ("-3", None), ("5", "6")], ids=str)
def test_a_malformed_or_contradicting_after_header_is_refused(
    client: TestClient, admin: dict[str, str], header: str, query: str | None
) -> None:
    params = {"after": query} if query else {}
    response = client.get(
        "/api/v1/users", params=params, headers={**admin, "X-Estatelog-After": header}
    )
    _problem(response, 422)


def test_history_shows_a_user_as_of_a_version_without_secrets(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = _create(client, admin, "vera.version", phone="13800001234")
    uid = created["id"]
    client.post(f"/api/v1/users/{uid}/roles", json={"role": "auditor"}, headers=admin)
    client.post(f"/api/v1/users/{uid}/profile", json={"display_name": "Vera B"}, headers=admin)

    first = client.get(f"/api/v1/history/{uid}", params={"version": 1}, headers=admin)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["aggregate_type"] == "User" and body["version"] == 1
    assert [e["event_type"] for e in body["events"]] == ["Registered"]
    state = body["state"]
    assert state["display_name_enc"] == "[encrypted]" and state["roles"] == ["owner"]
    assert state["display_name"] is None and "Vera.Version" not in first.text
    assert state["phone_enc"] == "[encrypted]" and state["national_id_enc"] is None
    assert "password_hash" not in state and "13800001234" not in first.text
    assert body["events"][0]["details"]["password_hash"] == "[redacted]"
    assert body["events"][0]["metadata"]["actor_role"] == "admin"

    now = client.get(f"/api/v1/history/{uid}", headers=admin).json()
    assert now["version"] == 3
    assert [e["event_type"] for e in now["events"]] == [
        "Registered",
        "RoleGranted",
        "ProfileChanged",
    ]
    assert now["events"][2]["details"]["changes"]["display_name_enc"] == "[encrypted]"
    assert "Vera B" not in str(now)
    assert sorted(now["state"]["roles"]) == ["auditor", "owner"]
    assert [e["position"] for e in now["events"]] == sorted(e["position"] for e in now["events"])


def test_history_as_of_a_moment_shows_the_state_then(
    client: TestClient, admin: dict[str, str]
) -> None:
    uid = _create(client, admin, "tim.time")["id"]
    between = datetime.now(UTC)
    client.post(f"/api/v1/users/{uid}/profile", json={"display_name": "Later"}, headers=admin)
    then = client.get(
        f"/api/v1/history/{uid}", params={"as_of": between.isoformat()}, headers=admin
    ).json()
    assert then["version"] == 1 and then["state"]["display_name_enc"] == "[encrypted]"
    assert "Later" not in str(then["events"])
    before_it_existed = client.get(
        f"/api/v1/history/{uid}", params={"as_of": "2000-01-01T00:00:00Z"}, headers=admin
    )
    _problem(before_it_existed, 404)
    _problem(
        client.get(
            f"/api/v1/history/{uid}", params={"as_of": "2026-01-01T00:00:00"}, headers=admin
        ),
        422,
    )


def test_audit_trail_as_of_a_position_or_moment_shows_only_what_was_recorded_by_then(
    client: TestClient, admin: dict[str, str]
) -> None:
    first = _create(client, admin, "ada.asof")
    cut = datetime.now(UTC)
    later = _create(client, admin, "bob.asof")

    by_position = client.get(
        "/api/v1/audit/events",
        params={"as_of": first["position"], "limit": 1000},
        headers=admin,
    ).json()
    assert by_position["as_of_position"] == first["position"]
    positions = [e["position"] for e in by_position["items"]]
    assert positions and max(positions) == first["position"]
    assert later["position"] not in positions

    by_moment = client.get(
        "/api/v1/audit/events", params={"as_of": cut.isoformat(), "limit": 1000}, headers=admin
    ).json()
    assert by_moment["as_of_position"] == first["position"]
    assert [e["position"] for e in by_moment["items"]] == positions

    _problem(client.get("/api/v1/audit/events", params={"as_of": "yesterday"}, headers=admin), 422)
