"""Gas is a metered fee item (decision 0064): its own revenue account and its
own VAT rates in the fee items' table, never the 6 % of property services; a
VAT setting stored before gas existed bills gas at the row's default."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from domain.finance import accounts
from domain.finance.bills import BillLine
from domain.finance.fee_items import FEE_ITEMS, METERS, SPECS, LineRule
from domain.finance.tax import (
    DEFAULT_RATES,
    VAT_RATES,
    Taxpayer,
    TaxSettings,
    item_taxes,
    taxed,
    taxes_of,
)
from domain.meters.values import MeterKind

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_gas_is_metered_in_cubic_metres_and_posts_to_its_own_revenue_account() -> None:
    gas = SPECS["gas"]
    assert gas.rule is LineRule.METERED and METERS == ("water", "electricity", "gas")
    assert (gas.measure, gas.line_unit) == ("m³", "m3")
    assert accounts.FEE_REVENUE["gas"] == "6001.09"
    assert accounts.account("6001.09").name_zh == "主营业务收入—燃气费"


def test_every_row_names_its_own_vat_rates_and_the_defaults_are_the_tables() -> None:
    for spec in FEE_ITEMS:
        assert {spec.vat.general, spec.vat.small_scale} <= set(VAT_RATES), spec.item
        assert DEFAULT_RATES[Taxpayer.GENERAL][spec.item] == spec.vat.general
        assert DEFAULT_RATES[Taxpayer.SMALL_SCALE][spec.item] == spec.vat.small_scale
    general = {item: str(rate) for item, rate in DEFAULT_RATES[Taxpayer.GENERAL].items()}
    assert general == {
        "property_fee": "0.06", "parking": "0.09", "water": "0.09", "electricity": "0.13",
        "shared_area": "0.06", "public_maintenance": "0.06", "greening": "0.06",
        "security": "0.06", "gas": "0.09",
    }  # fmt: skip
    assert item_taxes("small_scale", {})["gas"]["vat_rate"] == Decimal("0.03")


def test_gas_may_be_collected_for_the_gas_company_without_vat() -> None:
    items = item_taxes("general", {"gas": {"treatment": "pass_through"}})
    assert items["gas"] == {"treatment": "pass_through", "vat_rate": Decimal(0)}


def test_a_setting_stored_before_gas_existed_bills_gas_at_its_default_not_untaxed() -> None:
    settings = TaxSettings(estate_id=uuid4(), at=AT)
    stored: dict[str, dict[str, Any]] = {
        item: taxes for item, taxes in item_taxes("general", {}).items() if item != "gas"
    }
    stored["water"] = {"treatment": "pass_through", "vat_rate": Decimal(0)}
    settings._set(  # as the event was stored before the gas row: no "gas" in it
        taxpayer="general", items=stored, effective_from=date(2027, 1, 1), set_by=uuid4(), at=AT
    )
    folded = None
    for event in settings.collect_events():
        folded = event.mutate(folded)
    assert isinstance(folded, TaxSettings)
    setting = folded.in_force(date(2027, 2, 1))
    assert setting is not None
    assert setting["items"]["gas"] == {"treatment": "revenue", "vat_rate": Decimal("0.09")}
    assert setting["items"]["water"]["treatment"] == "pass_through"  # the stored ones stand
    line = BillLine("gas", "gas", Decimal(20), "m3", Decimal("3.27"), Decimal("65.40"))
    [billed] = taxed([line], taxes_of(setting), "CNY")
    assert (billed.vat_rate, billed.net, billed.tax) == (
        Decimal("0.09"),
        Decimal("60.00"),
        Decimal("5.40"),
    )


def test_every_kind_of_meter_is_a_metered_fee_item() -> None:
    assert {str(kind) for kind in MeterKind} == set(METERS)
