"""The equipment registry through HTTP: register, correct, search, archive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.workorders.order import WorkOrder
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.equipment.conftest import T0, reading, register, send
from tests.support.pages import items


def test_register_read_and_correct_equipment(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    lift, position = register(
        client,
        headers,
        estate_a,
        "elevator",
        name="Lift 1, Building 2",
        model="Gen2",
        vendor="Otis",
        location="Building 2 core",
        installed_on="2014-05-01",
        warranty_until="2016-05-01",
    )
    view = client.get(f"/api/v1/equipment/{lift}", params={"after": position}, headers=headers)
    assert view.status_code == 200, view.text
    body = view.json()
    assert (body["kind"], body["vendor"], body["status"], body["under_warranty"]) == (
        "elevator",
        "Otis",
        "in_service",
        False,
    )
    assert body["age_years"] > 10

    changed = client.patch(f"/api/v1/equipment/{lift}", json={"vendor": "KONE"}, headers=headers)
    assert changed.status_code == 200, changed.text
    head = running.event_log.head()
    assert_problem(
        client.patch(f"/api/v1/equipment/{lift}", json={"vendor": "KONE"}, headers=headers), 409
    )
    assert_problem(
        client.patch(
            f"/api/v1/equipment/{lift}", json={"warranty_until": "2010-01-01"}, headers=headers
        ),
        422,
    )
    assert_problem(
        client.patch(f"/api/v1/equipment/{lift}", json={"colour": "red"}, headers=headers), 422
    )
    assert running.event_log.head() == head

    out = client.post(
        f"/api/v1/equipment/{lift}/status",
        json={"status": "out_of_service", "reason": "modernisation"},
        headers=headers,
    )
    assert out.status_code == 200
    head = running.event_log.head()
    assert_problem(
        client.post(
            f"/api/v1/equipment/{lift}/status",
            json={"status": "out_of_service", "reason": "again"},
            headers=headers,
        ),
        409,
    )
    assert running.event_log.head() == head
    view = client.get(
        f"/api/v1/equipment/{lift}", params={"after": out.json()["position"]}, headers=headers
    )
    assert (view.json()["vendor"], view.json()["status"]) == ("KONE", "out_of_service")


def test_registration_checks_the_estate_and_the_dates(
    client: TestClient, running: Container, admin: dict[str, str], estate_a: UUID
) -> None:
    head = running.event_log.head()
    body = {"estate_id": "00000000-0000-0000-0000-0000000000ee", "kind": "pump", "name": "P"}
    assert_problem(client.post("/api/v1/equipment", json=body, headers=admin), 422)
    body["estate_id"] = str(estate_a)
    assert_problem(
        client.post("/api/v1/equipment", json={**body, "kind": "toaster"}, headers=admin), 422
    )
    assert_problem(
        client.post(
            "/api/v1/equipment",
            json={**body, "installed_on": "2020-01-01", "warranty_until": "2019-01-01"},
            headers=admin,
        ),
        422,
    )
    assert running.event_log.head() == head


def test_search_by_kind_age_and_repair_history(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    old_pump, _ = register(
        client, headers, estate_a, "pump", name="old pump", installed_on="2005-01-01"
    )
    register(
        client,
        headers,
        estate_a,
        "pump",
        name="new pump",
        installed_on=str(date.today() - timedelta(days=30)),
    )
    register(client, headers, estate_a, "meter", name="meter")
    out = send(client, headers, reading(old_pump, T0, "state", "trip"))
    opened = client.post(f"/api/v1/alarms/{out['alarms_raised'][0]}/work-order", headers=headers)
    order_id = UUID(opened.json()["id"])
    # The technician completes it (through the work-order aggregate, as its context would).
    order: WorkOrder = running.event_log.repository.get(order_id)
    completed = complete(running, order)
    after = {"after": completed}

    def names(**params: object) -> list[str]:
        response = client.get("/api/v1/equipment", params={**after, **params}, headers=headers)
        assert response.status_code == 200, response.text
        return [e["name"] for e in response.json()["items"]]

    assert names(kind="pump") == ["new pump", "old pump"]
    assert names(min_age_years=10) == ["old pump"]
    assert names(min_repairs=1) == ["old pump"]
    assert names(max_repairs=0) == ["meter", "new pump"]
    assert names(q="MET") == ["meter"]
    first = client.get("/api/v1/equipment", params={**after, "limit": 2}, headers=headers).json()
    rest = client.get(
        "/api/v1/equipment",
        params={**after, "limit": 2, "cursor": first["next_cursor"]},
        headers=headers,
    ).json()
    assert [e["name"] for e in first["items"] + rest["items"]] == ["meter", "new pump", "old pump"]

    archive = client.get(
        f"/api/v1/equipment/{old_pump}/archive",
        params={**after, "category": "repair"},
        headers=headers,
    ).json()["items"]
    assert archive[0]["event_type"] == "Submitted"
    assert "Completed" in [e["event_type"] for e in archive]


def complete(running: Container, order: WorkOrder) -> int:
    """Walk a work order to Completed through its own aggregate's commands."""
    now = datetime.now(UTC)
    o = order
    o.triage(
        category="plumbing",
        priority="normal",
        respond_by=now + timedelta(hours=1),
        resolve_by=now + timedelta(days=1),
        at=now,
    )
    o.assign(technician_id=uuid4(), at=now)
    o.accept(at=now)
    o.start(at=now)
    o.complete(
        work_done="replaced the relay",
        parts=[],
        labour_hours=Decimal("1.5"),
        cost=Decimal("120"),
        currency="CNY",
        at=now,
    )
    return running.event_log.save_and_position(o)


def test_stale_records_are_listed_and_reminded_once(
    client: TestClient, running: Container, manager_a: tuple[str, dict[str, str]], estate_a: UUID
) -> None:
    _, headers = manager_a
    old, _ = register(client, headers, estate_a, "pump", name="old", installed_on="2010-01-01")
    _, position = register(
        client, headers, estate_a, "pump", name="young", installed_on=str(date.today())
    )
    stale = client.get(
        "/api/v1/equipment/stale", params={"days": 365, "after": position}, headers=headers
    )
    assert [e["name"] for e in items(stale)] == ["old"]
    job = next(j for j in running.equipment.scheduled() if j.name == "equipment.stale_records")
    now = datetime.now(UTC)
    assert job.run(now) == 1
    assert job.run(now + timedelta(days=1)) == 0
    archive = client.get(
        f"/api/v1/equipment/{old}/archive",
        params={"category": "reminder", "after": running.event_log.head()},
        headers=headers,
    ).json()["items"]
    assert [e["event_type"] for e in archive] == ["RecordWentStale"]
