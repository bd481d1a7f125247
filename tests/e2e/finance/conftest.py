"""A small estate for finance tests, built through the HTTP API.

Three units (100, 80 and 120 m² gross; 80, 64 and 96 m² internal), each
with an owner who has a login, a finance clerk and a property manager
serving the estate, an auditor, and a clock the tests move by hand: the
container is built with it (``build(settings, clock=...)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from projections.runtime import wait_for_position
from tests.e2e.api.test_object_scoping import make_user
from tests.e2e.registry.helpers import created, new_building, new_estate, new_person, new_unit
from tests.support.clock import Clock
from tests.support.pages import Answer


@dataclass
class Actor:
    id: str
    headers: dict[str, str]


@dataclass
class FinanceWorld:
    client: TestClient
    container: Container
    clock: Clock
    estate_id: str
    building_id: str
    units: list[str]  # gross 100, 80, 120
    owners: list[Actor]  # owners[i] owns units[i] since 2026-01-01
    people: list[str]
    admin: Actor
    finance: Actor
    manager: Actor
    auditor: Actor
    other_estate_id: str
    other_finance: Actor
    extra: dict[str, Any] = field(default_factory=dict)

    def post(self, path: str, who: Actor, body: Any = None, status: int | None = None) -> Any:
        response = self.client.post(f"/api/v1{path}", json=body, headers=who.headers)
        if status is not None:
            assert response.status_code == status, response.text
        return response

    def get(self, path: str, who: Actor, status: int | None = 200, **params: Any) -> Any:
        response = self.client.get(f"/api/v1{path}", params=params, headers=who.headers)
        if status is not None:
            assert response.status_code == status, response.text
        return Answer(response)

    def settle(self, projection: str, position: int | None = None) -> None:
        """Wait until ``projection`` has applied ``position`` (default: the head)."""
        target = position if position is not None else self.container.event_log.head()
        assert wait_for_position(self.container.pool, projection, target, 20), projection


def _assign(client: TestClient, admin: dict[str, str], user_id: str, estate_id: str) -> None:
    r = client.post(
        f"/api/v1/users/{user_id}/estates", json={"estate_id": estate_id}, headers=admin
    )
    assert r.status_code == 200, r.text


@pytest.fixture
def fw(client: TestClient, admin: dict[str, str], running: Container, clock: Clock) -> FinanceWorld:
    clock.set(2026, 1, 1)
    estate_id, _ = new_estate(client, admin, code="FIN", name="Finance Garden")
    other_estate_id, _ = new_estate(client, admin, code="OTH", name="Other Garden")
    building_id, _ = new_building(client, admin, estate_id)
    areas = [("100.00", "80.00"), ("80.00", "64.00"), ("120.00", "96.00")]
    units = [
        new_unit(client, admin, building_id, number=f"{i + 1}01", gross=g, internal=n)[0]
        for i, (g, n) in enumerate(areas)
    ]

    def actor(username: str, roles: list[str], estate: str | None = None) -> Actor:
        user_id, headers, _ = make_user(client, admin, username, roles)
        if estate is not None:
            _assign(client, admin, user_id, estate)
        return Actor(user_id, headers)

    owners, people = [], []
    for i, unit_id in enumerate(units):
        owner = actor(f"owner.{i + 1}", ["owner"])
        person_id, _ = new_person(client, admin, estate_id, name=f"Owner {i + 1}", user_id=owner.id)
        r = client.post(
            f"/api/v1/units/{unit_id}/move-in",
            json={"person_id": person_id, "relation": "owner", "on": "2026-01-01"},
            headers=admin,
        )
        assert r.status_code == 200, r.text
        owners.append(owner)
        people.append(person_id)
    admin_id = str(running.identity.find("admin").id)  # type: ignore[union-attr]
    world = FinanceWorld(
        client=client,
        container=running,
        clock=clock,
        estate_id=estate_id,
        building_id=building_id,
        units=units,
        owners=owners,
        people=people,
        admin=Actor(admin_id, admin),
        finance=actor("finance.clerk", ["finance"], estate_id),
        manager=actor("manager.fin", ["property_manager"], estate_id),
        auditor=actor("auditor.one", ["auditor"]),
        other_estate_id=other_estate_id,
        other_finance=actor("finance.other", ["finance"], other_estate_id),
    )
    world.settle("registry")
    return world


__all__ = ["Actor", "Clock", "FinanceWorld", "created"]
