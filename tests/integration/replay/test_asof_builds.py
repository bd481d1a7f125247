"""As-of builds on demand (replay/asof_builds.py, decision 0051): one build per
position across processes, a failed one reported and not tried again, a
dead builder's taken over, at most so many kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from bootstrap import Container
from infrastructure.autocommit import autocommitted
from replay.asof_builds import AsOfBuilds, BuildState, TooManyBuilds
from tests.integration.replay.readmodel_rows import populate


class CountedBuilds(AsOfBuilds):
    """The service as a process runs it, counting the builds it makes."""

    def __init__(self, container: Container, projections: Sequence[Any] | None = None, **kw: Any):
        super().__init__(
            container.event_log,
            container.pool,
            container.database_url,
            projections if projections is not None else container.projector.projections,
            ttl_seconds=kw.pop("ttl_seconds", 3600),
            max_builds=kw.pop("max_builds", 4),
        )
        self.built: list[int] = []
        self.guard = threading.Lock()

    def _build(self, position: int, schema: str) -> None:
        with self.guard:
            self.built.append(position)
        super()._build(position, schema)


def _settled(builds: AsOfBuilds, position: int) -> BuildState:
    deadline = time.monotonic() + 60
    while True:
        state = builds.status(position)
        assert state is not None
        if state.state != "building" or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def test_two_processes_asking_at_once_make_one_build(container: Container) -> None:
    head = populate(container, users=3)
    first, second = CountedBuilds(container), CountedBuilds(container)
    with ThreadPoolExecutor(8) as pool:
        asked = list(pool.map(lambda i: (first, second)[i % 2].ensure(head), range(16)))
    assert {a.position for a in asked} == {head}
    assert _settled(first, head).ready
    assert len(first.built) + len(second.built) == 1
    assert second.ensure(head).ready and first.ensure(head).ready
    assert len(first.built) + len(second.built) == 1  # reused while fresh
    with psycopg.connect(container.database_url) as conn:
        rows = conn.execute(f"SELECT count(*) FROM estatelog_asof_{head}.as_of").fetchone()
    assert rows == (1,)


class Broken:
    """A read model whose table cannot be made: its build fails."""

    name = "broken"
    ddl = ("CREATE TABLE broken (x no_such_type)",)
    tables = ("broken",)

    def apply(self, cur: Any, event: Any, meta: Any, note: Any) -> None:
        raise AssertionError("never reached")


def test_a_failed_build_is_reported_and_not_tried_again(container: Container) -> None:
    head = populate(container, users=1)
    builds = CountedBuilds(container, [Broken()])
    builds.ensure(head)
    failed = _settled(builds, head)
    assert failed.state == "failed" and failed.error and "no_such_type" in failed.error
    for _ in range(3):
        assert builds.ensure(head).state == "failed"
    assert builds.built == [head]
    assert builds.drop(head) and builds.status(head) is None
    builds.ensure(head)  # dropped: the next ask tries once more
    assert _settled(builds, head).state == "failed" and builds.built == [head, head]


def test_a_build_whose_builder_died_is_taken_over_by_one_asker(container: Container) -> None:
    head = populate(container, users=1)
    with autocommitted(container.pool) as conn:
        conn.execute(
            "INSERT INTO asof_builds (position, schema_name, state, beat_at) "
            "VALUES (%s, %s, 'building', now() - interval '10 minutes')",
            [head, f"estatelog_asof_{head}"],
        )
    first, second = CountedBuilds(container), CountedBuilds(container)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: (first, second)[i % 2].ensure(head), range(8)))
    assert _settled(first, head).ready
    assert len(first.built) + len(second.built) == 1


def test_at_most_max_builds_are_kept_the_least_recently_read_leaves(
    container: Container,
) -> None:
    head = populate(container, users=2)
    # A TTL of 1 s: "last read" is kept to a tenth of a second.
    builds = CountedBuilds(container, max_builds=2, ttl_seconds=1)
    for position in (head - 2, head - 1):
        builds.ensure(position)
        assert _settled(builds, position).ready
    time.sleep(0.2)
    builds.ensure(head - 2)  # read again: head - 1 is now the least recently read
    builds.ensure(head)
    assert _settled(builds, head).ready
    assert [b.position for b in builds.all()] == [head - 2, head]
    with psycopg.connect(container.database_url) as conn:
        gone = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", [f"estatelog_asof_{head - 1}"]
        ).fetchone()
    assert gone == (0,)
    # Every place taken by a build under way: refused, nothing dropped.
    with autocommitted(container.pool) as conn:
        conn.execute("UPDATE asof_builds SET state = 'building', beat_at = now()")
    with pytest.raises(TooManyBuilds):
        builds.ensure(head - 3)
    assert len(builds.all()) == 2


def test_a_ready_build_whose_schema_was_dropped_by_hand_is_built_again(
    container: Container,
) -> None:
    head = populate(container, users=1)
    builds = CountedBuilds(container)
    builds.ensure(head)
    assert _settled(builds, head).ready
    with psycopg.connect(container.database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA estatelog_asof_{head} CASCADE")  # estatelog replay drop
    assert builds.ensure(head).state == "building"
    assert _settled(builds, head).ready and builds.built == [head, head]
