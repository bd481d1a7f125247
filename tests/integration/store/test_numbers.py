"""Numbers assigned under the append's lock (decision 0041): gap-free per series,
no conflicts between writers, nothing used by an append that fails."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from application.ports import Number
from bootstrap import Container
from infrastructure.eventstore.numbers import table_name
from infrastructure.eventstore.store import EVENTS_TABLE
from infrastructure.idempotency import Claim, DuplicateRequest, claiming
from tests.integration.store.test_group_commit import Counter

TABLE = table_name(EVENTS_TABLE)


def rows(container: Container, series: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(container.database_url) as conn:
        return conn.execute(
            f"SELECT n.serial, n.originator_id, n.position, e.originator_version FROM {TABLE} n "
            f"JOIN {EVENTS_TABLE} e ON e.notification_id = n.position "
            "WHERE n.series = %s ORDER BY n.serial",
            [series],
        ).fetchall()


def numbered(container: Container, series: str, floor: int = 0) -> tuple[UUID, int]:
    counter = Counter("n")
    number = Number(series, counter.id, floor=floor)
    container.event_log.save_numbered(counter, numbers=[number])
    assert number.serial is not None
    return counter.id, number.serial


def test_sixteen_writers_take_serials_one_to_n_in_position_order_without_a_conflict(
    container: Container,
) -> None:
    log, series = container.event_log, "s:" + str(uuid4())
    committer = log.chained_recorder.group_committer
    appends_before = committer.appends_written

    def write(n: int) -> list[int]:
        return [numbered(container, series)[1] for _ in range(10)]

    with ThreadPoolExecutor(16) as pool:
        serials = [s for part in pool.map(write, range(16)) for s in part]

    assert sorted(serials) == list(range(1, 161))
    # One append per numbered save: none failed and was tried again.
    assert committer.appends_written - appends_before == 160
    stored = rows(container, series)
    assert [r[0] for r in stored] == list(range(1, 161))
    assert [r[2] for r in stored] == sorted(r[2] for r in stored)  # serial order = log order
    assert {r[3] for r in stored} == {1}  # each aggregate's creation event
    assert committer.groups_written > 0


def test_a_series_counts_on_after_its_floor_and_series_count_apart(container: Container) -> None:
    a, b = "a:" + str(uuid4()), "b:" + str(uuid4())
    assert numbered(container, a, floor=41)[1] == 42
    assert numbered(container, a, floor=41)[1] == 43
    assert numbered(container, a, floor=0)[1] == 44  # a floor never lowers the series
    assert numbered(container, b)[1] == 1
    counter = Counter("two")
    counter.count_one()
    later = Number(b, counter.id, version=2)  # another event of the append than the first
    container.event_log.save_numbered(counter, numbers=[later])
    assert later.serial == 2
    assert container.event_log.serial_of(counter.id) == 2
    assert container.event_log.serial_of(uuid4()) is None


def test_appends_that_fail_in_a_group_use_no_number(container: Container) -> None:
    """Conflicting appends (a stale copy of another aggregate) and duplicate
    Idempotency-Keys, racing good ones: the good ones' serials have no gap."""
    log, series = container.event_log, "f:" + str(uuid4())
    shared = Counter("shared")
    log.save(shared)
    stale = copy.deepcopy(shared)
    shared.count_one()
    log.save(shared)
    taken = Claim(b"k" * 32, b"r" * 32, uuid4())
    with claiming(taken):
        numbered(container, series)

    def attempt(n: int) -> int | None:
        counter = Counter(f"c{n}")
        number = Number(series, counter.id)
        try:
            if n % 3 == 1:  # fails on the version of another aggregate
                other = copy.deepcopy(stale)
                other.count_one()
                log.save_numbered(counter, other, numbers=[number])
            elif n % 3 == 2:  # fails on a key another request committed
                with claiming(Claim(taken.key_hash, taken.request_hash, taken.user_id)):
                    log.save_numbered(counter, numbers=[number])
            else:
                log.save_numbered(counter, numbers=[number])
        except (IntegrityError, DuplicateRequest):
            assert number.serial is None
            return None
        return number.serial

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(attempt, range(96)))

    good = sorted(s for s in outcomes if s is not None)
    assert len(good) == 32
    assert good == list(range(2, 34))  # 1 went to the keyed append before
    assert [r[0] for r in rows(container, series)] == list(range(1, 34))


def test_a_number_for_an_aggregate_not_in_the_append_is_refused_before_writing(
    container: Container,
) -> None:
    head = container.event_log.head()
    with pytest.raises(ValueError, match="no event"):
        container.event_log.save_numbered(Counter("x"), numbers=[Number("z", uuid4())])
    assert container.event_log.head() == head


def test_the_numbers_table_is_append_only(container: Container) -> None:
    series = "t:" + str(uuid4())
    numbered(container, series)
    with psycopg.connect(container.database_url) as conn:
        for statement in (f"UPDATE {TABLE} SET serial = 9", f"DELETE FROM {TABLE}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()
