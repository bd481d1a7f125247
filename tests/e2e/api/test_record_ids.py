"""A container built with ``ids=`` gives every record a command creates the next
ID of that sequence, end to end: over HTTP, in the log and in the read models."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container, build
from domain.registry.person import Person
from domain.workorders.order import WorkOrder
from infrastructure.settings import Settings
from projections.runtime import wait_for_position
from tests.conftest import TEST_PASSWORDS
from tests.e2e.registry.helpers import created, new_building, new_estate, new_person, new_unit
from tests.support.clock import Clock
from tests.support.ids import SequentialIds


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds(start=1 << 64)  # far past the UUID(int=n) tests name records by


@pytest.fixture
def container(settings: Settings, clock: Clock, ids: SequentialIds) -> Iterator[Container]:
    """The suite's container, with the ID sequence as its ``ids``."""
    c = build(settings, clock=clock, ids=ids, passwords=TEST_PASSWORDS)
    try:
        yield c
    finally:
        c.close()


def test_a_person_and_a_work_order_take_the_sequence_in_order(
    client: TestClient, admin: dict[str, str], running: Container, ids: SequentialIds
) -> None:
    assert running.ids is ids
    estate_id, _ = new_estate(client, admin)
    unit_id, _ = new_unit(client, admin, new_building(client, admin, estate_id)[0])
    person_id, _ = new_person(client, admin, estate_id)
    order_id, position = created(
        client.post(
            "/api/v1/workorders",
            json={
                "estate_id": estate_id,
                "unit_id": unit_id,
                "title": "Leak under the sink",
                "description": "water on the kitchen floor",
            },
            headers=admin,
        )
    )
    # Estates, buildings and units derive their IDs from their codes: not drawn.
    assert ids.issued == [ids.nth(1), ids.nth(2)]
    assert (UUID(person_id), UUID(order_id)) == (ids.nth(1), ids.nth(2))
    assert isinstance(running.event_log.repository.get(ids.nth(1)), Person)
    assert isinstance(running.event_log.repository.get(ids.nth(2)), WorkOrder)
    assert wait_for_position(running.pool, "workorders", position, 10)
    shown = client.get(f"/api/v1/workorders/{order_id}", headers=admin)
    assert shown.status_code == 200, shown.text
    assert shown.json()["id"] == str(ids.nth(2))
