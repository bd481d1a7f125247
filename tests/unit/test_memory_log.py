"""The unit tier's in-memory log behaves as the port says the store does."""

from __future__ import annotations

from uuid import uuid4

from domain.registry.places import Estate
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
