"""A night patrol through the HTTP API: the manager lays out the route and the
plan, the scheduler generates the shift's task, the technician checks points
in (one abnormal: a work order), one point is missed, and the report shows
the completion rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import Role
from interfaces.scheduler import run_job
from projections.runtime import wait_for_position
from tests.conftest import bearer, login
from tests.support.clock import Clock
from tests.support.pages import body_of
from tests.support.world import PASSWORD, world

NIGHT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
API = "/api/v1"
ROUTE = {
    "name": "夜间巡逻",
    "points": [
        {
            "name": "水泵房",
            "place": "B1",
            "checklist": [
                {"label": "供水压力", "unit": "MPa", "low": "0.30", "high": "0.60"},
                {"label": "有无漏水"},
            ],
        },
        {"name": "东门", "checklist": [{"label": "道闸关闭"}]},
        {"name": "天台", "checklist": [{"label": "门已上锁"}]},
    ],
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return body_of(response)


def settle(running: Container) -> int:
    head = running.event_log.head()
    assert wait_for_position(running.pool, "patrols", head, 10)
    return head


def job(running: Container, name: str) -> Any:
    return next(j for j in running.scheduled_jobs() if j.name == name)


def test_a_night_patrol_with_an_abnormal_point_and_a_missed_one(
    client: TestClient, running: Container, clock: Clock
) -> None:
    w = world(running, PASSWORD)
    estate = w.estate("PT", "Patrol Gardens", "1 Night Rd")
    other = w.estate("PX", "Other Gardens", "2 Day Rd")
    people = {}
    for name, role, where in (
        ("pm.pt", Role.PROPERTY_MANAGER, estate),
        ("tech.pt", Role.TECHNICIAN, estate),
        ("gate.pt", Role.GATE_GUARD, estate),
        ("pm.px", Role.PROPERTY_MANAGER, other),
    ):
        user_id = w.user(name, role, where)
        people[name] = (str(user_id), bearer(login(client, name, PASSWORD)))
    (_, manager), (tech_id, tech), (_, guard), (_, outsider) = people.values()

    route = ok(
        client.post(
            f"{API}/patrol-routes", json={**ROUTE, "estate_id": str(estate)}, headers=manager
        ),
        201,
    )
    shown = ok(
        client.get(
            f"{API}/patrol-routes/{route['id']}",
            params={"after": route["position"]},
            headers=manager,
        )
    )
    codes = [p["code"] for p in shown["points"]]
    assert len(set(codes)) == 3
    ok(client.get(f"{API}/patrol-routes/{route['id']}", headers=outsider), 404)
    clock.fix(NIGHT - timedelta(hours=6))  # planned that afternoon, on a clock of its year
    plan = {
        "route_id": route["id"],
        "name": "夜班巡逻",
        "assignee_id": tech_id,
        "shift_starts": "22:00",
        "shift_minutes": 480,
        "first_shift_on": "2026-03-02",
    }
    ok(
        client.post(
            f"{API}/patrol-plans", json={**plan, "assignee_id": people["pm.px"][0]}, headers=manager
        ),
        422,
    )
    ok(client.post(f"{API}/patrol-plans", json=plan, headers=manager), 201)
    settle(running)

    assert (
        run_job(running.pool, job(running, "patrols.generate_tasks"), NIGHT - timedelta(hours=1))
        == 1
    )
    settle(running)
    [listed] = ok(client.get(f"{API}/patrol-tasks", headers=tech))
    assert (
        listed["starts_at"].startswith("2026-03-02T14:00") and listed["completion_rate"] == "0.0000"
    )
    assert ok(client.get(f"{API}/patrol-tasks", headers=guard)) == []
    [todo] = ok(client.get(f"{API}/tasks/mine", params={"after": settle(running)}, headers=tech))
    assert (todo["id"], todo["kind"], todo["title"], todo["done"], todo["total"]) == (
        listed["id"],
        "patrol_task",
        "夜间巡逻",
        0,
        3,
    )
    assert (todo["starts_at"][:16], todo["due_at"][:16]) == ("2026-03-02T14:00", "2026-03-02T22:00")
    task = ok(client.get(f"{API}/patrol-tasks/{listed['id']}", headers=tech))
    assert [p["name"] for p in task["point_list"]] == ["水泵房", "东门", "天台"]
    assert "code" not in str(task)  # the codes are on the labels, not in the app
    ok(client.get(f"{API}/patrol-tasks/{listed['id']}", headers=guard), 404)
    ok(client.get(f"{API}/patrol-tasks/{listed['id']}", headers=outsider), 404)

    pump, gate = task["point_list"][0], task["point_list"][1]
    check_ins = f"{API}/patrol-tasks/{listed['id']}/check-ins"
    clock.fix(NIGHT + timedelta(hours=1))
    head = running.event_log.head()
    wrong = client.post(
        check_ins,
        json={
            "point_id": pump["id"],
            "code": codes[1],
            "answers": [{"item_id": "1", "result": "normal"}],
        },
        headers=tech,
    )
    assert wrong.status_code == 422 and "code" in wrong.text
    assert running.event_log.head() == head
    answers = [
        {"item_id": "1", "result": "normal", "value": "0.42"},
        {"item_id": "2", "result": "abnormal", "note": "水泵底座渗水", "photo_ref": "p/1.jpg"},
    ]
    done = ok(
        client.post(
            check_ins,
            json={"point_id": pump["id"], "code": codes[0], "answers": answers},
            headers=tech,
        )
    )
    order = ok(
        client.get(
            f"{API}/workorders/{done['work_order_id']}",
            params={"after": done["position"]},
            headers=manager,
        )
    )
    assert order["source"] == "patrol" and "水泵底座渗水" in order["description"]
    again = client.post(
        check_ins, json={"point_id": pump["id"], "code": codes[0], "answers": answers}, headers=tech
    )
    assert again.status_code == 409
    ok(
        client.post(
            check_ins,
            json={
                "point_id": gate["id"],
                "code": codes[1],
                "answers": [{"item_id": "1", "result": "normal"}],
            },
            headers=guard,
        ),
        404,
    )
    ok(
        client.post(
            check_ins,
            json={
                "point_id": gate["id"],
                "code": codes[1],
                "answers": [{"item_id": "1", "result": "normal"}],
            },
            headers=tech,
        )
    )

    assert (
        run_job(running.pool, job(running, "patrols.watch_tasks"), NIGHT + timedelta(hours=8)) == 1
    )
    settle(running)
    closed = ok(client.get(f"{API}/patrol-tasks/{listed['id']}", headers=manager))
    assert (
        ok(client.get(f"{API}/tasks/mine", params={"after": settle(running)}, headers=tech)) == []
    )
    assert closed["status"] == "closed" and closed["completion_rate"] == "0.6667"
    assert [p["state"] for p in closed["point_list"]] == ["checked", "checked", "missed"]
    clock.fix(NIGHT + timedelta(hours=9))
    late = client.post(
        check_ins,
        json={
            "point_id": task["point_list"][2]["id"],
            "code": codes[2],
            "answers": [{"item_id": "1", "result": "normal"}],
        },
        headers=tech,
    )
    assert late.status_code == 409

    report = ok(
        client.get(
            f"{API}/patrol-reports/completion",
            params={"estate_id": str(estate), "month": "2026-03"},
            headers=manager,
        )
    )
    assert [
        (r["tasks"], r["points"], r["checked"], r["missed"], r["abnormal"], r["completion_rate"])
        for r in report
    ] == [(1, 3, 2, 1, 1, "0.6667")]
    assert report[0]["assignee_name"] and report[0]["route_name"] == "夜间巡逻"
    mine = ok(
        client.get(f"{API}/patrol-reports/completion", params={"group": "person"}, headers=tech)
    )
    assert [r["assignee_id"] for r in mine] == [tech_id] and mine[0]["route_id"] is None
    assert ok(client.get(f"{API}/patrol-reports/completion", headers=outsider)) == []
    ok(
        client.get(f"{API}/patrol-reports/completion", params={"group": "team"}, headers=manager),
        422,
    )
