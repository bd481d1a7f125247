"""Object-level access (R2.1, R7.3, R7.4): an owner sees only their own records.

A record the caller may not see answers 404, exactly as a missing one does, so
its existence is not given away; a permission the caller lacks altogether
answers 403. A refused command appends nothing to the log.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from tests.conftest import bearer, login
from tests.support.pages import items

PASSWORD = "tall-ochre-lantern-42"


def make_user(
    client: TestClient, admin: dict[str, str], username: str, roles: list[str]
) -> tuple[str, dict[str, str], int]:
    """Create a user as the admin and log in as them: (id, headers, login position)."""
    created = client.post(
        "/api/v1/users",
        json={
            "username": username,
            "password": PASSWORD,
            "display_name": username.title(),
            "roles": roles,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    tokens = login(client, username, PASSWORD)
    return created.json()["id"], bearer(tokens), int(tokens["position"])


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.fixture
def two_owners(
    client: TestClient, admin: dict[str, str]
) -> tuple[tuple[str, dict[str, str], int], tuple[str, dict[str, str], int]]:
    return (
        make_user(client, admin, "owner.zhang", ["owner"]),
        make_user(client, admin, "owner.wang", ["owner"]),
    )


def test_an_owner_reads_their_own_record_and_login_history(
    client: TestClient, two_owners: Any
) -> None:
    (me, headers, logged_in_at), _ = two_owners
    record = client.get(f"/api/v1/users/{me}", params={"after": logged_in_at}, headers=headers)
    assert record.status_code == 200, record.text
    assert record.json()["id"] == me
    assert record.json()["username"] == "owner.zhang"
    assert record.json()["roles"] == ["owner"]

    logins = client.get(
        f"/api/v1/users/{me}/logins", params={"after": logged_in_at}, headers=headers
    )
    assert logins.status_code == 200, logins.text
    assert [(e["position"], e["outcome"]) for e in items(logins)] == [(logged_in_at, "succeeded")]


def test_another_owners_record_and_logins_are_reported_missing(
    client: TestClient, two_owners: Any
) -> None:
    (_, headers, logged_in_at), (other, _, _) = two_owners
    record = client.get(f"/api/v1/users/{other}", params={"after": logged_in_at}, headers=headers)
    body = assert_problem(record, 404)
    assert "owner.wang" not in record.text
    logins = client.get(f"/api/v1/users/{other}/logins", headers=headers)
    assert_problem(logins, 404)
    # Indistinguishable from an ID that does not exist at all.
    missing = client.get(f"/api/v1/users/{uuid4()}", headers=headers)
    assert assert_problem(missing, 404)["detail"] == body["detail"]


def test_an_owner_may_not_list_users_nor_read_the_audit_trail(
    client: TestClient, two_owners: Any
) -> None:
    (_, headers, logged_in_at), _ = two_owners
    listing = client.get("/api/v1/users", headers=headers)
    assert_problem(listing, 403)
    assert "owner.wang" not in listing.text

    trail = client.get("/api/v1/audit/events", params={"after": logged_in_at}, headers=headers)
    assert_problem(trail, 403)
    assert "owner.wang" not in trail.text
    export = client.get("/api/v1/audit/events/export", headers=headers)
    assert_problem(export, 403)
    assert_problem(client.get("/api/v1/audit/integrity", headers=headers), 403)


def test_an_owner_changes_their_own_profile_but_not_someone_elses(
    client: TestClient, running: Container, two_owners: Any
) -> None:
    (me, headers, _), (other, _, _) = two_owners
    changed = client.post(
        f"/api/v1/users/{me}/profile", json={"display_name": "Zhang Wei"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    position = changed.json()["position"]
    mine = client.get(f"/api/v1/users/{me}", params={"after": position}, headers=headers).json()
    assert mine["display_name"] == "Z**** W**"

    head = running.event_log.head()
    refused = client.post(
        f"/api/v1/users/{other}/profile", json={"display_name": "Hijacked"}, headers=headers
    )
    assert_problem(refused, 404)
    assert running.event_log.head() == head
    assert running.identity.display_name(running.identity.get(UUID(other))) == "Owner.Wang"


def test_an_owner_cannot_grant_themselves_a_role_or_erase_or_disable_anyone(
    client: TestClient, running: Container, two_owners: Any
) -> None:
    (me, headers, _), (other, _, _) = two_owners
    head = running.event_log.head()
    attempts = [
        client.post(f"/api/v1/users/{me}/roles", json={"role": "admin"}, headers=headers),
        client.post(
            f"/api/v1/users/{me}/permissions",
            json={"permission": "audit:read:any"},
            headers=headers,
        ),
        client.post(
            f"/api/v1/users/{other}/erase-personal-data", json={"reason": "x"}, headers=headers
        ),
        client.post(f"/api/v1/users/{other}/disable", json={"reason": "x"}, headers=headers),
        client.post(
            f"/api/v1/users/{other}/password", json={"new_password": "x" * 20}, headers=headers
        ),
    ]
    for response in attempts:
        assert_problem(response, 403)
    assert running.event_log.head() == head
    assert running.identity.get(UUID(me)).roles == {"owner"}


def test_customer_service_reads_the_users_of_its_estates_but_cannot_grant_roles(
    client: TestClient, running: Container, admin: dict[str, str], two_owners: Any
) -> None:
    (owner, _, _), (other, _, _) = two_owners
    cs_id, headers, logged_in_at = make_user(client, admin, "cs.li", ["customer_service"])
    # Serving no estate, the clerk reads no one but themselves (issue 12).
    record = client.get(f"/api/v1/users/{owner}", params={"after": logged_in_at}, headers=headers)
    assert_problem(record, 404)
    listing = client.get("/api/v1/users", headers=headers)
    assert [u["username"] for u in listing.json()["items"]] == ["cs.li"]
    # Serving an estate, they read its residents, and still no one else.
    from tests.e2e.registry.helpers import new_estate, new_person  # (it imports this module)

    estate_id, _ = new_estate(client, admin)
    _, position = new_person(client, admin, estate_id, user_id=owner)
    assigned = client.post(
        f"/api/v1/users/{cs_id}/estates", json={"estate_id": estate_id}, headers=admin
    )
    after = max(position, assigned.json()["position"])
    record = client.get(f"/api/v1/users/{owner}", params={"after": after}, headers=headers)
    assert record.status_code == 200, record.text
    assert record.json()["username"] == "owner.zhang"
    assert_problem(client.get(f"/api/v1/users/{other}", headers=headers), 404)
    listing = client.get("/api/v1/users", headers=headers)
    assert listing.status_code == 200, listing.text
    assert {u["username"] for u in listing.json()["items"]} == {"cs.li", "owner.zhang"}

    head = running.event_log.head()
    grant = client.post(
        f"/api/v1/users/{owner}/roles", json={"role": "property_manager"}, headers=headers
    )
    assert_problem(grant, 403)
    assert running.event_log.head() == head
    # Reading a record is not changing it: someone else's profile stays out of reach.
    edit = client.post(f"/api/v1/users/{owner}/profile", json={"gender": "f"}, headers=headers)
    assert_problem(edit, 404)
    assert running.event_log.head() == head


def test_an_auditor_reads_the_audit_trail_but_cannot_create_users(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    _, headers, logged_in_at = make_user(client, admin, "auditor.chen", ["auditor"])
    trail = client.get(
        "/api/v1/audit/events",
        params={"event_type": "LoginSucceeded", "after": logged_in_at},
        headers=headers,
    )
    assert trail.status_code == 200, trail.text
    assert logged_in_at in [e["position"] for e in trail.json()["items"]]

    head = running.event_log.head()
    created = client.post(
        "/api/v1/users",
        json={
            "username": "sneaky",
            "password": PASSWORD,
            "display_name": "Sneaky",
            "roles": ["admin"],
        },
        headers=headers,
    )
    assert_problem(created, 403)
    assert running.event_log.head() == head
    assert running.identity.find("sneaky") is None


def test_a_visitor_may_not_read_even_their_own_login_history(
    client: TestClient, admin: dict[str, str]
) -> None:
    me, headers, logged_in_at = make_user(client, admin, "visitor.sun", ["visitor"])
    assert (
        client.get(
            f"/api/v1/users/{me}", params={"after": logged_in_at}, headers=headers
        ).status_code
        == 200
    )
    assert_problem(client.get(f"/api/v1/users/{me}/logins", headers=headers), 403)
    assert_problem(
        client.post(f"/api/v1/users/{me}/profile", json={"gender": "m"}, headers=headers), 403
    )
