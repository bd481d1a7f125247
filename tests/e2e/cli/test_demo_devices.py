"""The demo estate's devices keep reporting while the service runs (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bootstrap import Container
from domain.equipment.equipment import OFFLINE, Equipment
from domain.registry.ids import estate_id_for
from infrastructure.eventstore.store import EVENTS_TABLE
from interfaces.cli.demo import ESTATE_CODE, load_demo
from interfaces.cli.demo.live import devices_report
from interfaces.scheduler import run_job
from projections.equipment.queries import latest_readings
from projections.runtime import wait_for_position

PASSWORD = "demo-pass-7Qx2-kLm9"


def _settle(container: Container) -> None:
    head = container.event_log.head()
    for projection in container.projector.projections:
        assert wait_for_position(container.pool, projection.name, head, 30), projection.name


def _alarm_events(container: Container) -> int:
    with container.pool.connection() as conn:
        row = conn.execute(
            f"SELECT count(*) FROM {EVENTS_TABLE} WHERE topic LIKE %s", ["%Alarm%"]
        ).fetchone()
    return int(row[0]) if row else 0


def test_without_the_demo_estate_the_job_does_nothing(container: Container) -> None:
    job = devices_report(container)
    head = container.event_log.head()
    assert run_job(container.pool, job, datetime.now(UTC)) == 0
    assert container.event_log.head() == head
    assert job.name in {j.name for j in container.scheduled_jobs()}


def test_the_demo_devices_report_their_latest_values_again_and_stay_as_they_were(
    running: Container,
) -> None:
    loaded_at = datetime.now(UTC) - timedelta(hours=1)  # an hour of silence since
    load_demo(running, password=PASSWORD, now=loaded_at)
    _settle(running)
    estate_id = estate_id_for(ESTATE_CODE)
    with running.pool.connection() as conn:
        before = {(e, m): (v, s, at) for e, m, v, s, at in latest_readings(conn, estate_id)}
    assert before and all(at <= loaded_at for _, _, at in before.values())
    alarms = _alarm_events(running)
    states = {e: running.event_log.repository.get(e).state for e in {e for e, _ in before}}

    now = datetime.now(UTC)
    sent = run_job(running.pool, devices_report(running), now)
    _settle(running)

    with running.pool.connection() as conn:
        after = {(e, m): (v, s, at) for e, m, v, s, at in latest_readings(conn, estate_id)}
    reported = {k for k, (_, _, at) in after.items() if at == now}
    assert sent == len(reported) > 0
    # Every metric came again with the value it had, stamped now; nothing else moved.
    assert reported == {k for k, (_, s, _) in before.items() if s != OFFLINE}
    assert all(after[k][:2] == before[k][:2] for k in reported)
    assert _alarm_events(running) == alarms
    for equipment_id, state in states.items():
        equipment = running.event_log.repository.get(equipment_id)
        assert isinstance(equipment, Equipment)
        assert equipment.state == state

    # A minute later the same again; sent within the last 30 s, nothing is sent twice.
    assert run_job(running.pool, devices_report(running), now + timedelta(seconds=10)) == 0
