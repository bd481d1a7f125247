"""Bulk appends: tens of thousands of events in one atomic, streamed append."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from bootstrap import Container
from infrastructure.eventstore.store import EVENTS_TABLE
from infrastructure.settings import Settings
from replay.verify import verify_chain


class Unit(Aggregate):
    """An imported flat: two events each, as a batch import would make."""

    @event("Registered")
    def __init__(self, building: str, number: int) -> None:
        self.building = building
        self.number = number
        self.area = "0"

    @event("Measured")
    def measure(self, area: str) -> None:
        self.area = area


def units(count: int, building: str = "B1") -> Iterator[Unit]:
    for number in range(count):
        unit = Unit(building, number)
        unit.measure(f"{60 + number % 40}.5")
        yield unit


def positions_after(database_url: str, start: int) -> list[int]:
    with psycopg.connect(database_url) as conn:
        return [
            row[0]
            for row in conn.execute(
                f"SELECT notification_id FROM {EVENTS_TABLE} WHERE notification_id > %s "
                "ORDER BY notification_id",
                [start],
            )
        ]


def test_twenty_thousand_events_append_in_one_call_with_contiguous_positions(
    container: Container, settings: Settings
) -> None:
    log = container.event_log
    assert settings.database_url is not None
    start = log.save_and_position(Unit("before", 0))

    last = log.save_bulk(units(10_000), chunk_size=2000)  # 20,000 events

    stored = positions_after(settings.database_url, start)
    assert len(stored) == 20_000
    assert stored == list(range(start + 1, start + 20_001))
    assert last == stored[-1]
    report = verify_chain(settings.database_url)
    assert report.ok, report
    assert report.events_checked == 20_001
    assert log.save_and_position(Unit("after", 0)) > last  # ordinary appends go on


def test_a_conflict_in_the_last_chunk_stores_nothing(
    container: Container, settings: Settings
) -> None:
    log = container.event_log
    assert settings.database_url is not None
    existing = Unit("B0", 0)
    stale = copy.deepcopy(existing)
    log.save(existing)
    head = log.head()

    def import_ending_in_a_conflict() -> Iterator[Unit]:
        yield from units(10_000)
        yield stale  # version 1 again, in the very last chunk

    with pytest.raises(IntegrityError):
        log.save_bulk(import_ending_in_a_conflict(), chunk_size=1000)

    assert positions_after(settings.database_url, head) == []
    assert log.save_and_position(Unit("after", 0)) > head
    assert verify_chain(settings.database_url).ok


def test_an_empty_bulk_append_writes_nothing_and_returns_zero(container: Container) -> None:
    log = container.event_log
    head = log.head()
    assert log.save_bulk(iter(())) == 0
    assert log.head() == head
