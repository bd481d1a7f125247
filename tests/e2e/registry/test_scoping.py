"""Object-level access to the registry (R7.4).

A property manager sees and manages only the estates they are assigned to;
an owner or resident sees only the units they occupy now, and their own
person record. A record out of reach answers 404, exactly as a missing one.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.registry.helpers import (
    accepted,
    assert_problem,
    make_user,
    new_building,
    new_estate,
    new_person,
    new_unit,
)
from tests.support.pages import items


class World:
    """Two estates, each with a building, two units and a person."""

    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.a, _ = new_estate(client, admin, code="A", name="Estate A")
        self.b, _ = new_estate(client, admin, code="B", name="Estate B")
        self.building_a, _ = new_building(client, admin, self.a)
        self.building_b, _ = new_building(client, admin, self.b)
        self.unit_a, _ = new_unit(client, admin, self.building_a, number="101")
        self.other_unit_a, _ = new_unit(client, admin, self.building_a, number="102")
        self.unit_b, _ = new_unit(client, admin, self.building_b, number="101")
        self.person_a, _ = new_person(client, admin, self.a, name="Li Na")
        self.person_b, self.position = new_person(client, admin, self.b, name="Wang Fang")


@pytest.fixture
def world(client: TestClient, admin: dict[str, str]) -> World:
    return World(client, admin)


def _assign(client: TestClient, admin: dict[str, str], user: str, estate: str) -> int:
    return accepted(
        client.post(f"/api/v1/users/{user}/estates", json={"estate_id": estate}, headers=admin)
    )


def _ids(response: Any) -> set[str]:
    return {item["id"] for item in items(response)}


def test_an_admin_assigns_a_manager_to_an_estate_and_the_scope_follows(
    client: TestClient, admin: dict[str, str], world: World
) -> None:
    manager, headers, _ = make_user(client, admin, "manager.a", ["property_manager"])
    # Serving no estate yet: nothing to see, nothing to manage.
    at = world.position
    assert _ids(client.get("/api/v1/units", params={"after": at}, headers=headers)) == set()
    assert_problem(client.get(f"/api/v1/units/{world.unit_a}", headers=headers), 404)

    at = _assign(client, admin, manager, world.a)
    assigned = client.get(f"/api/v1/users/{manager}", params={"after": at}, headers=admin).json()
    assert assigned["estates"] == [world.a]
    units = _ids(client.get("/api/v1/units", headers=headers))
    assert units == {world.unit_a, world.other_unit_a}
    assert client.get(f"/api/v1/units/{world.unit_a}", headers=headers).status_code == 200

    # Unassigned again: the estate closes on the next request.
    unassigned = client.delete(f"/api/v1/users/{manager}/estates/{world.a}", headers=admin)
    assert unassigned.status_code == 200, unassigned.text
    assert_problem(client.get(f"/api/v1/units/{world.unit_a}", headers=headers), 404)


def test_a_manager_of_estate_a_sees_and_touches_nothing_of_estate_b(
    client: TestClient, admin: dict[str, str], world: World, running: Container
) -> None:
    manager, headers, _ = make_user(client, admin, "manager.a", ["property_manager"])
    _assign(client, admin, manager, world.a)
    at = world.position

    lists = {
        "/api/v1/estates": {world.a},
        "/api/v1/buildings": {world.building_a},
        "/api/v1/units": {world.unit_a, world.other_unit_a},
        "/api/v1/people": {world.person_a},
    }
    for path, expected in lists.items():
        assert _ids(client.get(path, params={"after": at}, headers=headers)) == expected, path
    assert (
        _ids(client.get("/api/v1/units", params={"estate_id": world.b}, headers=headers)) == set()
    )

    for path in (
        f"/api/v1/estates/{world.b}",
        f"/api/v1/buildings/{world.building_b}",
        f"/api/v1/units/{world.unit_b}",
        f"/api/v1/units/{world.unit_b}/occupancy",
        f"/api/v1/people/{world.person_b}",
        f"/api/v1/people/{world.person_b}/occupancy",
    ):
        assert_problem(client.get(path, headers=headers), 404)

    head = running.event_log.head()
    unit_body = {"number": "9", "floor": 1, "gross_area": "50", "internal_area": "40"}
    refused = [
        ("post", f"/api/v1/estates/{world.b}/buildings", {"code": "X"}),
        ("post", f"/api/v1/buildings/{world.building_b}/units", unit_body),
        ("patch", f"/api/v1/units/{world.unit_b}", {"floor": 3}),
        ("patch", f"/api/v1/estates/{world.b}", {"name": "Mine now"}),
        ("post", f"/api/v1/estates/{world.b}/people", {"name": "Someone"}),
        ("post", f"/api/v1/estates/{world.b}/parking", {"code": "P1"}),
        (
            "post",
            f"/api/v1/units/{world.unit_b}/move-in",
            {"person_id": world.person_b, "relation": "tenant", "on": "2024-01-01"},
        ),
        ("post", f"/api/v1/people/{world.person_b}/account", {"user_id": manager}),
    ]
    for method, path, body in refused:
        assert_problem(client.request(method, path, json=body, headers=headers), 404)
    import_b = client.post(
        f"/api/v1/estates/{world.b}/imports/units",
        content=b"building,number,floor,gross_area,internal_area\nB1,7,1,50,40\n",
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert_problem(import_b, 404)
    # Creating estates is for the company's administrators only.
    new = client.post(
        "/api/v1/estates", json={"code": "C", "name": "C", "address": "x"}, headers=headers
    )
    assert_problem(new, 403)
    assert running.event_log.head() == head

    # In their own estate the manager does manage.
    created = client.post(
        f"/api/v1/buildings/{world.building_a}/units", json=unit_body, headers=headers
    )
    assert created.status_code == 201, created.text


def test_a_resident_sees_only_the_unit_they_occupy(
    client: TestClient, admin: dict[str, str], world: World
) -> None:
    resident, headers, _ = make_user(client, admin, "resident.li", ["owner"])
    neighbour, _, _ = make_user(client, admin, "resident.zhou", ["owner"])
    at = accepted(
        client.post(
            f"/api/v1/people/{world.person_a}/account", json={"user_id": resident}, headers=admin
        )
    )
    # Linked but not yet moved in: nothing of the estate to see but themselves.
    assert _ids(client.get("/api/v1/units", params={"after": at}, headers=headers)) == set()
    assert _ids(client.get("/api/v1/people", headers=headers)) == {world.person_a}

    at = accepted(
        client.post(
            f"/api/v1/units/{world.unit_a}/move-in",
            json={"person_id": world.person_a, "relation": "owner", "on": "2020-01-01"},
            headers=admin,
        )
    )
    neighbour_person, _ = new_person(client, admin, world.a, name="Zhou Xun", user_id=neighbour)
    at = accepted(
        client.post(
            f"/api/v1/units/{world.other_unit_a}/move-in",
            json={"person_id": neighbour_person, "relation": "tenant", "on": "2020-01-01"},
            headers=admin,
        )
    )
    assert _ids(client.get("/api/v1/units", params={"after": at}, headers=headers)) == {
        world.unit_a
    }
    assert _ids(client.get("/api/v1/estates", headers=headers)) == {world.a}
    assert _ids(client.get("/api/v1/buildings", headers=headers)) == {world.building_a}
    assert _ids(client.get("/api/v1/people", headers=headers)) == {world.person_a}
    assert client.get(f"/api/v1/units/{world.unit_a}", headers=headers).status_code == 200
    history = client.get(f"/api/v1/units/{world.unit_a}/occupancy", headers=headers)
    assert len(items(history)) == 1
    for path in (
        f"/api/v1/units/{world.other_unit_a}",
        f"/api/v1/units/{world.other_unit_a}/occupancy",
        f"/api/v1/units/{world.unit_b}",
        f"/api/v1/people/{neighbour_person}",
        f"/api/v1/people/{world.person_b}",
        f"/api/v1/estates/{world.b}",
    ):
        assert_problem(client.get(path, headers=headers), 404)
    # Residents do not manage the registry at all.
    assert_problem(
        client.patch(f"/api/v1/units/{world.unit_a}", json={"floor": 2}, headers=headers), 403
    )

    # A transfer of ownership ends the seller's access.
    buyer, _ = new_person(client, admin, world.a, name="Sun Li")
    at = accepted(
        client.post(
            f"/api/v1/units/{world.unit_a}/ownership-transfers",
            json={"new_owner_ids": [buyer], "on": "2024-06-01"},
            headers=admin,
        )
    )
    assert _ids(client.get("/api/v1/units", params={"after": at}, headers=headers)) == set()
    assert_problem(client.get(f"/api/v1/units/{world.unit_a}", headers=headers), 404)


def test_an_auditor_reads_every_estate_and_changes_nothing(
    client: TestClient, admin: dict[str, str], world: World
) -> None:
    _, headers, _ = make_user(client, admin, "auditor.qian", ["auditor"])
    at = world.position
    units = _ids(client.get("/api/v1/units", params={"after": at}, headers=headers))
    assert units == {world.unit_a, world.other_unit_a, world.unit_b}
    assert client.get(f"/api/v1/people/{world.person_b}", headers=headers).status_code == 200
    assert_problem(
        client.post(f"/api/v1/estates/{world.a}/buildings", json={"code": "Z"}, headers=headers),
        403,
    )


def test_the_registry_answers_other_contexts_questions(
    client: TestClient, admin: dict[str, str], world: World, running: Container
) -> None:
    from projections.registry import queries

    resident, _, _ = make_user(client, admin, "resident.li", ["owner"])
    accepted(
        client.post(
            f"/api/v1/people/{world.person_a}/account", json={"user_id": resident}, headers=admin
        )
    )
    at = accepted(
        client.post(
            f"/api/v1/units/{world.unit_a}/move-in",
            json={"person_id": world.person_a, "relation": "owner", "on": "2020-01-01"},
            headers=admin,
        )
    )
    client.get("/api/v1/units", params={"after": at}, headers=admin)
    from uuid import UUID

    with running.pool.connection() as conn:
        assert queries.estate_exists(conn, UUID(world.a))
        assert not queries.estate_exists(conn, UUID(world.unit_a))
        assert queries.unit_estate(conn, UUID(world.unit_b)) == UUID(world.b)
        assert queries.unit_estate(conn, UUID(world.a)) is None
        assert queries.units_of_user(conn, UUID(resident)) == [(UUID(world.a), UUID(world.unit_a))]
        assert queries.occupant_user_ids(conn, UUID(world.a)) == [UUID(resident)]
        assert queries.occupant_user_ids(conn, UUID(world.b)) == []
