"""The alarm lifecycle through HTTP: acknowledge, clear, escalate, open a work order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.workorders.order import WorkOrder
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.equipment.conftest import T0, reading, register, send, wait


def raise_alarm(
    client: TestClient, headers: dict[str, str], estate: UUID, state: str = "fire"
) -> tuple[str, str, int]:
    panel, _ = register(client, headers, estate, "fire_system", name="Fire panel B2")
    out = send(client, headers, reading(panel, T0, "state", state))
    return panel, out["alarms_raised"][0], out["position"]


def refused(client: TestClient, running: Container, url: str, status: int = 409, **kw: Any) -> None:
    head = running.event_log.head()
    assert_problem(client.post(url, **kw), status)
    assert running.event_log.head() == head


def test_an_active_alarm_cannot_be_cleared_until_its_condition_ends(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    panel, alarm_id, _ = raise_alarm(client, headers, estate_a)
    refused(client, running, f"/api/v1/alarms/{alarm_id}/clear", headers=headers)
    assert client.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=headers).status_code == 200
    refused(client, running, f"/api/v1/alarms/{alarm_id}/acknowledge", headers=headers)
    refused(client, running, f"/api/v1/alarms/{alarm_id}/clear", headers=headers)
    send(client, headers, reading(panel, T0 + timedelta(minutes=1), "state", "normal"))
    # acknowledged + back to normal = cleared by the equipment; clearing again is refused
    refused(client, running, f"/api/v1/alarms/{alarm_id}/clear", headers=headers)


def test_a_person_clears_a_returned_alarm_and_is_recorded(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    me, headers = manager_a
    panel, alarm_id, _ = raise_alarm(client, headers, estate_a, "supervisory")
    send(client, headers, reading(panel, T0 + timedelta(minutes=1), "state", "normal"))
    cleared = client.post(f"/api/v1/alarms/{alarm_id}/clear", headers=headers)
    assert cleared.status_code == 200, cleared.text
    view = client.get(
        f"/api/v1/alarms/{alarm_id}", params={"after": cleared.json()["position"]}, headers=headers
    ).json()
    assert (view["status"], view["cleared_by"], view["acknowledged_by"]) == ("cleared", me, None)
    closed = client.get(
        "/api/v1/alarms",
        params={"status": "cleared", "after": cleared.json()["position"]},
        headers=headers,
    ).json()["items"]
    assert [a["id"] for a in closed] == [alarm_id]


def test_the_scheduler_escalates_unacknowledged_alarms_at_each_deadline(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    _, alarm_id, position = raise_alarm(client, headers, estate_a)  # fire: critical, 5 minutes
    wait(running, "alarms", position)
    job = next(j for j in running.equipment.scheduled() if j.name == "equipment.escalate_alarms")
    assert job.every_seconds == 30
    assert job.run(T0 + timedelta(minutes=4)) == 0
    assert job.run(T0 + timedelta(minutes=5)) == 1
    wait(running, "alarms", running.event_log.head())
    assert job.run(T0 + timedelta(minutes=6)) == 0  # level 2 is due at 10 minutes
    assert job.run(T0 + timedelta(minutes=10)) == 1
    wait(running, "alarms", running.event_log.head())
    view = client.get(f"/api/v1/alarms/{alarm_id}", headers=headers).json()
    assert (view["status"], view["level"]) == ("escalated", 2)
    assert view["next_escalation_at"].startswith("2026-03-01T08:15")

    ack = client.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=headers)
    wait(running, "alarms", ack.json()["position"])
    assert job.run(T0 + timedelta(hours=1)) == 0  # acknowledged: no more escalation


def test_an_alarm_opens_one_work_order_for_its_equipment(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    panel, alarm_id, _ = raise_alarm(client, headers, estate_a, "fault")
    opened = client.post(
        f"/api/v1/alarms/{alarm_id}/work-order", json={"title": "Check the panel"}, headers=headers
    )
    assert opened.status_code == 201, opened.text
    order: WorkOrder = running.event_log.repository.get(UUID(opened.json()["id"]))
    assert isinstance(order, WorkOrder)
    assert (order.source, order.source_ref, order.equipment_id, order.estate_id) == (
        "alarm",
        alarm_id,
        UUID(panel),
        estate_a,
    )
    assert order.title == "Check the panel"
    refused(client, running, f"/api/v1/alarms/{alarm_id}/work-order", json={}, headers=headers)

    position = opened.json()["position"]
    view = client.get(
        f"/api/v1/alarms/{alarm_id}", params={"after": position}, headers=headers
    ).json()
    assert view["work_order_id"] == opened.json()["id"]
    archive = client.get(
        f"/api/v1/equipment/{panel}/archive", params={"after": position}, headers=headers
    ).json()["items"]
    assert [(e["category"], e["event_type"]) for e in archive] == [
        ("specification", "Registered"),
        ("state", "StateChanged"),
        ("alarm", "Raised"),
        ("alarm", "WorkOrderOpened"),
        ("repair", "Submitted"),
    ]


def test_unknown_alarms_answer_404(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]]
) -> None:
    _, headers = manager_a
    missing = "00000000-0000-0000-0000-0000000000aa"
    for action in ("acknowledge", "clear", "work-order"):
        refused(client, running, f"/api/v1/alarms/{missing}/{action}", 404, headers=headers)
    assert_problem(client.get(f"/api/v1/alarms/{missing}", headers=headers), 404)
