"""The projector rides out PostgreSQL going away, and ``serve`` notices a dead thread.

The outage tests stop and start a server of their own (``StoppablePostgres``);
the others run on the shared test server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from eventsourcing import persistence
from eventsourcing.persistence import Notification
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bootstrap import Container
from domain.identity.policy import Role
from domain.identity.user import User
from domain.operations.incidents import Level, incident_id_for
from infrastructure.database import apply_ddl
from interfaces.http.app import create_app
from interfaces.runner import BackgroundRunner
from projections.events import kind_of
from projections.runtime import ATTEMPTS, Projector
from replay.readmodels import replayable
from tests.integration.faults.stoppable_postgres import StoppablePostgres

OPERATOR_TOKEN = "an-operators-scrape-token-of-32-characters"


def append_users(container: Container, n: int) -> list[User]:
    """``n`` users straight into the log (no password hashing: it is not what is tested)."""
    users = [
        User(
            username=f"u{uuid4().hex[:12]}",
            display_name="Someone",
            roles=[Role.OWNER],
            password_hash="not-a-hash",
        )
        for _ in range(n)
    ]
    container.event_log.save(*users)
    return users


def eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (psycopg.Error, persistence.OperationalError, persistence.InterfaceError):
            pass  # the server is still coming back
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def when_up(read: Callable[[], int]) -> int:
    """``read()``, tried again while connections broken by the last restart fail."""
    for _ in range(50):
        try:
            return read()
        except (psycopg.Error, persistence.OperationalError, persistence.InterfaceError):
            time.sleep(0.1)
    return read()


def moved_on(container: Container, beyond: int) -> bool:
    return container.projector.position("audit_trail") > beyond


def all_at_head(container: Container) -> bool:
    head = container.event_log.head()
    return all(
        container.projector.position(p.name) == head
        for p in replayable(container.projector.projections)
    )


def audit_positions(container: Container) -> list[int]:
    with container.pool.connection() as conn:
        return [r[0] for r in conn.execute("SELECT position FROM audit_events ORDER BY 1")]


def log_positions(container: Container) -> list[int]:
    """Every position in the log (a crash may skip some: sequences are not rolled back)."""
    with container.pool.connection() as conn:
        return [
            r[0] for r in conn.execute("SELECT notification_id FROM estatelog_events ORDER BY 1")
        ]


@pytest.fixture
def projector_thread(outage_container: Container) -> Iterator[threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=outage_container.projector.run, args=(stop, 0.2))
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        with suppress(Exception):  # the server may be down right now
            outage_container.projector.wake()
        thread.join(timeout=30)


@contextmanager
def appending(container: Container) -> Iterator[None]:
    """Users appended all along, as under load (failed appends while the server is down)."""
    stop = threading.Event()

    def append() -> None:
        while not stop.is_set():
            try:
                append_users(container, 3)
            except Exception:
                time.sleep(0.05)

    thread = threading.Thread(target=append)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_the_projector_rides_out_a_database_restart_and_catches_up_exactly_once(
    outage_container: Container,
    stoppable: StoppablePostgres,
    projector_thread: threading.Thread,
    mode: Any,
) -> None:
    c = outage_container
    with appending(c):
        for _ in range(3):  # under load, the outage meets the projector anywhere in its round
            reached = when_up(lambda: c.projector.position("audit_trail"))
            eventually(partial(moved_on, c, reached + 30), 30, "projecting")
            stoppable.stop(mode)
            time.sleep(3)  # several seconds of outage, every connection cut
            assert projector_thread.is_alive()
            stoppable.start()

    eventually(lambda: all_at_head(c), 30, "caught up after the outage")
    assert projector_thread.is_alive()
    assert audit_positions(c) == log_positions(c)  # none lost, none twice
    with c.pool.connection() as conn:
        users = conn.execute("SELECT count(*) FROM user_directory").fetchone()
    assert users == (len(log_positions(c)),)
    assert {s.state for s in c.projector.status()} == {"running"}


def test_serve_s_projector_thread_outlives_an_outage(
    outage_container: Container, stoppable: StoppablePostgres
) -> None:
    c = outage_container
    runner = BackgroundRunner(c, check_every=0.2)
    runner.start(projector=True, workers=False)
    try:
        thread = runner.thread
        append_users(c, 5)
        eventually(lambda: all_at_head(c), 20, "caught up before the outage")
        stoppable.stop("immediate")
        time.sleep(3)
        stoppable.start()
        eventually(lambda: bool(append_users(c, 5)), 20, "appends work again")
        eventually(lambda: all_at_head(c), 30, "caught up after the outage")
        assert runner.thread is thread and thread is not None and thread.is_alive()
        assert runner.problems() == []
        assert audit_positions(c) == log_positions(c)
    finally:
        runner.stop()


class _Crash(BaseException):
    """Nothing a thread's own loop catches: it dies."""


class _KillsItsThreadOnce:
    name = "killer"
    tables = ("killer_rows",)
    ddl = ("CREATE TABLE IF NOT EXISTS killer_rows (position bigint PRIMARY KEY)",)

    def __init__(self) -> None:
        self.armed = True

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        if self.armed:
            self.armed = False
            raise _Crash("boom")
        cur.execute("INSERT INTO killer_rows VALUES (%s)", [note.id])


def test_a_dead_projector_thread_fails_readiness_raises_an_alert_and_is_restarted(
    container: Container,
) -> None:
    killer = _KillsItsThreadOnce()
    apply_ddl(container.pool, killer.ddl)
    container.projector.projections.append(killer)
    runner = BackgroundRunner(container, check_every=0.1, restart_first=1.5)
    app = create_app(container)
    app.state.runner = runner
    runner.start(projector=True, workers=False)
    try:
        with TestClient(app) as client:
            first = runner.thread
            assert first is not None
            append_users(container, 1)
            first.join(timeout=10)
            assert not first.is_alive()  # died on the event, as a bug would make it

            ready = client.get("/ready")
            assert ready.status_code == 503
            assert ready.json() == {"status": "not ready"}  # an anonymous probe: no internals
            container.settings.metrics_token = SecretStr(OPERATOR_TOKEN)
            detailed = client.get("/ready", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
            assert "projector" in str(detailed.json()["background"])

            eventually(lambda: runner.thread is not first, 10, "a new projector thread")
            eventually(lambda: client.get("/ready").status_code == 200, 10, "ready again")
            eventually(lambda: all_at_head(container), 10, "caught up after the restart")
            assert container.incidents.flush()  # a level-2 incident, and no second alert
            alerts = [
                container.event_log.mapper_with_metadata.decode(n)[0]
                for n in container.event_log.read(after=0, limit=100)
            ]
            died = [vars(a) for a in alerts if kind_of(a) == ("AdminAlert", "Raised")]
            assert [a["kind"] for a in died] == ["background_thread_died"]
            incident = container.event_log.repository.get(
                incident_id_for("projector", "background_thread_died", "projector")
            )
            assert (incident.level, incident.occurrences) == (Level.BUSINESS_INTERRUPTED, 1)
    finally:
        runner.stop()


class _WaitsForALock:
    """A read model whose table another session holds locked: a lock timeout, which
    passes once the lock is let go."""

    name = "locked"
    tables = ("locked_rows",)
    ddl = ("CREATE TABLE IF NOT EXISTS locked_rows (position bigint PRIMARY KEY)",)

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        cur.execute("SET LOCAL lock_timeout = '50ms'")
        cur.execute("INSERT INTO locked_rows VALUES (%s)", [note.id])


def test_a_passing_error_is_tried_again_and_never_stops_the_read_model(
    container: Container,
) -> None:
    locked = _WaitsForALock()
    apply_ddl(container.pool, locked.ddl)
    projector = Projector(container.event_log, container.pool, [locked])
    append_users(container, 3)
    with psycopg.connect(container.database_url) as holder:
        holder.execute("LOCK TABLE locked_rows IN ACCESS EXCLUSIVE MODE")
        for _ in range(ATTEMPTS + 3):  # more tries than an event's error is allowed
            projector._retry_at.clear()  # no backoff in a test
            projector.catch_up()
        [status] = projector.status()
        assert status.state == "retrying" and "LockNotAvailable" in str(status.error)
        assert "locked" not in projector.failed
    projector._retry_at.clear()
    projector.catch_up()  # the lock is gone

    [status] = projector.status()
    assert status.state == "running" and status.position == container.event_log.head()
    assert status.error is None and status.failed_position is None


def test_an_error_that_repeats_on_the_same_event_stops_the_read_model(
    container: Container,
) -> None:
    from tests.integration.store.test_projector import _Brittle, _register

    brittle = _Brittle()
    tries: list[int] = []
    original = brittle.apply

    def counting(cur: Any, event: Any, meta: Any, note: Notification) -> None:
        if note.id == 3:
            tries.append(note.id)
        original(cur, event, meta, note)

    brittle.apply = counting  # type: ignore[method-assign]
    apply_ddl(container.pool, brittle.ddl)
    _register(container, 4)
    projector = Projector(container.event_log, container.pool, [brittle])
    projector.catch_up()

    [status] = projector.status()
    assert status.state == "failed" and status.failed_position == 3
    assert len(tries) == ATTEMPTS * 2  # each try: once in the batch, once alone to name it
