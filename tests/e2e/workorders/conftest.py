"""A small world for work-order tests: two estates, their staff, technicians, residents.

The registry's read model is replaced by an in-memory one on the service
(``estate_exists``, ``unit_estate``, ``units_of_user``), so these tests do
not depend on the registry context's commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from application.workorders.service import WorkOrderService
from bootstrap import Container
from projections.runtime import wait_for_position
from tests.conftest import given_estate
from tests.e2e.api.test_object_scoping import make_user
from tests.support.pages import body_of


@dataclass
class Actor:
    id: str
    headers: dict[str, str]


@dataclass
class World:
    estate_a: UUID
    estate_b: UUID
    unit_a: UUID
    unit_b: UUID
    manager_a: Actor
    manager_b: Actor
    tech_1: Actor
    tech_2: Actor
    resident_a: Actor
    resident_b: Actor
    admin: Actor
    homes: dict[UUID, list[tuple[UUID, UUID]]] = field(default_factory=dict)


def settle(container: Container, position: int | None = None) -> None:
    """Wait until the work-order read model has applied ``position`` (default: the head)."""
    target = position if position is not None else container.event_log.head()
    assert wait_for_position(container.pool, "workorders", target, 10)


@pytest.fixture
def world(
    client: TestClient, admin: dict[str, str], running: Container, monkeypatch: pytest.MonkeyPatch
) -> World:
    estate_a, estate_b, unit_a, unit_b = uuid4(), uuid4(), uuid4(), uuid4()
    units = {unit_a: estate_a, unit_b: estate_b}

    def actor(username: str, roles: list[str], estate: UUID | None = None) -> Actor:
        user_id, headers, _ = make_user(client, admin, username, roles)
        if estate is not None:
            given_estate(running, estate)
            r = client.post(
                f"/api/v1/users/{user_id}/estates", json={"estate_id": str(estate)}, headers=admin
            )
            assert r.status_code == 200, r.text
        return Actor(user_id, headers)

    w = World(
        estate_a=estate_a,
        estate_b=estate_b,
        unit_a=unit_a,
        unit_b=unit_b,
        manager_a=actor("manager.a", ["property_manager"], estate_a),
        manager_b=actor("manager.b", ["property_manager"], estate_b),
        tech_1=actor("tech.one", ["technician"], estate_a),
        tech_2=actor("tech.two", ["technician"], estate_a),
        resident_a=actor("resident.a", ["owner"]),
        resident_b=actor("resident.b", ["owner"]),
        admin=Actor(str(running.identity.find("admin").id), admin),  # type: ignore[union-attr]
    )
    w.homes = {
        UUID(w.resident_a.id): [(estate_a, unit_a)],
        UUID(w.resident_b.id): [(estate_b, unit_b)],
    }
    monkeypatch.setattr(
        WorkOrderService, "estate_exists", lambda self, e: e in (estate_a, estate_b)
    )
    monkeypatch.setattr(WorkOrderService, "unit_estate", lambda self, u: units.get(u))
    monkeypatch.setattr(
        WorkOrderService, "units_of_user", lambda self, user_id: w.homes.get(user_id, [])
    )
    return w


def post(client: TestClient, path: str, who: Actor, body: Any = None) -> Any:
    return client.post(f"/api/v1{path}", json=body, headers=who.headers)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return body_of(response)


def submit_as_resident(client: TestClient, w: World, title: str = "Leaking tap") -> tuple[str, int]:
    body = ok(
        post(
            client,
            "/workorders",
            w.resident_a,
            {
                "title": title,
                "description": "Kitchen tap drips all night",
                "unit_id": str(w.unit_a),
            },
        ),
        201,
    )
    return body["id"], body["position"]


def view(client: TestClient, order_id: str, who: Actor, after: int) -> Any:
    return client.get(
        f"/api/v1/workorders/{order_id}", params={"after": after}, headers=who.headers
    )
