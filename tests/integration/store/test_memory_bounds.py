"""What a long-running process keeps in memory stays bounded however many commands it serves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.domain import Aggregate, event
from pydantic import ValidationError

from bootstrap import Container, build
from infrastructure.settings import Settings


class Counter(Aggregate):
    @event("Started")
    def __init__(self) -> None:
        self.count = 0

    @event("Bumped")
    def bump(self) -> None:
        self.count += 1


@pytest.fixture
def small_cache(settings: Settings) -> Iterator[Container]:
    c = build(settings.model_copy(update={"aggregate_cache_size": 20}))
    try:
        yield c
    finally:
        c.close()


def test_the_aggregate_cache_holds_no_more_than_its_setting(small_cache: Container) -> None:
    log = small_cache.event_log
    counters = [Counter() for _ in range(60)]
    for counter in counters:
        log.save(counter)
        copy: Counter = log.repository.get(counter.id)  # a command: load, decide, save
        copy.bump()
        log.save(copy)
    cache = log.repository.cache
    assert cache is not None
    assert len(cache.cache) == 20
    # The ones that left the cache load again from the log, current.
    assert log.repository.get(counters[0].id).count == 1
    assert log.repository.get(counters[-1].id).count == 1


def test_the_default_cache_is_bounded(container: Container) -> None:
    cache = container.event_log.repository.cache
    assert cache is not None
    assert getattr(cache, "maxsize", None) == Settings().aggregate_cache_size


@pytest.mark.parametrize("size", [0, -1])
def test_an_unbounded_cache_cannot_be_configured(size: int) -> None:
    # The library reads 0 as "cache everything, for ever".
    with pytest.raises(ValidationError):
        Settings(aggregate_cache_size=size)
