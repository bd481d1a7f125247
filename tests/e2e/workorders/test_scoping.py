"""Object-level access (R7.4): each caller sees and acts on only their own orders."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.workorders.conftest import Actor, World, ok, post, submit_as_resident, view


def test_a_resident_submits_only_for_a_unit_they_occupy(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    head = running.event_log.head()
    for body in (
        {"title": "x", "description": "y", "unit_id": str(w.unit_b)},  # someone else's home
        {"title": "x", "description": "y", "unit_id": str(w.unit_a), "estate_id": str(w.estate_b)},
    ):
        r = post(client, "/workorders", w.resident_a, body)
        assert r.status_code == 404, r.text
    # a manager submits only for the estates they serve
    r = post(
        client,
        "/workorders",
        w.manager_b,
        {"title": "x", "description": "y", "estate_id": str(w.estate_a)},
    )
    assert r.status_code == 404, r.text
    assert running.event_log.head() == head


def test_another_resident_technician_or_estate_gets_404(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    order_id, _ = submit_as_resident(client, w)
    path = f"/workorders/{order_id}"
    ok(post(client, f"{path}/triage", w.manager_a, {"category": "plumbing", "priority": "low"}))
    p = ok(post(client, f"{path}/assign", w.manager_a, {"technician_id": w.tech_1.id}))["position"]

    for who in (w.resident_b, w.tech_2, w.manager_b):
        assert view(client, order_id, who, p).status_code == 404, who
        history = client.get(f"/api/v1{path}/history", params={"after": p}, headers=who.headers)
        assert history.status_code == 404
    for who in (w.resident_a, w.tech_1, w.manager_a, w.admin):
        assert view(client, order_id, who, p).status_code == 200, who

    head = running.event_log.head()
    assert post(client, f"{path}/accept", w.tech_2).status_code == 404
    assert (
        post(
            client, f"{path}/triage", w.manager_b, {"category": "hvac", "priority": "high"}
        ).status_code
        == 404
    )
    assert post(client, f"{path}/cancel", w.resident_b, {"reason": "x"}).status_code == 404
    assert post(client, f"{path}/cancel", w.tech_1, {"reason": "x"}).status_code == 403
    assert post(client, f"{path}/rate", w.resident_b, {"rating": 1}).status_code == 404
    assert running.event_log.head() == head


def test_lists_show_only_what_the_caller_may_see(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    mine, _ = submit_as_resident(client, w, "Mine")
    theirs = ok(
        post(
            client,
            "/workorders",
            w.resident_b,
            {"title": "Theirs", "description": "y", "unit_id": str(w.unit_b)},
        ),
        201,
    )["id"]
    ok(
        post(
            client,
            f"/workorders/{mine}/triage",
            w.manager_a,
            {"category": "other", "priority": "low"},
        )
    )
    ok(post(client, f"/workorders/{mine}/assign", w.manager_a, {"technician_id": w.tech_1.id}))
    head = running.event_log.head()

    def ids(who: Actor, **params: object) -> set[str]:
        rows = ok(
            client.get("/api/v1/workorders", params={"after": head, **params}, headers=who.headers)
        )
        return {r["id"] for r in rows}

    assert ids(w.resident_a) == {mine}
    assert ids(w.resident_b) == {theirs}
    assert ids(w.tech_1) == {mine}
    assert ids(w.tech_2) == set()
    assert ids(w.manager_a) == {mine}
    assert ids(w.manager_b) == {theirs}
    assert ids(w.admin) == {mine, theirs}
    assert ids(w.admin, estate_id=str(w.estate_b)) == {theirs}
    assert ids(w.admin, status="assigned", priority="low") == {mine}
    assert ids(w.tech_1, mine="true") == {mine}
    assert ids(w.manager_a, assignee_id=w.tech_1.id) == {mine}
