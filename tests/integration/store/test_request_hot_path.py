"""The shortcuts taken on every authenticated request keep their contract."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate, event

from bootstrap import Container
from infrastructure.tokens import VERIFIED_CACHE_SIZE, InvalidToken, TokenService


class Counter(Aggregate):
    @event("Started")
    def __init__(self) -> None:
        self.count = 0

    @event("Bumped")
    def bump(self) -> None:
        self.count += 1


def test_select_events_answers_every_query_shape(container: Container) -> None:
    counter = Counter()
    for _ in range(5):
        counter.bump()
    container.event_log.save(counter)
    recorder = container.event_log.recorder

    def versions(**kwargs: object) -> list[int]:
        return [e.originator_version for e in recorder.select_events(counter.id, **kwargs)]  # type: ignore[arg-type]

    assert versions() == [1, 2, 3, 4, 5, 6]
    assert versions(gt=2) == [3, 4, 5, 6]
    assert versions(gt=0, lte=3) == [1, 2, 3]
    assert versions(desc=True, limit=2) == [6, 5]
    assert versions(gt=1, lte=5, desc=True, limit=3) == [5, 4, 3]
    assert versions(gt=6) == []
    assert recorder.select_events(uuid4()) == []
    events = recorder.select_events(counter.id, gt=5)
    assert events[0].topic.endswith("Counter.Bumped") and isinstance(events[0].state, bytes)


def test_a_read_only_load_is_current_and_shared(container: Container) -> None:
    counter = Counter()
    container.event_log.save(counter)
    repository = container.event_log.repository
    first = repository.get(counter.id, deepcopy_from_cache=False)
    copy = repository.get(counter.id)
    copy.bump()
    container.event_log.save(copy)
    again = repository.get(counter.id, deepcopy_from_cache=False)
    assert again is first  # the cached instance, not a copy ...
    assert again.count == 1  # ... fast-forwarded to the event saved since


def test_a_remembered_access_token_still_expires() -> None:
    tokens = TokenService(
        b"s" * 32, audience="estatelog", issuer="estatelog", access_ttl=timedelta(seconds=2)
    )
    token = tokens.issue_access(uuid4(), "session", datetime.now(UTC) - timedelta(seconds=1))
    claims = tokens.decode_access(token)
    assert tokens.decode_access(token) is claims  # verified once, remembered
    time.sleep(1.2)
    with pytest.raises(InvalidToken):
        tokens.decode_access(token)
    with pytest.raises(InvalidToken):
        tokens.decode_access(token[:-2] + "xx")


def test_remembered_access_tokens_stay_bounded_the_oldest_leaving_first() -> None:
    tokens = TokenService(
        b"s" * 32, audience="estatelog", issuer="estatelog", access_ttl=timedelta(minutes=15)
    )
    now = datetime.now(UTC)
    issued = [tokens.issue_access(uuid4(), "s", now) for _ in range(VERIFIED_CACHE_SIZE + 500)]
    for token in issued:
        tokens.decode_access(token)
        assert tokens.remembered <= VERIFIED_CACHE_SIZE
    assert tokens.remembered == VERIFIED_CACHE_SIZE
    # The newest is answered from memory; the first has left but still verifies.
    assert tokens.decode_access(issued[-1]) is tokens.decode_access(issued[-1])
    first = tokens.decode_access(issued[0])
    assert tokens.remembered == VERIFIED_CACHE_SIZE and first.token_id


def test_an_expired_token_leaves_when_a_new_one_comes() -> None:
    tokens = TokenService(
        b"s" * 32, audience="estatelog", issuer="estatelog", access_ttl=timedelta(seconds=2)
    )
    tokens.decode_access(
        tokens.issue_access(uuid4(), "s", datetime.now(UTC) - timedelta(seconds=1))
    )
    assert tokens.remembered == 1
    time.sleep(1.2)
    tokens.decode_access(tokens.issue_access(uuid4(), "s", datetime.now(UTC)))
    assert tokens.remembered == 1  # the expired one was dropped, not kept until it returns
