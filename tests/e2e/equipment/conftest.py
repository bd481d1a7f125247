"""Estates, staff and small helpers for the equipment tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.registry.places import Estate
from projections.runtime import wait_for_position
from tests.e2e.api.test_object_scoping import make_user

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def wait(container: Container, projection: str, position: int) -> None:
    assert wait_for_position(container.pool, projection, position, 10), projection


def make_estate(container: Container, code: str) -> UUID:
    estate = Estate.register(code=code, name=f"Estate {code}", address=f"{code} Road 1")
    wait(container, "registry", container.event_log.save_and_position(estate))
    return estate.id


@pytest.fixture
def estate_a(running: Container) -> UUID:
    return make_estate(running, "EA")


@pytest.fixture
def estate_b(running: Container) -> UUID:
    return make_estate(running, "EB")


def staff(
    client: TestClient, admin: dict[str, str], username: str, role: str, estate: UUID
) -> tuple[str, dict[str, str]]:
    user_id, headers, _ = make_user(client, admin, username, [role])
    assigned = client.post(
        f"/api/v1/users/{user_id}/estates", json={"estate_id": str(estate)}, headers=admin
    )
    assert assigned.status_code == 200, assigned.text
    return user_id, headers


@pytest.fixture
def manager_a(
    client: TestClient, admin: dict[str, str], estate_a: UUID
) -> tuple[str, dict[str, str]]:
    return staff(client, admin, "manager.a", "property_manager", estate_a)


@pytest.fixture
def manager_b(
    client: TestClient, admin: dict[str, str], estate_b: UUID
) -> tuple[str, dict[str, str]]:
    return staff(client, admin, "manager.b", "property_manager", estate_b)


def register(
    client: TestClient, headers: dict[str, str], estate: UUID, kind: str = "pump", **extra: Any
) -> tuple[str, int]:
    body = {"estate_id": str(estate), "kind": kind, "name": extra.pop("name", f"{kind} 1")}
    body.update(extra)
    response = client.post("/api/v1/equipment", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["position"]


def reading(equipment_id: str, at: datetime, metric: str, value: Any) -> dict[str, Any]:
    if metric == "state":
        return {
            "equipment_id": equipment_id,
            "at": at.isoformat(),
            "metric": "state",
            "state": value,
        }
    return {"equipment_id": equipment_id, "at": at.isoformat(), "metric": metric, "value": value}


def send(client: TestClient, headers: dict[str, str], *readings: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/telemetry", json={"readings": list(readings)}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def alarm_events(container: Container) -> list[tuple[str, str]]:
    """(event name, alarm id) of every Alarm event in the log, in order."""
    out = []
    for note in container.event_log.read(after=0, limit=100_000):
        if note.topic.startswith("domain.equipment.alarm:Alarm."):
            out.append((note.topic.rsplit(".", 1)[1], str(note.originator_id)))
    return out
