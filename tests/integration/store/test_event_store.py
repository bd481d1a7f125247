"""The one event log: global positions, metadata on every event, optimistic
concurrency and atomic multi-aggregate saves, against real PostgreSQL."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from application.context import CommandContext, acting
from bootstrap import Container
from infrastructure.eventstore.mapper import META_KEY
from infrastructure.eventstore.store import EventLog, postgres_env

SHANGHAI = timezone(timedelta(hours=8))


class Meter(Aggregate):
    """A utility meter (R4.3), small enough to exercise the store."""

    @event("Installed")
    def __init__(self, serial: str, unit_id: UUID, installed_on: date, rate: Decimal) -> None:
        self.serial = serial
        self.unit_id = unit_id
        self.installed_on = installed_on
        self.rate = rate
        self.readings: list[tuple[Decimal, datetime]] = []

    @event("Read")
    def take_reading(self, value: Decimal, taken_at: datetime) -> None:
        self.readings.append((value, taken_at))


def new_meter(serial: str = "M-1") -> Meter:
    return Meter(serial, uuid4(), date(2026, 1, 15), Decimal("0.5683"))


def stored_versions(log: EventLog, meter_id: UUID) -> list[int]:
    return [
        n.originator_version for n in log.read(after=0, limit=10_000) if n.originator_id == meter_id
    ]


def test_save_and_position_returns_increasing_global_positions_across_aggregates(
    container: Container,
) -> None:
    log = container.event_log
    start = log.head()
    positions = []
    meters = []
    for i in range(5):
        meter = new_meter(f"M-{i}")
        for k in range(i):  # different numbers of events per save
            meter.take_reading(Decimal(k), datetime.now(UTC))
        positions.append(log.save_and_position(meter))
        meters.append(meter)
        assert positions[-1] == log.head()
    assert positions == sorted(set(positions))
    assert positions[0] > start
    notifications = {n.id: n for n in log.read(after=start, limit=100)}
    assert len(notifications) == sum(1 + i for i in range(5))
    for position, meter in zip(positions, meters, strict=True):
        # The returned position is the one of the aggregate's last event.
        assert notifications[position].originator_id == meter.id
        assert notifications[position].originator_version == meter.version
    assert log.save_and_position() == 0  # nothing to save, no position


def test_every_stored_event_carries_the_command_metadata_but_the_domain_event_does_not(
    container: Container,
) -> None:
    log = container.event_log
    actor, cause = uuid4(), uuid4()
    context = CommandContext(
        actor_id=actor,
        actor_role="admin",
        client_ip="198.51.100.1",
        user_agent="ua",
        request_id="r1",
        causation_id=cause,
    )
    start = log.head()
    before = datetime.now(UTC)
    with acting(context):
        first, second = new_meter("A"), new_meter("B")
        first.take_reading(Decimal("12.5"), datetime.now(SHANGHAI))
        log.save_and_position(first, second)
    unattended = new_meter("C")
    log.save_and_position(unattended)  # outside any command: the system acts

    decoded = [log.mapper_with_metadata.decode(n) for n in log.read(after=start, limit=100)]
    assert [e.originator_id for e, _ in decoded] == [first.id, first.id, second.id, unattended.id]
    for domain_event, meta in decoded[:3]:
        assert meta["actor_id"] == str(actor)
        assert meta["actor_role"] == "admin"
        assert meta["client_ip"] == "198.51.100.1"
        assert meta["user_agent"] == "ua"
        assert meta["request_id"] == "r1"
        assert meta["causation_id"] == str(cause)
        assert meta["correlation_id"] == str(context.correlation_id)
        recorded_at = datetime.fromisoformat(meta["recorded_at"])
        assert recorded_at.utcoffset() == timedelta(0)
        assert before <= recorded_at <= datetime.now(UTC)
        # The domain event is only the domain's: no metadata on it.
        assert not hasattr(domain_event, META_KEY)
        assert META_KEY not in vars(domain_event)
        assert not {"actor_id", "client_ip", "request_id"} & set(vars(domain_event))
    system_meta = decoded[3][1]
    assert system_meta["actor_role"] == "system"
    assert system_meta["actor_id"] is None
    assert system_meta["client_ip"] is None
    # One correlation per command: the system save got one of its own.
    assert system_meta["correlation_id"] != str(context.correlation_id)
    # Nor does metadata leak into the aggregate rebuilt from the events.
    rebuilt: Meter = log.repository.get(first.id, version=2)
    assert not hasattr(rebuilt, META_KEY)
    assert not hasattr(rebuilt, "actor_id")


def test_a_stale_copy_cannot_overwrite_and_appends_nothing(container: Container) -> None:
    log = container.event_log
    meter = new_meter()
    log.save_and_position(meter)
    one: Meter = log.repository.get(meter.id)
    other: Meter = log.repository.get(meter.id)
    assert one is not other and one.version == other.version == 1

    one.take_reading(Decimal("100.25"), datetime.now(UTC))
    head = log.save_and_position(one)
    other.take_reading(Decimal("999.99"), datetime.now(UTC))
    with pytest.raises(IntegrityError):
        log.save_and_position(other)

    assert log.head() == head
    assert stored_versions(log, meter.id) == [1, 2]
    current: Meter = log.repository.get(meter.id, version=2)
    assert current.readings[0][0] == Decimal("100.25")


@pytest.mark.parametrize("stale_first", [False, True], ids=["fresh-then-stale", "stale-then-fresh"])
def test_a_save_of_several_aggregates_is_all_or_nothing(
    container: Container, stale_first: bool
) -> None:
    log = container.event_log
    existing = new_meter("existing")
    log.save_and_position(existing)
    stale = copy.deepcopy(existing)
    existing.take_reading(Decimal(1), datetime.now(UTC))
    head = log.save_and_position(existing)

    fresh = new_meter("fresh")
    fresh.take_reading(Decimal(2), datetime.now(UTC))
    stale.take_reading(Decimal(3), datetime.now(UTC))
    batch = (stale, fresh) if stale_first else (fresh, stale)
    with pytest.raises(IntegrityError):
        log.save_and_position(*batch)

    assert log.head() == head
    assert stored_versions(log, fresh.id) == []
    with pytest.raises(AggregateNotFoundError):
        log.repository.get(fresh.id)
    assert stored_versions(log, existing.id) == [1, 2]


def test_the_repository_rebuilds_decimals_uuids_and_datetimes_exactly(
    container: Container,
) -> None:
    log = container.event_log
    unit = uuid4()
    taken_at = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=SHANGHAI)
    meter = Meter("EM-7", unit, date(2025, 12, 31), Decimal("1234567890123456789.0123456789"))
    meter.take_reading(Decimal("0.10"), taken_at)
    log.save_and_position(meter)

    # A second application over the same table: nothing comes from a cache.
    reader = EventLog(postgres_env(container.database_url, pool_size=2))
    try:
        rebuilt: Meter = reader.repository.get(meter.id)
    finally:
        reader.close()
    assert type(rebuilt) is Meter
    assert rebuilt.id == meter.id and rebuilt.version == 2
    assert rebuilt.serial == "EM-7"
    assert type(rebuilt.unit_id) is UUID and rebuilt.unit_id == unit
    assert type(rebuilt.installed_on) is date and rebuilt.installed_on == date(2025, 12, 31)
    assert type(rebuilt.rate) is Decimal
    assert str(rebuilt.rate) == "1234567890123456789.0123456789"
    [(value, at)] = rebuilt.readings
    assert type(value) is Decimal and str(value) == "0.10"
    assert at == taken_at and at.utcoffset() == timedelta(0)
    assert rebuilt.created_on == meter.created_on
    assert rebuilt.modified_on == meter.modified_on
    assert rebuilt.created_on.tzinfo is not None


def test_reading_an_aggregate_retries_a_lost_connection_once_not_ten_times_ten() -> None:
    """``select_events`` carried two ``@retry`` decorators: 10 x 10 attempts
    (about 25 s) before a read gave up while the database was down."""
    from infrastructure.eventstore.recorder import ChainedEventRecorder

    retried = ChainedEventRecorder.select_events.__wrapped__  # type: ignore[attr-defined]
    assert not hasattr(retried, "__wrapped__")
