"""User administration over HTTP (R2.1, R2.2, R2.4): every change is an event
that the user directory read model shows, and a refused command appends nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.user import user_id_for
from interfaces.http.cursors import decode_cursor
from tests.conftest import bearer, login

PASSWORD = "tall-ochre-lantern-42"


def new_user(username: str, roles: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "username": username,
        "password": PASSWORD,
        "display_name": username.title(),
        "roles": roles or ["owner"],
        **extra,
    }


def create(client: TestClient, admin: dict[str, str], username: str, **extra: Any) -> str:
    response = client.post("/api/v1/users", json=new_user(username, **extra), headers=admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def read(client: TestClient, admin: dict[str, str], user_id: str, after: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/users/{user_id}", params={"after": after}, headers=admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ---- creating users ------------------------------------------------------------


def test_an_admin_creates_a_user_who_appears_in_the_directory(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/users",
        json=new_user("Li.Wei", roles=["owner", "visitor"], gender="male"),
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert UUID(body["id"]) == user_id_for("li.wei")
    assert body["position"] == running.event_log.head()

    record = read(client, admin, body["id"], body["position"])
    assert record["username"] == "li.wei"  # usernames are stored normalised
    assert record["display_name"] == "L*****"  # masked (R2.2)
    assert record["gender"] == "male"
    assert record["roles"] == ["owner", "visitor"]
    assert record["direct_permissions"] == []
    assert record["status"] == "normal"
    assert record["phone"] is None and record["national_id"] is None
    assert record["personal_data_erased"] is False
    assert record["version"] == 1
    # The new user can log in with the password the admin set.
    assert login(client, "li.wei", PASSWORD)["access_token"]


def test_a_taken_username_is_a_409_problem_and_appends_nothing(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    create(client, admin, "li.wei")
    head = running.event_log.head()
    for name in ("li.wei", " LI.WEI "):
        again = client.post("/api/v1/users", json=new_user(name), headers=admin)
        body = assert_problem(again, 409)
        assert "li.wei" in body["detail"]
    assert running.event_log.head() == head


def test_a_weak_password_is_refused_with_422_and_appends_nothing(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    head = running.event_log.head()
    too_short = client.post(
        "/api/v1/users", json={**new_user("li.wei"), "password": "short1!"}, headers=admin
    )
    assert "12 characters" in assert_problem(too_short, 422)["detail"]
    has_name = client.post(
        "/api/v1/users",
        json={**new_user("li.wei"), "password": "my-name-is-LI.WEI-ok"},
        headers=admin,
    )
    assert "username" in assert_problem(has_name, 422)["detail"]
    assert running.event_log.head() == head
    assert running.identity.find("li.wei") is None


def test_an_unknown_field_is_refused_with_422_and_appends_nothing(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    head = running.event_log.head()
    response = client.post(
        "/api/v1/users", json={**new_user("li.wei"), "is_superuser": True}, headers=admin
    )
    body = assert_problem(response, 422)
    assert ["body", "is_superuser"] in [e["loc"] for e in body["errors"]]
    assert running.event_log.head() == head
    assert running.identity.find("li.wei") is None


def test_malformed_users_are_refused_with_422_and_append_nothing(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    head = running.event_log.head()
    bad = [
        {**new_user("li.wei"), "roles": ["emperor"]},
        {**new_user("li.wei"), "roles": []},
        {**new_user("li.wei"), "phone": "call me maybe"},
        {**new_user("li.wei"), "national_id": "31/01"},
        new_user("li wei"),  # a space is not allowed in a username
    ]
    for body in bad:
        assert_problem(client.post("/api/v1/users", json=body, headers=admin), 422)
    assert running.event_log.head() == head


def test_creating_users_needs_a_token(client: TestClient, running: Container) -> None:
    head = running.event_log.head()
    response = client.post("/api/v1/users", json=new_user("li.wei"))
    assert_problem(response, 401)
    assert running.event_log.head() == head


# ---- listing -------------------------------------------------------------------


def test_users_are_listed_by_username_prefix(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    for name in ("wang_li", "wangxli", "wang.fang", "zhao.lei"):
        create(client, admin, name)
    head = running.event_log.head()

    def names(**params: Any) -> list[str]:
        response = client.get("/api/v1/users", params={"after": head, **params}, headers=admin)
        assert response.status_code == 200, response.text
        return [u["username"] for u in response.json()["items"]]

    assert names(username_prefix="wang") == ["wang.fang", "wang_li", "wangxli"]
    assert names(username_prefix="WANG.") == ["wang.fang"]
    # "_" is a literal underscore, not a LIKE wildcard.
    assert names(username_prefix="wang_") == ["wang_li"]
    assert names(username_prefix="nobody") == []
    assert names() == ["admin", "wang.fang", "wang_li", "wangxli", "zhao.lei"]


def test_users_are_listed_by_status(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    locked = create(client, admin, "locked.one")
    disabled = create(client, admin, "disabled.one")
    create(client, admin, "normal.one")
    client.post(f"/api/v1/users/{locked}/lock", json={"reason": "lost phone"}, headers=admin)
    last = client.post(f"/api/v1/users/{disabled}/disable", json={"reason": "left"}, headers=admin)
    after = last.json()["position"]

    def names(status: str) -> list[str]:
        response = client.get(
            "/api/v1/users", params={"status": status, "after": after}, headers=admin
        )
        assert response.status_code == 200, response.text
        return [u["username"] for u in response.json()["items"]]

    assert names("locked") == ["locked.one"]
    assert names("disabled") == ["disabled.one"]
    assert names("normal") == ["admin", "normal.one"]
    assert_problem(client.get("/api/v1/users", params={"status": "zombie"}, headers=admin), 422)


def test_the_user_list_pages_with_a_cursor(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    for i in range(7):
        create(client, admin, f"resident{i}")
    head = running.event_log.head()

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, "username_prefix": "resident", "after": head}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/users", params=params, headers=admin)
        assert page.status_code == 200, page.text
        items = [u["username"] for u in page.json()["items"]]
        assert len(items) <= 3
        seen += items
        pages += 1
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        assert decode_cursor(cursor, str) == (items[-1],)  # opaque, holding the last name
    assert pages == 3
    assert seen == [f"resident{i}" for i in range(7)]


# ---- profile, roles, permissions -------------------------------------------------


def test_a_profile_change_appears_in_the_read_model(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    uid = create(client, admin, "li.wei")
    changed = client.post(
        f"/api/v1/users/{uid}/profile",
        json={"display_name": "李伟", "gender": "male", "phone": "13987654321"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    record = read(client, admin, uid, changed.json()["position"])
    assert record["display_name"] == "李*"
    assert record["gender"] == "male"
    assert record["phone"] == "139****4321"
    assert record["version"] == 2

    head = running.event_log.head()
    assert_problem(client.post(f"/api/v1/users/{uid}/profile", json={}, headers=admin), 422)
    assert_problem(
        client.post(f"/api/v1/users/{uid}/profile", json={"username": "x"}, headers=admin), 422
    )
    missing = client.post(
        f"/api/v1/users/{user_id_for('nobody.here')}/profile",
        json={"display_name": "Ghost"},
        headers=admin,
    )
    assert_problem(missing, 404)
    assert running.event_log.head() == head


def test_role_and_permission_grants_and_revocations_appear_in_the_read_model(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    uid = create(client, admin, "li.wei")
    user_headers = bearer(login(client, "li.wei", PASSWORD))
    assert_problem(client.get("/api/v1/users", headers=user_headers), 403)

    granted = client.post(
        f"/api/v1/users/{uid}/roles", json={"role": "customer_service"}, headers=admin
    )
    assert granted.status_code == 200, granted.text
    record = read(client, admin, uid, granted.json()["position"])
    assert sorted(record["roles"]) == ["customer_service", "owner"]
    # Takes effect on the very next request of the same session.
    assert client.get("/api/v1/users", headers=user_headers).status_code == 200

    again = client.post(
        f"/api/v1/users/{uid}/roles", json={"role": "customer_service"}, headers=admin
    )
    assert_problem(again, 409)

    permitted = client.post(
        f"/api/v1/users/{uid}/permissions", json={"permission": "audit:read:any"}, headers=admin
    )
    assert permitted.status_code == 200, permitted.text
    record = read(client, admin, uid, permitted.json()["position"])
    assert record["direct_permissions"] == ["audit:read:any"]

    revoked = client.delete(f"/api/v1/users/{uid}/roles/customer_service", headers=admin)
    assert revoked.status_code == 200, revoked.text
    record = read(client, admin, uid, revoked.json()["position"])
    assert record["roles"] == ["owner"]
    assert_problem(client.get("/api/v1/users", headers=user_headers), 403)

    unpermitted = client.delete(f"/api/v1/users/{uid}/permissions/audit:read:any", headers=admin)
    assert unpermitted.status_code == 200, unpermitted.text
    record = read(client, admin, uid, unpermitted.json()["position"])
    assert record["direct_permissions"] == []
    assert_problem(client.delete(f"/api/v1/users/{uid}/roles/auditor", headers=admin), 409)

    # Who granted what, and when, is in the audit trail.
    trail = client.get(
        "/api/v1/audit/events",
        params={"aggregate_id": uid, "after": unpermitted.json()["position"]},
        headers=admin,
    ).json()["items"]
    admin_id = str(user_id_for("admin"))
    access = [
        (e["event_type"], e["details"].get("role") or e["details"].get("permission"))
        for e in trail
        if e["actor_id"] == admin_id and e["event_type"] != "Registered"
    ]
    assert access == [
        ("RoleGranted", "customer_service"),
        ("PermissionGranted", "audit:read:any"),
        ("RoleRevoked", "customer_service"),
        ("PermissionRevoked", "audit:read:any"),
    ]


# ---- status ----------------------------------------------------------------------


def test_lock_unlock_disable_and_enable_change_the_status(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    uid = create(client, admin, "li.wei")
    user_headers = bearer(login(client, "li.wei", PASSWORD))

    locked = client.post(f"/api/v1/users/{uid}/lock", json={"reason": "lost phone"}, headers=admin)
    assert locked.status_code == 200, locked.text
    assert read(client, admin, uid, locked.json()["position"])["status"] == "locked"
    assert_problem(client.get("/api/v1/auth/me", headers=user_headers), 401)
    refused = client.post("/api/v1/auth/login", json={"username": "li.wei", "password": PASSWORD})
    assert "locked" in assert_problem(refused, 401)["detail"]
    assert_problem(
        client.post(f"/api/v1/users/{uid}/lock", json={"reason": "twice"}, headers=admin), 409
    )

    unlocked = client.post(f"/api/v1/users/{uid}/unlock", headers=admin)
    assert unlocked.status_code == 200, unlocked.text
    assert read(client, admin, uid, unlocked.json()["position"])["status"] == "normal"
    user_headers = bearer(login(client, "li.wei", PASSWORD))

    disabled = client.post(
        f"/api/v1/users/{uid}/disable", json={"reason": "moved out"}, headers=admin
    )
    assert disabled.status_code == 200, disabled.text
    assert read(client, admin, uid, disabled.json()["position"])["status"] == "disabled"
    assert_problem(client.get("/api/v1/auth/me", headers=user_headers), 401)
    refused = client.post("/api/v1/auth/login", json={"username": "li.wei", "password": PASSWORD})
    assert "disabled" in assert_problem(refused, 401)["detail"]

    enabled = client.post(f"/api/v1/users/{uid}/enable", headers=admin)
    assert enabled.status_code == 200, enabled.text
    assert read(client, admin, uid, enabled.json()["position"])["status"] == "normal"
    assert login(client, "li.wei", PASSWORD)["access_token"]
    assert_problem(client.post(f"/api/v1/users/{uid}/enable", headers=admin), 409)


def test_an_admin_cannot_disable_their_own_account(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    me = client.get("/api/v1/auth/me", headers=admin).json()["id"]
    head = running.event_log.head()
    response = client.post(f"/api/v1/users/{me}/disable", json={"reason": "oops"}, headers=admin)
    assert_problem(response, 409)
    assert running.event_log.head() == head
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200
    assert read(client, admin, me, head)["status"] == "normal"


def test_a_lock_needs_a_reason(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    uid = create(client, admin, "li.wei")
    head = running.event_log.head()
    assert_problem(client.post(f"/api/v1/users/{uid}/lock", json={}, headers=admin), 422)
    assert_problem(
        client.post(f"/api/v1/users/{uid}/lock", json={"reason": ""}, headers=admin), 422
    )
    assert running.event_log.head() == head


def test_a_staff_member_can_only_be_assigned_an_estate_that_exists(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    uid = create(client, admin, "pm.nowhere", roles=["property_manager"])
    head = running.event_log.head()

    missing = client.post(
        f"/api/v1/users/{uid}/estates",
        json={"estate_id": "00000000-0000-4000-8000-000000000000"},
        headers=admin,
    )

    assert missing.status_code == 422
    assert "no estate" in missing.json()["detail"]
    assert running.event_log.head() == head
    estate = client.post(
        "/api/v1/estates",
        json={"code": "HV", "name": "Harbour", "address": "1 Quay"},
        headers=admin,
    )
    assert estate.status_code == 201, estate.text
    assigned = client.post(
        f"/api/v1/users/{uid}/estates", json={"estate_id": estate.json()["id"]}, headers=admin
    )
    assert assigned.status_code == 200, assigned.text
