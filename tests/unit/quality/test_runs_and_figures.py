"""A quality run's rules, the months it speaks of, the dashboard's arithmetic, and
the service on the in-memory log: who may run the checks, and the monthly run
recorded once per estate and month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.errors import Forbidden, NotFound
from application.quality.commands import RunQualityChecks
from application.quality.ports import CheckScope
from application.quality.service import QualityService
from domain.errors import ValidationFailed
from domain.identity.policy import Role
from domain.quality.checks import (
    CHECK_NAMES,
    month_bounds,
    month_of,
    monthly_run_id,
    months_before,
    previous_month,
    stale_days_of,
)
from domain.quality.figures import collection_rate, ratio
from domain.quality.run import QualityRun, Trigger
from domain.registry.places import Estate
from tests.support.actors import actor
from tests.support.memory import MemoryEventLog, memory_deps

AT = datetime(2026, 3, 2, 1, tzinfo=UTC)


def _run(counts: list[dict[str, object]]) -> QualityRun:
    return QualityRun.record(
        id=uuid4(),
        estate_id=uuid4(),
        month="2026-02",
        trigger=Trigger.ON_DEMAND,
        stale_days=30,
        as_of_position=7,
        counts=counts,
        run_by=None,
        at=AT,
    )


def test_a_run_keeps_each_checks_severity_and_count() -> None:
    run = _run([{"check": n, "count": i} for i, n in enumerate(CHECK_NAMES)])
    assert [c["check"] for c in run.counts] == list(CHECK_NAMES)
    assert run.failing == sum(range(len(CHECK_NAMES)))
    assert {c["severity"] for c in run.counts} == {"error", "warning"}


@pytest.mark.parametrize(
    "counts",
    [
        [],
        [{"check": "no_such_check", "count": 1}],
        [{"check": "units_without_owner", "count": -1}],
        [{"check": "units_without_owner", "count": True}],
        [
            {"check": "units_without_owner", "count": 1},
            {"check": "units_without_owner", "count": 2},
        ],
    ],
)
def test_a_run_refuses_counts_that_are_not_one_whole_number_per_check(
    counts: list[dict[str, object]],
) -> None:
    with pytest.raises(ValidationFailed):
        _run(counts)


def test_months() -> None:
    assert month_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_bounds("2024-12") == (date(2024, 12, 1), date(2024, 12, 31))
    assert previous_month(date(2026, 1, 15)) == "2025-12"
    assert months_before("2026-03", 11) == "2025-04"
    assert months_before("2026-01", 0) == "2026-01"
    for bad in ("2026-13", "2026-1", "26-01", ""):
        with pytest.raises(ValidationFailed):
            month_of(bad)
    assert stale_days_of(None) == 30
    for bad_days in (0, -1, 5000):
        with pytest.raises(ValidationFailed):
            stale_days_of(bad_days)
    estate = uuid4()
    assert monthly_run_id(estate, "2026-02") == monthly_run_id(estate, "2026-02")
    assert monthly_run_id(estate, "2026-02") != monthly_run_id(estate, "2026-03")


def test_ratios_round_half_up_to_four_places_and_are_none_of_nothing() -> None:
    assert ratio(1, 3) == Decimal("0.3333")
    assert ratio(2, 3) == Decimal("0.6667")
    assert ratio(1, 8) == Decimal("0.1250")
    assert ratio(0, 0) is None
    # 收缴率: 900 paid of 1,000 billed with 100 waived is 100 %.
    assert collection_rate(Decimal("900"), Decimal("1000"), Decimal("100")) == Decimal("1.0000")
    assert collection_rate(Decimal("450"), Decimal("1000"), Decimal("100")) == Decimal("0.5000")
    assert collection_rate(Decimal("0"), Decimal("100"), Decimal("100")) is None


@given(
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=10**9, places=2),
)
def test_what_is_paid_of_what_is_due_is_between_nought_and_one(
    billed: Decimal, waived_part: Decimal, paid_part: Decimal
) -> None:
    waived = min(waived_part, billed)
    paid = min(paid_part, billed - waived)
    rate = collection_rate(paid, billed, waived)
    if billed == waived:
        assert rate is None
    else:
        assert rate is not None and Decimal(0) <= rate <= Decimal(1)


class Readings:
    def __init__(self, estates: list[UUID]) -> None:
        self.known = estates
        self.asked: list[CheckScope] = []

    def counts(self, scope: CheckScope) -> dict[str, int]:
        self.asked.append(scope)
        return {name: i for i, name in enumerate(CHECK_NAMES)}

    def estates(self) -> list[UUID]:
        return self.known


def _service() -> tuple[QualityService, MemoryEventLog, Readings, UUID, UUID]:
    deps = memory_deps(now=AT)
    log = deps.event_log
    assert isinstance(log, MemoryEventLog)
    a, b = Estate.register("A1", "A", "-"), Estate.register("B1", "B", "-")
    log.save_and_position(a, b)
    readings = Readings([a.id, b.id])
    return QualityService(deps, readings), log, readings, a.id, b.id


def test_a_manager_runs_the_checks_of_their_estate_and_the_counts_are_recorded() -> None:
    service, log, readings, a, b = _service()
    manager = actor(Role.PROPERTY_MANAGER, a)
    done = service.run(RunQualityChecks(manager, a, None, 45))
    assert done.run.month == "2026-03" and done.run.stale_days == 45
    assert done.run.trigger == "on_demand" and done.run.run_by == manager.user_id
    assert readings.asked[-1].stale_before == datetime(2026, 1, 16, 1, tzinfo=UTC)
    assert type(log.domain_events()[-1]).__qualname__ == "QualityRun.Recorded"
    head = log.head()
    with pytest.raises(NotFound):  # another estate's: missing
        service.run(RunQualityChecks(manager, b))
    with pytest.raises(Forbidden):  # may read, may not run
        service.run(RunQualityChecks(actor(Role.AUDITOR), a))
    with pytest.raises(NotFound):  # no such estate
        service.run(RunQualityChecks(actor(Role.ADMIN), uuid4()))
    with pytest.raises(ValidationFailed):
        service.run(RunQualityChecks(manager, a, "2026-13"))
    assert log.head() == head


def test_the_monthly_run_records_last_month_once_per_estate() -> None:
    service, log, readings, a, b = _service()
    [job] = service.scheduled()
    assert job.run(AT) == 2
    assert job.run(AT) == 0  # already recorded: the aggregates say so
    for estate in (a, b):
        run = log.repository.get(monthly_run_id(estate, "2026-02"))
        assert (run.month, run.trigger, run.run_by) == ("2026-02", "scheduled", None)
    assert {s.month for s in readings.asked} == {"2026-02"}
