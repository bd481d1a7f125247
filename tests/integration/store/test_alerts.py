"""Admin alerts go from the log to the administrators' inboxes through dramatiq on Redis."""

from __future__ import annotations

import time

from dramatiq import Worker

from bootstrap import Container
from domain.identity.policy import Role
from infrastructure.tasks import AlertOutbox, Jobs, make_broker
from projections.runtime import Projector
from tests.support.world import world

PASSWORD = "a-long-enough-secret"


def _lock_someone_out(container: Container) -> int:
    world(container, PASSWORD).account("boss", Role.ADMIN, display_name="Boss")
    world(container, PASSWORD).account("li.na", Role.OWNER, display_name="李娜")
    position = 0
    for _ in range(5):
        position = container.identity.login(
            "li.na", "wrong-wrong-wrong", "198.51.100.9", "ua"
        ).position
    return position


def _inbox(container: Container) -> list[tuple[str, str]]:
    with container.pool.connection() as conn:
        return [
            (str(r[0]), r[1])
            for r in conn.execute("SELECT kind, message FROM alert_inbox ORDER BY kind")
        ]


def _wait_for_inbox(container: Container, n: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while len(_inbox(container)) < n:
        assert time.monotonic() < deadline, "the alert was not delivered"
        time.sleep(0.05)


def test_a_lockout_alert_reaches_every_administrator_once(container: Container) -> None:
    _lock_someone_out(container)
    container.projector.catch_up()  # the follower enqueues; no worker runs yet
    assert _inbox(container) == []

    worker = Worker(container.broker, worker_threads=2)
    worker.start()
    try:
        _wait_for_inbox(container, 1)
        # A job delivered twice (a crash between enqueue and position) changes nothing.
        alert_note = next(
            n for n in container.event_log.read(after=0, limit=100) if "AdminAlert" in n.topic
        )
        event, _ = container.event_log.mapper_with_metadata.decode(alert_note)
        container.jobs.deliver_admin_alert.send(
            str(alert_note.originator_id),
            event.kind,
            str(event.severity),
            event.message,
            alert_note.id,
        )
        container.broker.join("estatelog-alerts", timeout=10_000)
        worker.join()
    finally:
        worker.stop()
    [(kind, message)] = _inbox(container)
    assert kind == "account_locked"
    assert "li.na" in message and "198.51.100.9" in message


def test_with_redis_unreachable_the_alert_waits_in_the_log_and_is_not_lost(
    container: Container,
) -> None:
    _lock_someone_out(container)
    container.projector.catch_up()  # read models, and the real outbox, catch up

    dead = Jobs(make_broker("redis://127.0.0.1:1/0"), container.pool)
    cut_off = Projector(container.event_log, container.pool, [_renamed(AlertOutbox(dead))])
    cut_off.catch_up()
    alert_position = next(
        n.id for n in container.event_log.read(after=0, limit=100) if "AdminAlert" in n.topic
    )
    # Everything before the alert is acknowledged; the alert itself is not.
    assert cut_off.position("alert_outbox_offline") == alert_position - 1
    assert "alert_outbox_offline" not in cut_off.failed  # a transient failure, retried

    # Redis is back (the real broker): the same follower position resumes and delivers.
    back = Projector(container.event_log, container.pool, [_renamed(AlertOutbox(container.jobs))])
    back.catch_up()
    assert back.position("alert_outbox_offline") == container.event_log.head()
    worker = Worker(container.broker, worker_threads=1)
    worker.start()
    try:
        _wait_for_inbox(container, 1)
    finally:
        worker.stop()
    assert len(_inbox(container)) == 1  # both deliveries of one alert made one inbox row


def _renamed(outbox: AlertOutbox) -> AlertOutbox:
    outbox.name = "alert_outbox_offline"
    return outbox
