"""The community context against the real registry (contract 1): a resident's
units and estates come from ``registry_occupancy``, not from a stand-in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_object_scoping import assert_problem, make_user
from tests.e2e.approvals.people import ok, staff


def created(client: TestClient, admin: dict[str, str], path: str, **body: Any) -> str:
    return str(ok(client.post(f"/api/v1/{path}", json=body, headers=admin), 201)["id"])


def test_a_registered_resident_requests_a_service_and_reads_their_estates_board(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    user_id, headers, _ = make_user(client, admin, "owner.chen", ["owner"])
    estate = created(client, admin, "estates", code="LH", name="Lotus Hill", address="1 Lotus Rd")
    other = created(client, admin, "estates", code="PB", name="Pine Bay", address="9 Bay Rd")
    building = created(client, admin, f"estates/{estate}/buildings", code="B3")
    unit = created(
        client,
        admin,
        f"buildings/{building}/units",
        number="301",
        floor=3,
        gross_area="89.50",
        internal_area="72.10",
    )
    person = created(client, admin, f"estates/{estate}/people", name="Chen Jing", user_id=user_id)
    moved = ok(
        client.post(
            f"/api/v1/units/{unit}/move-in",
            json={"person_id": person, "relation": "owner", "on": "2026-01-01"},
            headers=admin,
        )
    )
    # The registry's read model has the move-in once it has reached its position.
    ok(client.get(f"/api/v1/units/{unit}", params={"after": moved["position"]}, headers=admin))

    request = {"estate_id": estate, "unit_id": unit, "category": "cleaning", "description": "hall"}
    ok(client.post("/api/v1/service-requests", json=request, headers=headers), 201)
    before = running.event_log.head()
    elsewhere = {**request, "estate_id": other}
    assert_problem(client.post("/api/v1/service-requests", json=elsewhere, headers=headers), 404)
    assert running.event_log.head() == before

    policy = {"levels": [{"name": "manager", "role": "admin"}], "rules": []}
    ok(client.put("/api/v1/approval-policies/announcement", json=policy, headers=admin))
    manager = staff(client, admin, "manager.lh", ["property_manager"], UUID(estate), UUID(other))
    last: dict[str, Any] = {}
    for where, title in ((estate, "Lift service"), (other, "Pine Bay fair")):
        body = {"estate_id": where, "title": title, "body": "..."}
        aid = ok(client.post("/api/v1/announcements", json=body, headers=manager.headers), 201)[
            "id"
        ]
        submitted = ok(client.post(f"/api/v1/announcements/{aid}/submit", headers=manager.headers))
        pending = ok(
            client.get(
                "/api/v1/approvals",
                params={"status": "pending", "after": submitted["position"]},
                headers=admin,
            )
        )
        ok(client.post(f"/api/v1/approvals/{pending[0]['id']}/approve", headers=admin))
        last = ok(client.post(f"/api/v1/announcements/{aid}/publish", headers=manager.headers))
    board = client.get(
        "/api/v1/announcement-board", params={"after": last["position"]}, headers=headers
    )
    assert [a["title"] for a in ok(board)] == ["Lift service"]
