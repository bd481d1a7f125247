"""Billing segments: the period cut where the set of owners changes, compared with a
day-by-day walk over random ownership histories; with a vacant-unit payer every
day is billed, and the parts' fees add up to the month's fee to the fen."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.finance.billing import (
    Ownership,
    PeriodInputs,
    UnitFacts,
    bill_lines,
    segments,
    vacant_days,
)
from domain.finance.money import round_money
from domain.finance.periods import period_bounds
from domain.finance.rates import Rate
from tests.support.examples import examples

PEOPLE = [uuid4() for _ in range(4)]
DAYS = st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 3, 31))


@st.composite
def histories(draw: st.DrawFn) -> tuple[Ownership, ...]:
    out = []
    for person in draw(st.lists(st.sampled_from(PEOPLE), max_size=4)):
        start = draw(DAYS)
        end = draw(st.one_of(st.none(), DAYS.filter(lambda d, s=start: d > s)))
        out.append(Ownership(person, None, start, end))
    return tuple(out)


def _by_day(owners: tuple[Ownership, ...], period: str) -> dict[date, frozenset[object]]:
    first, last = period_bounds(period)
    out = {}
    day = first
    while day <= last:
        present = frozenset(
            o.person_id
            for o in owners
            if o.starts_on <= day and (o.ends_on is None or day < o.ends_on)
        )
        if present:
            out[day] = present
        day += timedelta(days=1)
    return out


@settings(max_examples=examples(300))
@given(owners=histories(), period=st.sampled_from(["2026-01", "2026-02", "2026-03"]))
def test_segments_cover_exactly_the_owned_days_with_their_owners(
    owners: tuple[Ownership, ...], period: str
) -> None:
    parts = segments(owners, period)
    covered = {}
    for part in parts:
        day = part.starts_on
        while day <= part.ends_on:
            covered[day] = frozenset(o.person_id for o in part.payers)
            day += timedelta(days=1)
    assert covered == _by_day(owners, period)
    for before, after in pairwise(parts):
        adjacent = after.starts_on == before.ends_on + timedelta(days=1)
        same = {o.person_id for o in before.payers} == {o.person_id for o in after.payers}
        assert not (adjacent and same)  # merged wherever they could be


DEVELOPER = uuid4()


@settings(max_examples=examples(300))
@given(
    owners=histories(),
    period=st.sampled_from(["2026-01", "2026-02", "2026-03"]),
    area=st.decimals(min_value=Decimal("20.00"), max_value=Decimal("300.00"), places=2),
    rate=st.decimals(min_value=Decimal("0.5000"), max_value=Decimal("9.9999"), places=4),
)
def test_with_a_vacant_unit_payer_every_day_is_billed_and_the_parts_add_up_to_the_fen(
    owners: tuple[Ownership, ...], period: str, area: Decimal, rate: Decimal
) -> None:
    first, last = period_bounds(period)
    developer = Ownership(DEVELOPER, None, first, None)
    parts = segments(owners, period, developer)
    assert sum(p.days for p in parts) == (last - first).days + 1
    owned = _by_day(owners, period)
    assert vacant_days(owners, period) == (last - first).days + 1 - len(owned)
    for part in parts:  # the developer pays exactly the days no owner holds
        if DEVELOPER in {o.person_id for o in part.payers}:
            assert part.starts_on not in owned and part.ends_on not in owned
    unit = UnitFacts(uuid4(), area, area, 0, owners)
    fee = Rate("property_fee", rate, "CNY", "gross", first, uuid4())
    inputs = PeriodInputs(period=period, currency="CNY", rates={"property_fee": fee})
    billed = sum(
        (line.amount for i in range(len(parts)) for line in bill_lines(unit, parts, i, inputs)),
        Decimal(0),
    )
    assert billed == round_money(area * rate, "CNY")
