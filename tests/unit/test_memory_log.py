"""The unit tier's in-memory log behaves as the port says the store does."""

from __future__ import annotations

from uuid import uuid4

from application.services import find
from domain.registry.places import Building, Estate
from tests.support.memory import MemoryEventLog


def test_positions_count_every_event_in_one_order() -> None:
    log = MemoryEventLog()
    assert log.head() == 0
    estate = Estate.register(code="A1", name="A", address="-")
    position = log.save_and_position(estate)
    assert position == log.head() == len(log.domain_events()) == 1
    assert log.load_many([estate.id, uuid4()]).keys() == {estate.id}
    assert log.version_at(estate.id, position) == estate.version
    assert log.version_at(uuid4(), position) is None
    assert type(log.domain_events(estate.id)[0]).__name__ == "Registered"


def test_find_at_a_position_folds_the_aggregate_as_it_stood_then() -> None:
    """An auditor's as-of read of an aggregate (decision 0055): the version
    recorded at or before the position, None before its first event."""
    log = MemoryEventLog()
    other = Estate.register(code="B1", name="Other", address="-")
    before = log.save_and_position(other)
    estate = Estate.register(code="A1", name="Old name", address="-")
    first = log.save_and_position(estate)
    estate.change_details(name="New name")
    log.save_and_position(estate)
    assert find(log, estate.id, Estate, before) is None
    then = find(log, estate.id, Estate, first)
    assert then is not None and then.name == "Old name" and then.version == 1
    now = find(log, estate.id, Estate)
    assert now is not None and now.name == "New name"
    assert find(log, estate.id, Estate, log.head()) == now
    assert find(log, estate.id, Building, log.head()) is None  # not of that kind
