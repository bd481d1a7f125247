"""A work order that names no unit (decision 0049): a resident with one home
submits for it; otherwise the missing field is a 422 naming it, never a 404."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_errors import problem
from tests.e2e.workorders.conftest import World, ok, post, settle, view

ORDER = {"title": "Leaking tap", "description": "Kitchen tap drips all night"}


def test_a_resident_of_one_home_who_names_no_unit_submits_for_that_home(
    client: TestClient, world: World, running: Container
) -> None:
    made = ok(post(client, "/workorders", world.resident_a, ORDER), 201)
    settle(running, made["position"])
    order = ok(view(client, made["id"], world.resident_a, made["position"]))
    assert (order["id"], order["unit_id"]) == (made["id"], str(world.unit_a))
    assert order["estate_id"] == str(world.estate_a)


def test_a_resident_of_none_or_several_homes_is_told_unit_id_is_missing(
    client: TestClient, world: World, running: Container
) -> None:
    head = running.event_log.head()
    resident = UUID(world.resident_a.id)
    for homes in ([], [(world.estate_a, world.unit_a), (world.estate_a, uuid4())]):
        world.homes[resident] = homes
        body = problem(post(client, "/workorders", world.resident_a, ORDER), 422)
        assert body["detail"].startswith("unit_id: required"), body
        assert f"you occupy {len(homes)}" in body["detail"]
    assert running.event_log.head() == head


def test_staff_who_name_neither_estate_nor_unit_are_told_estate_id_is_missing(
    client: TestClient, world: World, running: Container
) -> None:
    head = running.event_log.head()
    body = problem(post(client, "/workorders", world.manager_a, ORDER), 422)
    assert body["detail"].startswith("estate_id: required"), body
    assert running.event_log.head() == head
