"""Work orders, requests, complaints, bills and approvals numbered by the append
that creates them (decision 0050), on real PostgreSQL: gap-free per estate,
kind and year under concurrent writers, nothing used by a failed append, the
read models and the writer's table agreeing, and a restore or a renumber
giving the same numbers the log implies."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from application.actor import Reach
from bootstrap import Container, build
from domain.community.complaint import Complaint
from domain.numbering import series
from domain.registry.places import Estate
from domain.workorders.order import WorkOrder
from infrastructure.settings import Settings
from projections.community import queries as community
from projections.workorders import queries as workorders
from replay.numbers import TABLE, check_numbers, renumber
from replay.operations import backup, restore
from tests.conftest import drop_schema
from tests.integration.store.test_group_commit import Counter

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
EVERYTHING = Reach(everything=True, estates=frozenset(), own=False, user_id=uuid4())


def estate(container: Container, code: str) -> UUID:
    registered = Estate.register(code, f"{code} Garden", "1 Road")
    container.event_log.save_and_position(registered)
    return registered.id


def order(estate_id: UUID, at: datetime = AT) -> WorkOrder:
    return WorkOrder.submit(
        id=uuid4(),
        estate_id=estate_id,
        title="Leaking tap",
        description="drips",
        source="staff",
        source_ref=None,
        requested_by=None,
        at=at,
    )


def serials(container: Container, series_name: str) -> list[tuple[int, UUID, int]]:
    """(serial, originator, position) of a series, in serial order."""
    with psycopg.connect(container.database_url) as conn:
        return conn.execute(
            f"SELECT serial, originator_id, position FROM {TABLE} WHERE series = %s "
            "ORDER BY serial",
            [series_name],
        ).fetchall()


def shown(container: Container) -> dict[UUID, str | None]:
    """Every work order's number as the read model shows it."""
    container.projector.catch_up()
    with container.pool.connection() as conn:
        rows = workorders.orders(conn, EVERYTHING, {}, 10_000, None)
    return {row["order_id"]: row["number"] for row in rows}


def test_sixteen_clerks_of_one_estate_number_orders_one_to_n_in_log_order(
    container: Container,
) -> None:
    hvg = estate(container, "HVG")

    def submit(n: int) -> list[UUID]:
        made = []
        for _ in range(5):
            new = order(hvg)
            container.event_log.save_and_position(new)  # no number asked: the log numbers it
            made.append(new.id)
        return made

    with ThreadPoolExecutor(16) as pool:
        made = [o for part in pool.map(submit, range(16)) for o in part]

    stored = serials(container, series("WO", hvg, 2026))
    assert [s for s, _, _ in stored] == list(range(1, 81))
    assert sorted(o for _, o, _ in stored) == sorted(made)
    assert [p for _, _, p in stored] == sorted(p for _, _, p in stored)  # serial = log order
    numbers = shown(container)
    assert {numbers[o] for _, o, _ in stored} == {f"HVG-WO-2026-{n:06d}" for n in range(1, 81)}
    assert all(numbers[o] == f"HVG-WO-2026-{s:06d}" for s, o, _ in stored)
    assert check_numbers(container.event_log).ok


def test_a_failed_append_uses_no_number(container: Container) -> None:
    hvg = estate(container, "HVG")
    shared = Counter("shared")
    container.event_log.save(shared)
    stale = copy.deepcopy(shared)
    shared.count_one()
    container.event_log.save(shared)
    container.event_log.save_and_position(order(hvg))
    stale.count_one()
    with pytest.raises(IntegrityError):
        container.event_log.save_and_position(order(hvg), stale)  # conflicts on the counter
    after = order(hvg)
    container.event_log.save_and_position(after)

    assert [s for s, _, _ in serials(container, series("WO", hvg, 2026))] == [1, 2]
    assert container.event_log.serial_of(after.id) == 2
    assert shown(container)[after.id] == "HVG-WO-2026-000002"


def test_estates_kinds_and_years_count_apart(container: Container) -> None:
    hvg, abc = estate(container, "HVG"), estate(container, "ABC")
    for made in (order(hvg), order(abc), order(hvg, datetime(2025, 12, 31, 23, tzinfo=UTC))):
        container.event_log.save_and_position(made)
    complaint = Complaint.receive(
        id=uuid4(),
        estate_id=hvg,
        unit_id=None,
        subject="Noise",
        description="at night",
        complainant_id=uuid4(),
        at=AT,
    )
    container.event_log.save_and_position(complaint)
    # 2026-01-01 00:30 in Beijing is still 2025 in UTC: a year is UTC's
    beijing_new_year = order(hvg, datetime.fromisoformat("2026-01-01T00:30:00+08:00"))
    container.event_log.save_and_position(beijing_new_year)

    assert len(serials(container, series("WO", hvg, 2026))) == 1
    assert len(serials(container, series("WO", abc, 2026))) == 1
    assert [s for s, _, _ in serials(container, series("WO", hvg, 2025))] == [1, 2]
    assert len(serials(container, series("CP", hvg, 2026))) == 1
    assert shown(container)[beijing_new_year.id] == "HVG-WO-2025-000002"
    with container.pool.connection() as conn:
        (row,) = community.complaints(conn, EVERYTHING, number="hvg-cp-2026-000001")
    assert row["complaint_id"] == complaint.id and row["number"] == "HVG-CP-2026-000001"
    assert check_numbers(container.event_log).ok


def test_a_search_by_number_finds_exactly_one(container: Container) -> None:
    hvg, abc = estate(container, "HVG"), estate(container, "ABC")
    made = {}
    for n in range(3):
        for place in (hvg, abc):
            new = order(place)
            container.event_log.save_and_position(new)
            made[(place, n + 1)] = new.id
    container.projector.catch_up()
    with container.pool.connection() as conn:

        def found(number: str) -> list[UUID]:
            return [
                r["order_id"]
                for r in workorders.orders(conn, EVERYTHING, {"number": number}, 100, None)
            ]

        assert found("HVG-WO-2026-000002") == [made[(hvg, 2)]]
        assert found("  abc-wo-2026-000003 ") == [made[(abc, 3)]]
        assert found("ABC-WO-2026-3") == [made[(abc, 3)]]  # the serial's zeros are not needed
        for nothing in ("HVG-WO-2026-000004", "HVG-CP-2026-000001", "HVG-WO-2025-000001", "nope"):
            assert found(nothing) == []


def test_renumber_gives_orders_created_before_numbering_the_numbers_the_log_implies(
    container: Container,
) -> None:
    """A store numbered before decision 0050 lacks the new kinds' rows: they are
    written from the log, the same the writer would have taken."""
    hvg = estate(container, "HVG")
    for _ in range(3):
        container.event_log.save_and_position(order(hvg))
    before = serials(container, series("WO", hvg, 2026))
    with psycopg.connect(container.database_url) as conn:  # as a store of the old release
        conn.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER append_only")
        conn.execute(f"DELETE FROM {TABLE} WHERE series LIKE 'wo:%%'")
        conn.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER append_only")
    assert not check_numbers(container.event_log).ok

    assert renumber(container.event_log) == 3
    assert serials(container, series("WO", hvg, 2026)) == before
    assert check_numbers(container.event_log).ok
    assert renumber(container.event_log) == 0  # nothing more to give
    later = order(hvg)
    container.event_log.save_and_position(later)
    assert container.event_log.serial_of(later.id) == 4


def test_renumber_refuses_a_table_with_a_number_the_log_does_not_imply(
    container: Container,
) -> None:
    hvg = estate(container, "HVG")
    container.event_log.save_and_position(order(hvg))
    with psycopg.connect(container.database_url) as conn:
        conn.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER append_only")
        conn.execute(f"UPDATE {TABLE} SET serial = 5")
        conn.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER append_only")
    with pytest.raises(ValueError, match="does not imply"):
        renumber(container.event_log)
    assert [s for s, _, _ in serials(container, series("WO", hvg, 2026))] == [5]


def test_a_backup_and_restore_keeps_every_number(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    hvg, abc = estate(container, "HVG"), estate(container, "ABC")
    for n in range(5):
        container.event_log.save_and_position(order(hvg if n % 2 else abc))
    live = shown(container)
    table = serials(container, series("WO", hvg, 2026))
    file = tmp_path / "full.backup"
    backup(container, file)
    container.close()

    drop_schema(container.database_url)
    fresh = build(settings)
    try:
        restore(fresh, [file])
        assert shown(fresh) == live
        assert serials(fresh, series("WO", hvg, 2026)) == table
        assert check_numbers(fresh.event_log).ok
        later = order(hvg)
        fresh.event_log.save_and_position(later)
        assert fresh.event_log.serial_of(later.id) == 3
    finally:
        fresh.close()


@hypothesis_settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from([2025, 2026]), st.booleans()),
        min_size=1,
        max_size=12,
    )
)
def test_the_numbers_of_a_series_are_one_to_n_in_position_order(
    container: Container, appends: list[tuple[int, int, bool]]
) -> None:
    """Whatever the order of estates, years and failed appends."""
    places = [uuid4(), uuid4()]  # new series each example (no estate: the ID's head)
    stale = Counter("stale")
    container.event_log.save(stale)
    moved = copy.deepcopy(stale)
    moved.count_one()
    container.event_log.save(moved)
    kept: dict[str, list[UUID]] = {}
    for place, year, fails in appends:
        new = order(places[place], datetime(year, 6, 1, tzinfo=UTC))
        if fails:
            conflicting = copy.deepcopy(stale)
            conflicting.count_one()
            with pytest.raises(IntegrityError):
                container.event_log.save_and_position(new, conflicting)
            continue
        container.event_log.save_and_position(new)
        kept.setdefault(series("WO", places[place], year), []).append(new.id)
    for name, made in kept.items():
        stored: list[Any] = serials(container, name)
        assert [s for s, _, _ in stored] == list(range(1, len(made) + 1))
        assert [o for _, o, _ in stored] == made  # this thread's order is the log's
    assert check_numbers(container.event_log).ok
