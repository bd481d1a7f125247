"""Group commit: many writers share commits, a follower never skips an event,
the chain holds, and a conflicting append fails alone."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from bootstrap import Container
from infrastructure.eventstore.store import EVENTS_TABLE, EventLog, postgres_env
from infrastructure.idempotency import Claim, DuplicateRequest, claiming
from infrastructure.settings import Settings
from replay.verify import verify_chain


class Counter(Aggregate):
    @event("Opened")
    def __init__(self, label: str) -> None:
        self.label = label
        self.count = 0

    @event("Counted")
    def count_one(self) -> None:
        self.count += 1


def transactions_of(database_url: str, positions: list[int]) -> set[str]:
    """The transaction IDs that wrote these positions."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            f"SELECT DISTINCT xmin::text FROM {EVENTS_TABLE} WHERE notification_id = ANY(%s)",
            [positions],
        ).fetchall()
    return {row[0] for row in rows}


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.005)


def lock_waiters(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
            [EVENTS_TABLE],
        ).fetchone()
    assert row is not None
    return int(row[0])


def slow_foreign_writer(database_url: str, rounds: int, hold: float) -> list[int]:
    """Another process's way in: lock, insert, keep the transaction open, commit."""
    positions = []
    with psycopg.connect(database_url) as conn:
        for _ in range(rounds):
            with conn.transaction():
                conn.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")
                row = conn.execute(
                    f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
                    "VALUES (%s, 1, 'foreign', '\\x7b7d') RETURNING notification_id",
                    [uuid4()],
                ).fetchone()
                assert row is not None
                positions.append(row[0])
                time.sleep(hold)
            time.sleep(hold / 2)
    return positions


def test_a_follower_sees_every_event_once_in_order_while_many_writers_share_commits(
    container: Container, settings: Settings
) -> None:
    log = container.event_log
    database_url = settings.database_url
    assert database_url is not None
    writers, saves_each = 16, 30
    start_head = log.head()
    stop = threading.Event()
    seen: list[int] = []

    def follow() -> None:
        last = start_head
        while True:
            done = stop.is_set()  # read before the final catch-up read
            batch = log.read(after=last, limit=50)
            for notification in batch:
                seen.append(notification.id)
                last = notification.id
            if done and not batch:
                return
            if not batch:
                time.sleep(0.001)

    def write(n: int) -> list[int]:
        positions = []
        for i in range(saves_each):
            counter = Counter(f"w{n}-{i}")
            if i % 3 == 0:
                counter.count_one()  # some appends carry two events
            positions.append(log.save_and_position(counter))
        return positions

    follower = threading.Thread(target=follow)
    follower.start()
    with ThreadPoolExecutor(writers + 1) as pool:
        foreign = pool.submit(slow_foreign_writer, database_url, 4, 0.15)
        results = [pool.submit(write, n) for n in range(writers)]
        last_positions = [p for f in results for p in f.result()]
        foreign_positions = foreign.result()
    stop.set()
    follower.join(timeout=30)
    assert not follower.is_alive()

    with psycopg.connect(database_url) as conn:
        stored = [
            row[0]
            for row in conn.execute(
                f"SELECT notification_id FROM {EVENTS_TABLE} WHERE notification_id > %s "
                "ORDER BY notification_id",
                [start_head],
            )
        ]
    expected_events = writers * (saves_each + len(range(0, saves_each, 3))) + len(foreign_positions)
    assert len(stored) == expected_events
    assert seen == stored, "the follower skipped, repeated or reordered events"
    assert set(foreign_positions) <= set(seen)
    # Commits were shared: fewer transactions than appends.
    assert len(transactions_of(database_url, last_positions)) < len(last_positions)
    report = verify_chain(database_url)
    assert report.ok, report
    assert report.events_checked == len(stored) + start_head


def test_a_conflicting_append_fails_alone_while_its_group_commits(
    container: Container, settings: Settings
) -> None:
    log = container.event_log
    database_url = settings.database_url
    assert database_url is not None
    committer = log.chained_recorder.group_committer

    meter = Counter("shared")
    log.save(meter)
    stale = copy.deepcopy(meter)  # at version 1
    meter.count_one()
    log.save(meter)  # version 2 is in the log
    stale.count_one()  # wants version 2 again: conflicts with the log
    twin_a, twin_b = copy.deepcopy(meter), copy.deepcopy(meter)
    twin_a.count_one()  # both want version 3: the first in the group wins
    twin_b.count_one()
    neighbours = [Counter(f"n{i}") for i in range(5)]

    groups_before = committer.groups_written
    with psycopg.connect(database_url) as blocker, ThreadPoolExecutor(12) as pool:
        blocker.execute("BEGIN")
        blocker.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")
        plugs = []
        for n in range(1, committer.max_groups_in_flight + 1):
            # Fill every group that may be in flight; each waits for the lock.
            plugs.append(pool.submit(log.save_and_position, Counter(f"plug{n}")))
            wait_until(lambda n=n: lock_waiters(database_url) == n)
        order: list[Aggregate] = [neighbours[0], twin_a, neighbours[1], stale]
        order += [neighbours[2], twin_b, neighbours[3], neighbours[4]]
        futures: list[Future[int]] = []
        for aggregate in order:
            futures.append(pool.submit(log.save_and_position, aggregate))
            wait_until(lambda n=len(futures): committer.queued == n)
        blocker.execute("COMMIT")
        for plug in plugs:
            plug.result(timeout=10)

        outcomes: list[int | BaseException] = []
        for future in futures:
            try:
                outcomes.append(future.result(timeout=10))
            except IntegrityError as exc:
                outcomes.append(exc)

    failed = [
        a for a, outcome in zip(order, outcomes, strict=True) if isinstance(outcome, BaseException)
    ]
    assert failed == [stale, twin_b]
    committed = [outcome for outcome in outcomes if isinstance(outcome, int)]
    assert len(committed) == 6
    assert committer.groups_written == groups_before + len(plugs) + 1, "plugs, then one group"
    assert log.repository.get(meter.id).count == 2  # twin_a's count is the one stored
    for neighbour in neighbours:
        assert log.repository.get(neighbour.id).label == neighbour.label
    assert verify_chain(database_url).ok


def test_two_appends_claiming_one_idempotency_key_in_one_group_commit_once(
    container: Container, settings: Settings
) -> None:
    """The key is claimed inside the group's transaction: of two requests
    with one key, the first append commits with the key, the second is
    refused alone, and its neighbours commit."""
    log = container.event_log
    database_url = settings.database_url
    assert database_url is not None
    committer = log.chained_recorder.group_committer
    user = uuid4()

    def claim() -> Claim:
        return Claim(key_hash=b"k" * 32, request_hash=b"r" * 32, user_id=user)

    def keyed_save(aggregate: Aggregate, claim: Claim) -> int:
        with claiming(claim):
            return log.save_and_position(aggregate)

    first, second = claim(), claim()
    neighbours = [Counter(f"n{i}") for i in range(3)]
    with psycopg.connect(database_url) as blocker, ThreadPoolExecutor(8) as pool:
        blocker.execute("BEGIN")
        blocker.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")
        plugs = []
        for n in range(1, committer.max_groups_in_flight + 1):
            plugs.append(pool.submit(log.save_and_position, Counter(f"plug{n}")))
            wait_until(partial(lambda n: lock_waiters(database_url) == n, n))
        futures = [
            pool.submit(log.save_and_position, neighbours[0]),
            pool.submit(keyed_save, Counter("first"), first),
            pool.submit(log.save_and_position, neighbours[1]),
            pool.submit(keyed_save, Counter("second"), second),
            pool.submit(log.save_and_position, neighbours[2]),
        ]
        wait_until(lambda: committer.queued == len(futures))
        blocker.execute("COMMIT")
        for plug in plugs:
            plug.result(timeout=10)
        # Which of the two keyed appends the pool queues first is the threads' race:
        # one commits with the key, the other alone is refused.
        outcomes: dict[int, int | DuplicateRequest] = {}
        for i, future in enumerate(futures):
            try:
                outcomes[i] = future.result(timeout=10)
            except DuplicateRequest as refused:
                outcomes[i] = refused
        refused = [i for i, outcome in outcomes.items() if isinstance(outcome, DuplicateRequest)]
        assert len(refused) == 1 and refused[0] in (1, 3), outcomes
        winner = 4 - refused[0]  # the other keyed append: 1 <-> 3
        positions = {i: p for i, p in outcomes.items() if isinstance(p, int)}

    claims = {1: first, 3: second}
    assert (claims[winner].committed, claims[refused[0]].committed) == (True, False)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT user_id, last_position FROM idempotent_requests").fetchall()
    assert rows == [(user, positions[winner])]
    assert len(set(positions.values())) == 4
    assert verify_chain(database_url).ok


def test_an_append_larger_than_a_group_is_still_one_atomic_append(container: Container) -> None:
    log = container.event_log
    counters = [Counter(f"c{i}") for i in range(3000)]  # the library's save() hangs here
    before = log.head()
    position = log.save_and_position(*counters)
    assert position - before == 3000
    assert log.repository.get(counters[-1].id).label == "c2999"

    again = copy.deepcopy(counters[0])
    again.count_one()
    clash = copy.deepcopy(counters[1])
    clash.count_one()
    fresh = [Counter(f"d{i}") for i in range(2500)]
    stale = copy.deepcopy(counters[1])
    stale.count_one()
    log.save(clash)
    with pytest.raises(IntegrityError):
        log.save(again, *fresh, stale)  # stale conflicts: nothing of this save is stored
    assert log.head() == position + 1


def test_a_conflict_on_a_fresh_connection_fails_that_append_and_the_next_ones_still_write(
    container: Container,
) -> None:
    """The group's first write on a new connection is also the first time that
    connection meets the insert statement. psycopg prepares a statement the
    fifth time a connection runs it; when that time falls in a pipeline that
    a conflict aborts, the server skips the preparation with everything
    after the conflict (the COMMIT), and the one-by-one retry must not take it
    for prepared (it once answered ``prepared statement "_pg3_N" does not
    exist``, a 500, in place of the conflict the handler retries)."""
    meter = Counter("shared")
    container.event_log.save(meter)
    stale = copy.deepcopy(meter)
    meter.count_one()
    container.event_log.save(meter)
    stale.count_one()  # wants version 2, which the log holds

    fresh = EventLog(postgres_env(container.database_url, 1))  # one new connection
    try:
        for attempt in range(8):  # past the fifth run of every statement of a group
            with pytest.raises(IntegrityError):
                fresh.save_and_position(copy.deepcopy(stale))
            other = Counter(f"after{attempt}")
            assert fresh.save_and_position(other) > 0
            assert fresh.repository.get(other.id).label == other.label
    finally:
        fresh.close()
    assert verify_chain(container.database_url).ok
