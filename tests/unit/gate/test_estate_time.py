"""An estate's day runs from its local midnight (China Standard Time), not UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from application.estate_time import day_bounds, local_clock, local_day


def test_an_estates_day_is_its_local_midnight_to_midnight_in_utc() -> None:
    assert day_bounds(date(2026, 3, 2)) == (
        datetime(2026, 3, 1, 16, tzinfo=UTC),
        datetime(2026, 3, 2, 16, tzinfo=UTC),
    )
    late = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
    assert local_day(late) == date(2026, 3, 2)  # already the 2nd at the gate
    assert local_clock(late) == "2026-03-02 01:30"
    start, end = day_bounds(local_day(late))
    assert start <= late < end
