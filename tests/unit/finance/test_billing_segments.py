"""Billing segments: the period cut where the set of owners changes, compared with a
day-by-day walk over random ownership histories."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.finance.billing import Ownership, segments
from domain.finance.periods import period_bounds
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
