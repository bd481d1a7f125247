"""The numbers people read out (decision 0050): what a number says, and that
what one types back names the same series and serial."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from domain.numbering import KINDS, number, parse, series_of, year_of
from domain.registry.ids import estate_id_for
from domain.workorders.order import WorkOrder

CODES = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./#", min_size=1, max_size=32
).filter(lambda c: c.strip() == c)


@given(CODES, st.sampled_from(sorted(KINDS)), st.integers(2000, 2100), st.integers(1, 10**9 - 1))
def test_a_number_typed_back_in_any_case_names_its_series_and_serial(
    code: str, kind: str, year: int, serial: int
) -> None:
    said = number(code, kind, year, serial)
    for typed in (said, said.lower(), f"  {said} "):
        found = parse(typed, kind)
        assert found is not None
        assert (found.estate_id, found.code, found.year, found.serial) == (
            estate_id_for(code),
            kind,
            year,
            serial,
        )
    others = sorted(set(KINDS) - {kind})
    assert parse(said, others[0]) is None  # a number of another kind finds none of this one


def test_the_format_and_what_is_no_number() -> None:
    assert number("HVG", "WO", 2026, 123) == "HVG-WO-2026-000123"
    assert number("HVG", "BL", 2026, 1_234_567) == "HVG-BL-2026-1234567"  # pads, never cuts
    for text in (
        "",
        "HVG",
        "HVG-WO-2026",
        "HVG-WO-26-1",
        "HVG-WO-2026-0",
        "-WO-2026-1",
        "x y-WO-2026-1",
    ):
        assert parse(text, "WO") is None


def test_a_year_is_utc_s_and_only_creating_events_are_numbered() -> None:
    new_year_in_beijing = datetime.fromisoformat("2026-01-01T00:30:00+08:00")
    assert year_of(new_year_in_beijing) == 2025
    estate = uuid4()
    order = WorkOrder.submit(
        id=uuid4(),
        estate_id=estate,
        title="Tap",
        description="drips",
        source="staff",
        source_ref=None,
        requested_by=None,
        at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    at = datetime(2026, 3, 1, tzinfo=UTC)
    order.triage("plumbing", "high", at, at, at=at)
    created, triaged = order.pending_events
    assert series_of(created) == f"wo:{estate}:2026"
    assert series_of(triaged) is None
