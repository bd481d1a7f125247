"""Every place that names fee items derives from the one table (domain/finance/fee_items.py).

A fee item added to the table and missed by a derived place fails here:
the domain's enum and bases, the chart of accounts, the billing rules, the
HTTP types and the fee-schedule page.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import get_args
from uuid import uuid4

import pytest

from domain.finance import accounts, billing, rates
from domain.finance.billing import Ownership, PeriodInputs, UnitFacts, bill_lines, segments
from domain.finance.fee_items import FEE_ITEMS, SPECS, FeeItemSpec, LineRule, items_by
from interfaces.http.finance import rate_schemas as http_rates

ROOT = Path(__file__).resolve().parents[3]


def test_every_item_is_a_fee_item_of_the_domain_with_its_bases_and_measure() -> None:
    assert [item.value for item in rates.FeeItem] == list(SPECS)
    assert {spec.item: spec.bases for spec in FEE_ITEMS} == rates.BASES
    for spec in FEE_ITEMS:
        assert bool(spec.bases) == (spec.rule is not LineRule.SHARED), spec.item
        assert (spec.item in rates.MEASURES) == bool(spec.bases), spec.item


def test_every_item_posts_to_a_revenue_account_of_its_own_in_the_chart() -> None:
    codes = [spec.revenue_account for spec in FEE_ITEMS]
    assert len(set(codes)) == len(codes)
    for spec in FEE_ITEMS:
        assert accounts.FEE_REVENUE[spec.item] == spec.revenue_account
        account = accounts.account(spec.revenue_account)
        assert account.kind is accounts.Kind.REVENUE
        assert (account.name, account.name_zh) == (spec.account_name, spec.account_name_zh)


def test_every_item_is_charged_by_exactly_one_billing_rule() -> None:
    charged = [*billing.AREA_ITEMS, *billing.SPACE_ITEMS, *billing.METERED]
    shared = items_by(LineRule.SHARED)
    assert sorted(s.item for s in [*charged, *shared]) == sorted(SPECS)


def test_the_http_types_offer_exactly_the_tables_choices() -> None:
    assert set(get_args(http_rates.RateBasis)) == {b for s in FEE_ITEMS for b in s.bases}
    assert get_args(http_rates.SharedCostItem) == tuple(s.item for s in FEE_ITEMS if s.shared_cost)
    assert get_args(http_rates.Meter) == tuple(s.item for s in items_by(LineRule.METERED))


def test_the_fee_schedule_page_names_every_item() -> None:
    page = (ROOT / "docs/finance/rates.md").read_text(encoding="utf-8")
    for spec in FEE_ITEMS:
        assert f"`{spec.item}`" in page, spec.item


@pytest.mark.parametrize("spec", FEE_ITEMS, ids=lambda s: s.item)
def test_a_rate_of_every_item_puts_its_line_on_a_whole_month_bill(spec: FeeItemSpec) -> None:
    unit = UnitFacts(
        uuid4(), Decimal(100), Decimal(80), 2, (Ownership(uuid4(), None, date(2026, 1, 1), None),)
    )
    basis = (spec.bases or ("gross",))[0]
    rate = rates.Rate(spec.item, Decimal(2), "CNY", basis, date(2026, 1, 1), uuid4())
    usage = {unit.unit_id: {spec.item: Decimal(5)}}
    inputs = PeriodInputs("2026-03", "CNY", {spec.item: rate}, usage=usage)
    if spec.rule is LineRule.SHARED:
        cost = rates.SharedCost(uuid4(), spec.item, "lift", Decimal(7), "CNY", "gross")
        inputs.shares = {unit.unit_id: [(cost, Decimal(7))]}
    parts = segments(unit.owners, "2026-03")
    assert len(parts) == 1
    lines = bill_lines(unit, parts, 0, inputs)
    assert [line.item for line in lines] == [spec.item]
    expected = {
        LineRule.AREA: Decimal(200),  # 100 m² gross x 2
        LineRule.SPACE: Decimal(4),  # 2 spaces x 2
        LineRule.METERED: Decimal(10),  # 5 used x 2
        LineRule.SHARED: Decimal(7),  # the unit's share
    }
    assert lines[0].amount == expected[spec.rule]
    assert lines[0].unit == spec.line_unit
