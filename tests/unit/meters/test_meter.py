"""The meter aggregate: the checks on entry, holding, confirming, replacing;
and the property that usage over any history is the sum of its differences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidTransition, ValidationFailed
from domain.meters.meter import Meter
from domain.meters.values import DEFAULT_RULE, JumpRule, Step, usage_of

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
BY = uuid4()


def meter(initial: str = "100") -> Meter:
    return Meter.install(
        id=uuid4(),
        estate_id=uuid4(),
        unit_id=uuid4(),
        unit_label="B1 101",
        area=None,
        kind="water",
        serial="W-1",
        initial_reading=initial,
        installed_on=date(2026, 1, 1),
        at=NOW,
    )


def enter(m: Meter, value: object, on: date, source: str = "desk", **more: object) -> str:
    return m.enter(
        reading_id=uuid4(),
        reading=value,
        read_on=on,
        period=f"{on:%Y-%m}",
        source=source,
        by=BY,
        at=NOW,
        **more,  # type: ignore[arg-type]
    )


def names(m: Meter) -> list[str]:
    return [type(e).__name__ for e in m.collect_events()]


def test_a_reading_moves_the_register_by_its_usage() -> None:
    m = meter()
    assert enter(m, "112.5", date(2026, 2, 1)) == "recorded"
    assert (m.last, m.register, m.usages) == (Decimal("112.5"), Decimal("112.5"), [Decimal("12.5")])


def test_a_lower_reading_is_refused_as_negative_use_naming_the_reading() -> None:
    m = meter()
    with pytest.raises(ValidationFailed, match=r"^reading: 99 is below .* \(negative use\)"):
        enter(m, "99", date(2026, 2, 1))


def test_a_reading_older_than_the_last_is_refused() -> None:
    m = meter()
    enter(m, "110", date(2026, 2, 1))
    with pytest.raises(ValidationFailed, match=r"^read_on: 2026-01-20 is older"):
        enter(m, "111", date(2026, 1, 20))


def test_a_jump_beyond_three_times_the_average_is_held_not_refused() -> None:
    m = meter()
    for day, value in ((1, "110"), (2, "120"), (3, "130")):
        assert enter(m, value, date(2026, day + 1, 1)) == "recorded"
    held = uuid4()
    status = m.enter(
        reading_id=held, reading="161", read_on=date(2026, 5, 1), period="2026-05",
        source="round", by=BY, at=NOW,
    )  # fmt: skip
    assert status == "held"  # 31 used against an average of 10
    assert m.last == Decimal(130) and str(held) in m.pending
    found = m.confirm(held, BY, NOW)
    assert found["period"] == "2026-05" and m.last == Decimal(161)
    assert names(m)[-2:] == ["ReadingHeld", "ReadingConfirmed"]


def test_exactly_three_times_the_average_is_not_a_jump() -> None:
    is_jump = DEFAULT_RULE.is_jump
    assert not is_jump(Decimal(30), [Decimal(10)])
    assert is_jump(Decimal("30.01"), [Decimal(10)])
    assert not is_jump(Decimal(500), [])  # no average yet
    assert not is_jump(Decimal(500), [Decimal(0)])
    # 10 over 3 does not divide: exactly 3 times it is still no jump
    assert not is_jump(Decimal(10), [Decimal(3), Decimal(3), Decimal(4)])


def test_a_jump_is_held_by_the_rule_in_force_and_its_reason_names_the_factor() -> None:
    m = meter()
    enter(m, "110", date(2026, 2, 1))  # 10 used
    rule = JumpRule(Decimal("1.5"), 3)
    assert enter(m, "125", date(2026, 3, 1), rule=rule) == "recorded"  # 15: exactly 1.5 x 10
    assert enter(m, "144", date(2026, 4, 1), rule=rule) == "held"  # 19 > 1.5 x 12.5
    [held] = [e for e in m.collect_events() if type(e).__name__ == "ReadingHeld"]
    assert held.reason.startswith("usage 19 is above 1.5 times (the estate's jump factor)")
    assert held.reason.endswith("average of 12.50 over its last 2 usages")  # window 3


def test_a_residents_reading_waits_for_staff_and_needs_a_photo() -> None:
    m = meter()
    with pytest.raises(ValidationFailed, match=r"^photo_ref"):
        enter(m, "105", date(2026, 2, 1), source="resident")
    rid = uuid4()
    status = m.enter(
        reading_id=rid, reading="105", read_on=date(2026, 2, 1), period="2026-02",
        source="resident", by=BY, at=NOW, photo_ref="up/1.jpg",
    )  # fmt: skip
    assert status == "submitted" and m.last == Decimal(100)
    m.reject(rid, "blurred photo", BY, NOW)
    assert not m.pending
    with pytest.raises(InvalidTransition):
        m.confirm(rid, BY, NOW)


def test_confirming_checks_again_against_a_reading_recorded_since() -> None:
    m = meter()
    rid = uuid4()
    m.enter(
        reading_id=rid, reading="105", read_on=date(2026, 2, 1), period="2026-02",
        source="resident", by=BY, at=NOW, photo_ref="up/1.jpg",
    )  # fmt: skip
    enter(m, "120", date(2026, 2, 3))
    with pytest.raises(ValidationFailed):
        m.confirm(rid, BY, NOW)


def test_a_replacement_carries_the_old_meters_usage_into_the_register() -> None:
    m = meter("100")
    enter(m, "150", date(2026, 2, 1))
    m.replace(
        final_reading="170", initial_reading="0", changed_on=date(2026, 2, 10),
        reason="replaced", new_serial="W-2", by=BY, at=NOW,
    )  # fmt: skip
    assert (m.serial, m.last, m.register) == ("W-2", Decimal(0), Decimal(170))
    enter(m, "5", date(2026, 3, 1))  # 20 on the old meter, 5 on the new
    assert m.register == Decimal(175)


def test_a_replacement_needs_a_new_serial_and_no_reading_waiting() -> None:
    m = meter()
    with pytest.raises(ValidationFailed, match=r"^new_serial"):
        m.replace(
            final_reading="100", initial_reading="0", changed_on=date(2026, 2, 1),
            reason="replaced", new_serial=None, by=BY, at=NOW,
        )  # fmt: skip
    m.enter(
        reading_id=uuid4(), reading="105", read_on=date(2026, 2, 1), period="2026-02",
        source="resident", by=BY, at=NOW, photo_ref="up/1.jpg",
    )  # fmt: skip
    with pytest.raises(InvalidTransition):
        m.replace(
            final_reading="106", initial_reading="0", changed_on=date(2026, 2, 2),
            reason="reset", new_serial=None, by=BY, at=NOW,
        )  # fmt: skip


def test_a_meter_is_a_units_or_an_areas_not_both() -> None:
    with pytest.raises(ValidationFailed, match=r"^unit_id"):
        Meter.install(
            id=uuid4(), estate_id=uuid4(), unit_id=uuid4(), unit_label=None, area="lifts",
            kind="electricity", serial="E-1", initial_reading="0",
            installed_on=date(2026, 1, 1), at=NOW,
        )  # fmt: skip


# ---- the property ----------------------------------------------------------------------

amount = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)
reading_step = st.tuples(st.just("read"), amount, amount)
replacement_step = st.tuples(st.just("replace"), amount, amount)


@settings(max_examples=150, deadline=None)
@given(initial=amount, steps=st.lists(st.one_of(reading_step, replacement_step), max_size=25))
def test_usage_over_any_history_is_the_sum_of_its_differences(
    initial: Decimal, steps: list[tuple[str, Decimal, Decimal]]
) -> None:
    """Readings go up by any amount (a jump is held, then confirmed), a
    replacement closes at a final reading at or above the last and starts at
    any initial one: every usage recorded is non-negative, they sum to the
    history's usage, and the register moved by exactly that much."""
    m = meter(str(initial))
    on = date(2026, 1, 1)
    history: list[Step] = []
    last = initial
    for kind, up, other in steps:
        on += timedelta(days=1)
        if kind == "read":
            last += up
            rid: UUID = uuid4()
            status = m.enter(
                reading_id=rid, reading=last, read_on=on, period=f"{on:%Y-%m}",
                source="round", by=BY, at=NOW + timedelta(days=400),
            )  # fmt: skip
            if status == "held":
                m.confirm(rid, BY, NOW)
            history.append(Step(reading=last))
        else:
            m.replace(
                final_reading=last + up, initial_reading=other, changed_on=on, reason="reset",
                new_serial=None, by=BY, at=NOW + timedelta(days=400),
            )  # fmt: skip
            history.append(Step(final=last + up, initial=other))
            last = other
    usages = [
        e.usage
        for e in m.collect_events()
        if type(e).__name__ in ("ReadingRecorded", "ReadingConfirmed", "Replaced")
    ]
    assert all(u >= 0 for u in usages)
    assert sum(usages, Decimal(0)) == usage_of(initial, history) == m.register - initial


factors = st.decimals(min_value="1.01", max_value=20, places=2)
usages = st.decimals(min_value=0, max_value=1000, places=2)


@settings(max_examples=200, deadline=None)
@given(factor=factors, window=st.integers(1, 12), used=st.lists(usages, max_size=20))
def test_a_reading_is_held_iff_its_usage_exceeds_factor_times_the_average(
    factor: Decimal, window: int, used: list[Decimal]
) -> None:
    """Under any rule an estate may set, each reading in turn is held exactly
    when the meter has an average above zero over its last ``window`` counted
    usages and the usage exceeds ``factor`` times it (a held one is then
    confirmed, so it counts towards the next average); the reason names the
    factor."""
    m = meter("0")
    rule, last = JumpRule(factor, window), Decimal(0)
    counted: list[Decimal] = []
    for day, usage in enumerate(used):
        last += usage
        rid = uuid4()
        status = m.enter(
            reading_id=rid, reading=last, read_on=date(2026, 1, 1) + timedelta(days=day),
            period="2026-01", source="desk", by=BY, at=NOW, rule=rule,
        )  # fmt: skip
        recent = counted[-window:]  # the average as an exact fraction
        average = sum(map(Fraction, recent), Fraction(0)) / len(recent) if recent else 0
        expected = average > 0 and Fraction(usage) > Fraction(factor) * average
        assert (status == "held") == expected, (usage, recent)
        if status == "held":
            [event] = m.collect_events()
            assert f"above {factor} times" in event.reason
            m.confirm(rid, BY, NOW)
        m.collect_events()
        counted.append(usage)
