"""SLA breaches and maintenance plans, run by the scheduler at a chosen ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from fastapi.testclient import TestClient

from application.scheduling import ScheduledJob
from bootstrap import Container
from interfaces.scheduler import run_job
from tests.e2e.workorders.conftest import World, ok, post, settle, submit_as_resident, view


def job(container: Container, name: str) -> ScheduledJob:
    return next(j for j in container.scheduled_jobs() if j.name == name)


def breaches(container: Container, order_id: str) -> list[str]:
    return [
        vars(e)["kind"]
        for e in container.event_log.repository.event_store.get(UUID(order_id))
        if type(e).__name__ == "SlaBreached"
    ]


def test_sla_breaches_are_recorded_once_each(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    order_id, _ = submit_as_resident(client, w, "Burst pipe")
    path = f"/workorders/{order_id}"
    ok(post(client, f"{path}/triage", w.manager_a, {"category": "plumbing", "priority": "urgent"}))
    sla = job(running, "workorders.sla_breaches")
    now = datetime.now(UTC)
    settle(running)
    assert run_job(running.pool, sla, now) == 0  # nothing due yet

    assert run_job(running.pool, sla, now + timedelta(minutes=31)) == 1
    settle(running)
    assert run_job(running.pool, sla, now + timedelta(minutes=32)) == 0  # idempotent
    assert breaches(running, order_id) == ["respond"]

    ok(post(client, f"{path}/assign", w.manager_a, {"technician_id": w.tech_1.id}))
    ok(post(client, f"{path}/accept", w.tech_1))
    p = ok(post(client, f"{path}/start", w.tech_1))["position"]
    settle(running, p)
    assert run_job(running.pool, sla, now + timedelta(hours=25)) == 1
    settle(running)
    assert run_job(running.pool, sla, now + timedelta(hours=26)) == 0
    assert breaches(running, order_id) == ["respond", "resolve"]

    order = ok(view(client, order_id, w.manager_a, running.event_log.head()))
    assert order["respond_breached"] and order["resolve_breached"]
    board = ok(
        client.get(
            "/api/v1/workorders/dashboard",
            params={"estate_id": str(w.estate_a)},
            headers=w.manager_a.headers,
        )
    )
    assert board["open_total"] == 1
    assert board["open_by_status"] == {"in_progress": 1}
    assert board["open_by_priority"] == {"urgent": 1}
    assert board["respond_sla"] == {"met": 0, "missed": 1, "compliance_pct": 0.0}
    assert board["resolve_sla"]["missed"] == 1
    assert board["mean_time_to_respond_minutes"] is not None


def test_a_completed_order_in_time_counts_as_compliant_and_is_never_breached(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    order_id, _ = submit_as_resident(client, w)
    path = f"/workorders/{order_id}"
    ok(post(client, f"{path}/triage", w.manager_a, {"category": "hvac", "priority": "normal"}))
    ok(post(client, f"{path}/assign", w.manager_a, {"technician_id": w.tech_1.id}))
    ok(post(client, f"{path}/accept", w.tech_1))
    ok(post(client, f"{path}/start", w.tech_1))
    body = {"work_done": "cleaned filter", "parts": [], "labour_hours": "0.5", "cost": "80"}
    p = ok(post(client, f"{path}/complete", w.tech_1, body))["position"]
    settle(running, p)
    sla = job(running, "workorders.sla_breaches")
    assert run_job(running.pool, sla, datetime.now(UTC) + timedelta(days=30)) == 0
    board = ok(
        client.get("/api/v1/workorders/dashboard", params={"after": p}, headers=w.manager_a.headers)
    )
    assert board["respond_sla"]["compliance_pct"] == 100.0
    assert board["resolve_sla"]["compliance_pct"] == 100.0
    assert board["open_total"] == 0
    # Another estate's manager sees none of it.
    other = ok(
        client.get("/api/v1/workorders/dashboard", params={"after": p}, headers=w.manager_b.headers)
    )
    assert other["submitted_in_period"] == 0


def test_a_plan_opens_exactly_one_order_per_due_date(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    today = datetime.now(UTC).date()
    created = ok(
        post(
            client,
            "/maintenance-plans",
            w.manager_a,
            {
                "estate_id": str(w.estate_a),
                "title": "Elevator monthly inspection",
                "equipment_kind": "elevator",
                "interval_days": 30,
                "checklist": ["brakes", "doors", "emergency phone"],
                "team": "lift crew",
                "technician_id": w.tech_1.id,
                "first_due_on": today.isoformat(),
            },
        ),
        201,
    )
    plan_id = created["id"]
    settle(running, created["position"])
    plans = job(running, "workorders.maintenance_plans")
    now = datetime.now(UTC)
    assert run_job(running.pool, plans, now - timedelta(days=1)) == 0  # not due yet
    assert run_job(running.pool, plans, now) == 1
    settle(running)
    assert run_job(running.pool, plans, now) == 0
    assert run_job(running.pool, plans, now + timedelta(days=29)) == 0
    assert run_job(running.pool, plans, now + timedelta(days=30)) == 1
    settle(running)
    assert run_job(running.pool, plans, now + timedelta(days=30)) == 0

    orders = ok(
        client.get(
            "/api/v1/workorders",
            params={"source": "plan", "after": running.event_log.head()},
            headers=w.tech_1.headers,
        )
    )
    assert len(orders) == 2
    assert {o["source_ref"] for o in orders} == {
        f"{plan_id}:{today.isoformat()}",
        f"{plan_id}:{(today + timedelta(days=30)).isoformat()}",
    }
    assert all(o["status"] == "assigned" and o["assignee_id"] == w.tech_1.id for o in orders)
    assert all(o["category"] == "preventive" and "brakes" in o["description"] for o in orders)

    plan = ok(
        client.get(
            f"/api/v1/maintenance-plans/{plan_id}",
            params={"after": running.event_log.head()},
            headers=w.manager_a.headers,
        )
    )
    assert plan["orders_opened"] == 2
    assert plan["next_due_on"] == (today + timedelta(days=60)).isoformat()

    # Paused, it opens nothing; resumed, it catches up with one order, not two.
    ok(post(client, f"/maintenance-plans/{plan_id}/pause", w.manager_a, {"reason": "renovation"}))
    settle(running)
    assert run_job(running.pool, plans, now + timedelta(days=100)) == 0
    ok(post(client, f"/maintenance-plans/{plan_id}/resume", w.manager_a))
    settle(running)
    assert run_job(running.pool, plans, now + timedelta(days=100)) == 1
    settle(running)
    assert run_job(running.pool, plans, now + timedelta(days=100)) == 0
    plan = ok(
        client.get(
            f"/api/v1/maintenance-plans/{plan_id}",
            params={"after": running.event_log.head()},
            headers=w.manager_a.headers,
        )
    )
    assert plan["orders_opened"] == 3
    assert plan["next_due_on"] == (today + timedelta(days=120)).isoformat()


def test_maintenance_plan_management_is_scoped_to_the_estate(
    client: TestClient, world: World, running: Container
) -> None:
    w = world
    body = {
        "estate_id": str(w.estate_a),
        "title": "Pump quarterly service",
        "equipment_kind": "pump",
        "interval_days": 90,
        "first_due_on": "2030-01-01",
    }
    r = post(client, "/maintenance-plans", w.manager_b, body)
    assert r.status_code == 404, r.text
    created = ok(post(client, "/maintenance-plans", w.manager_a, body), 201)
    plan_id = created["id"]
    head = running.event_log.head()
    assert (
        post(
            client, f"/maintenance-plans/{plan_id}/pause", w.manager_b, {"reason": "x"}
        ).status_code
        == 404
    )
    assert running.event_log.head() == head
    p = ok(
        client.patch(
            f"/api/v1/maintenance-plans/{plan_id}",
            json={"interval_days": 60, "checklist": ["impeller", "seals"]},
            headers=w.manager_a.headers,
        )
    )["position"]
    mine = ok(
        client.get("/api/v1/maintenance-plans", params={"after": p}, headers=w.manager_a.headers)
    )
    assert [(x["interval_days"], x["checklist"]) for x in mine] == [(60, ["impeller", "seals"])]
    theirs = ok(
        client.get("/api/v1/maintenance-plans", params={"after": p}, headers=w.manager_b.headers)
    )
    assert theirs == []
    # a technician of the estate reads the plans but does not manage them
    assert len(ok(client.get("/api/v1/maintenance-plans", headers=w.tech_1.headers))) == 1
    r = post(client, f"/maintenance-plans/{plan_id}/retire", w.tech_1, {"reason": "x"})
    assert r.status_code == 403, r.text
    ok(
        post(
            client, f"/maintenance-plans/{plan_id}/retire", w.manager_a, {"reason": "pump removed"}
        )
    )
    r = post(client, f"/maintenance-plans/{plan_id}/resume", w.manager_a)
    assert r.status_code == 409, r.text
