"""A work order from a resident's report to closure, through the HTTP API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.workorders.conftest import World, ok, post, submit_as_resident, view
from tests.support.pages import every_page


def test_a_resident_report_is_triaged_assigned_worked_rated_and_closed(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    order_id, p = submit_as_resident(client, w)
    submitted = ok(view(client, order_id, w.resident_a, p))
    assert submitted["status"] == "submitted"
    assert submitted["source"] == "resident"
    assert submitted["estate_id"] == str(w.estate_a)
    assert submitted["requested_by"] == w.resident_a.id

    path = f"/workorders/{order_id}"
    ok(post(client, f"{path}/triage", w.manager_a, {"category": "plumbing", "priority": "high"}))
    ok(post(client, f"{path}/assign", w.manager_a, {"technician_id": w.tech_1.id}))
    ok(post(client, f"{path}/accept", w.tech_1))
    ok(post(client, f"{path}/start", w.tech_1))
    ok(post(client, f"{path}/hold", w.tech_1, {"reason": "waiting for a cartridge"}))
    on_hold = ok(view(client, order_id, w.tech_1, running.event_log.head()))
    assert on_hold["status"] == "on_hold"
    assert on_hold["hold_reason"] == "waiting for a cartridge"
    ok(post(client, f"{path}/resume", w.tech_1))
    ok(
        post(
            client,
            f"{path}/complete",
            w.tech_1,
            {
                "work_done": "Replaced the tap cartridge",
                "parts": [
                    {"name": "cartridge", "qty": "1", "unit_cost": "45.50"},
                    {"name": "washer", "qty": "2", "unit_cost": "1.25"},
                ],
                "labour_hours": "1.5",
                "currency": "CNY",
            },
        )
    )
    ok(post(client, f"{path}/rate", w.resident_a, {"rating": 5, "comment": "Quick and tidy"}))
    p = ok(post(client, f"{path}/close", w.manager_a))["position"]

    closed = ok(view(client, order_id, w.manager_a, p))
    assert closed["status"] == "closed"
    assert closed["category"] == "plumbing" and closed["priority"] == "high"
    assert closed["assignee_id"] == w.tech_1.id
    assert closed["cost"] == "48.00" and closed["currency"] == "CNY"
    assert closed["labour_hours"] == "1.50"
    assert [p["name"] for p in closed["parts"]] == ["cartridge", "washer"]
    assert closed["rating"] == 5
    for stamp in ("triaged_at", "assigned_at", "accepted_at", "started_at", "completed_at"):
        assert closed[stamp] is not None, stamp
    assert closed["respond_by"] < closed["resolve_by"]
    assert not closed["respond_breached"] and not closed["resolve_breached"]

    history = ok(
        client.get(f"/api/v1{path}/history", params={"after": p}, headers=w.resident_a.headers)
    )
    assert [e["event"] for e in history] == [
        "Submitted", "Triaged", "Assigned", "Accepted", "Started", "PutOnHold", "Resumed",
        "Completed", "Rated", "Closed",
    ]  # fmt: skip
    # three events a page: four pages, each event once, in order
    walked = every_page(
        client, f"/api/v1{path}/history", {"limit": 3}, headers=w.resident_a.headers
    )
    assert walked == history
    assert history[2]["actor_id"] == w.manager_a.id
    assert history[3]["actor_id"] == w.tech_1.id

    # The fix did not hold: the resident reopens it, and it goes back to triage.
    p = ok(post(client, f"{path}/reopen", w.resident_a, {"reason": "dripping again"}))["position"]
    reopened = ok(view(client, order_id, w.manager_a, p))
    assert reopened["status"] == "triaged"
    assert reopened["assignee_id"] is None and reopened["reopenings"] == 1


def test_reassignment_is_recorded_and_a_rejected_order_goes_back_to_triage(
    client: TestClient, world: World
) -> None:
    w = world
    order_id, _ = submit_as_resident(client, w)
    path = f"/workorders/{order_id}"
    ok(
        post(
            client, f"{path}/triage", w.manager_a, {"category": "electrical", "priority": "normal"}
        )
    )
    ok(post(client, f"{path}/assign", w.manager_a, {"technician_id": w.tech_1.id}))
    ok(post(client, f"{path}/accept", w.tech_1))
    ok(post(client, f"{path}/assign", w.manager_a, {"technician_id": w.tech_2.id}))
    # the first technician no longer works it
    assert post(client, f"{path}/start", w.tech_1).status_code == 404
    p = ok(post(client, f"{path}/reject", w.tech_2, {"reason": "not my trade"}))["position"]
    order = ok(view(client, order_id, w.manager_a, p))
    assert order["status"] == "triaged"
    assert order["assignee_id"] is None
    assert order["reassignments"] == 1 and order["rejections"] == 1


def test_staff_submit_for_their_estate_and_a_technician_must_serve_it(
    client: TestClient, world: World
) -> None:
    w = world
    created = ok(
        post(
            client,
            "/workorders",
            w.manager_b,
            {
                "title": "Lobby light out",
                "description": "Block 2 lobby",
                "estate_id": str(w.estate_b),
            },
        ),
        201,
    )
    order = ok(view(client, created["id"], w.manager_b, created["position"]))
    assert order["source"] == "staff" and order["estate_id"] == str(w.estate_b)
    path = f"/workorders/{created['id']}"
    ok(post(client, f"{path}/triage", w.manager_b, {"category": "electrical", "priority": "low"}))
    # tech.one serves estate A only
    r = post(client, f"{path}/assign", w.manager_b, {"technician_id": w.tech_1.id})
    assert r.status_code == 422, r.text
    r = post(client, f"{path}/assign", w.manager_b, {"technician_id": w.resident_b.id})
    assert r.status_code == 422, r.text


def test_a_requester_may_cancel_only_before_assignment(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    first, _ = submit_as_resident(client, w)
    ok(post(client, f"/workorders/{first}/cancel", w.resident_a, {"reason": "fixed it myself"}))
    second, _ = submit_as_resident(client, w, "Door hinge")
    path = f"/workorders/{second}"
    ok(post(client, f"{path}/triage", w.manager_a, {"category": "structural", "priority": "low"}))
    ok(post(client, f"{path}/assign", w.manager_a, {"technician_id": w.tech_1.id}))
    head = running.event_log.head()
    r = post(client, f"{path}/cancel", w.resident_a, {"reason": "changed my mind"})
    assert r.status_code == 409, r.text
    assert running.event_log.head() == head
    ok(post(client, f"{path}/cancel", w.manager_a, {"reason": "duplicate"}))
