"""The maintenance fund's rules without a database: what a spending's basis
and a top-up must show, and how a disbursement splits over the units."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from uuid import uuid4

import pytest

from domain.errors import ValidationFailed
from domain.finance.fund_rules import (
    check_emergency,
    check_resolution,
    raising_resolution,
    split_by_area,
)

RESOLUTION = {
    "reference": "FIN-2026-01",
    "meeting_on": date(2026, 1, 10),
    "total_area": D("240.00"),
    "total_owners": 3,
    "participating_area": D("240.00"),
    "participating_owners": 3,
    "area_for": D("176.00"),
    "owners_for": 2,
}
EMERGENCY = {
    "category": "elevator_danger",
    "description": "lift 2 brakes failed inspection",
    "evidence": ["inspection LIFT-0318"],
}


def test_a_resolution_with_more_than_half_of_both_carries_the_spending() -> None:
    assert check_resolution(RESOLUTION)["reference"] == "FIN-2026-01"


def test_two_thirds_of_the_area_must_take_part() -> None:
    short = {**RESOLUTION, "participating_area": D("150.00"), "area_for": D("150.00")}
    with pytest.raises(ValidationFailed, match="two thirds of the area"):
        check_resolution(short)


def test_half_of_the_area_is_not_more_than_half() -> None:
    with pytest.raises(ValidationFailed, match="more than half"):
        check_resolution({**RESOLUTION, "area_for": D("120.00")})


def test_a_resolution_missing_a_field_is_refused_naming_them() -> None:
    with pytest.raises(ValidationFailed, match="participating_owners"):
        check_resolution({"reference": "X"})


def test_a_top_up_needs_three_quarters_a_first_deposit_nothing() -> None:
    assert raising_resolution(None, top_up=False) is None
    with pytest.raises(ValidationFailed, match="top-up"):
        raising_resolution(None, top_up=True)
    # 176.00 of 240.00 m² and 2 of 3 owners: more than half, under three quarters.
    with pytest.raises(ValidationFailed, match="three quarters of the participating area") as e:
        raising_resolution(RESOLUTION, top_up=True)
    assert "three quarters of the participating owners" in str(e.value)
    exactly = {**RESOLUTION, "area_for": D("180.00"), "owners_for": 3}  # 180 = 3/4 of 240
    assert raising_resolution(exactly, top_up=True)["area_for"] == D("180.00")
    # Raising the fund with the first deposit is allowed, and then held to the same rule.
    with pytest.raises(ValidationFailed, match="three quarters"):
        raising_resolution(RESOLUTION, top_up=False)


def test_an_emergency_needs_evidence_a_known_category_and_no_other_fields() -> None:
    assert check_emergency(EMERGENCY)["category"] == "elevator_danger"
    with pytest.raises(ValidationFailed, match="evidence"):
        check_emergency({**EMERGENCY, "evidence": []})
    with pytest.raises(ValidationFailed, match="category"):
        check_emergency({**EMERGENCY, "category": "broken_doorbell"})
    with pytest.raises(ValidationFailed, match="unknown fields"):
        check_emergency({**EMERGENCY, "cost": "1"})


def test_a_disbursement_splits_by_gross_area_and_the_parts_sum_exactly() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    splits = split_by_area(D("100.00"), {a: D("90.00"), b: D("120.00"), c: D("61.50")}, "CNY")
    assert [s["unit_id"] for s in splits] == [a, b, c]
    assert sum(s["amount"] for s in splits) == D("100.00")
    assert [s["amount"] for s in splits] == [D("33.15"), D("44.20"), D("22.65")]
