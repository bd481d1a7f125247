"""The fee items: one row each, and everything else about them derives from it (R5.1).

A row says what a rate of the item is a price of (its bases and measure),
how a bill charges it (its line rule), which revenue account its lines post
to, the VAT rates its lines take when an estate names none (``tax.py``), and
whether it may be recorded as a shared cost. ``rates.py`` (allowed bases,
measures), ``billing.py`` (which lines a bill gets), ``accounts.py`` (the
revenue accounts of the chart), ``tax.py`` and the HTTP types read these rows, so
adding a fee item is adding a row here; ``tests/unit/finance/test_fee_items.py``
fails if a derived place misses one.

Item names are stored in events as plain strings: a row may be added, never
renamed or given another account or other default VAT rates (a VAT setting
made before an item existed bills it at the row's defaults: decision 0064).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class LineRule(StrEnum):
    """How a bill charges an item."""

    AREA = "area"  # rate x the unit's area (the rate's basis), prorated by the days owned
    SPACE = "space"  # rate x the unit's assigned parking spaces, prorated by the days owned
    METERED = "metered"  # rate x the period's usage, on the period's last bill
    SHARED = "shared"  # no rate: a share of the period's shared costs, by area


@dataclass(frozen=True)
class Vat:
    """The VAT rates an item's lines take when the estate names none: a general
    taxpayer's (一般纳税人) rate and a small-scale taxpayer's levy rate (征收率)."""

    general: Decimal
    small_scale: Decimal


@dataclass(frozen=True)
class FeeItemSpec:
    item: str
    rule: LineRule
    #: Bases a rate may be measured on, the default first (none: no rate).
    bases: tuple[str, ...]
    #: What a rate is the price of (the approval summary, the docs).
    measure: str
    #: The unit of a bill line's quantity.
    line_unit: str
    revenue_account: str
    account_name: str
    account_name_zh: str
    #: Its default VAT rates: every row names them, none falls back to another's.
    vat: Vat
    #: May be recorded as a shared cost of a period (公摊).
    shared_cost: bool = False


AREA = ("gross", "internal")

#: Property services 6 % (3 % levy for a small-scale taxpayer); renting out a
#: parking space 9 % (5 %); tap water 9 % (3 %: the simple method's rate, as a
#: small-scale taxpayer's); electricity 13 % (3 %); natural gas for households 9 % (3 %).
SERVICES = Vat(Decimal("0.06"), Decimal("0.03"))
SPACE_RENTAL = Vat(Decimal("0.09"), Decimal("0.05"))
WATER = Vat(Decimal("0.09"), Decimal("0.03"))
ELECTRICITY = Vat(Decimal("0.13"), Decimal("0.03"))
GAS = Vat(Decimal("0.09"), Decimal("0.03"))

# One row per item, a line per concern: easier to compare than one field per line.
# fmt: off
FEE_ITEMS: tuple[FeeItemSpec, ...] = (
    FeeItemSpec(
        "property_fee", LineRule.AREA, AREA, "m²/month", "m2·month",
        "6001.01", "Property fee revenue", "主营业务收入—物业费", SERVICES,
    ),
    FeeItemSpec(
        "parking", LineRule.SPACE, ("space",), "space/month", "space·month",
        "6001.02", "Parking fee revenue", "主营业务收入—停车费", SPACE_RENTAL,
    ),
    FeeItemSpec(
        "water", LineRule.METERED, ("usage",), "m³", "m3",
        "6001.03", "Water charges", "主营业务收入—水费", WATER,
    ),
    FeeItemSpec(
        "electricity", LineRule.METERED, ("usage",), "kWh", "kWh",
        "6001.04", "Electricity charges", "主营业务收入—电费", ELECTRICITY,
    ),
    FeeItemSpec(
        "shared_area", LineRule.SHARED, (), "", "share",
        "6001.05", "Shared-area charges", "主营业务收入—公摊费", SERVICES, shared_cost=True,
    ),
    FeeItemSpec(
        "public_maintenance", LineRule.AREA, AREA, "m²/month", "m2·month",
        "6001.06", "Public-area maintenance fees", "主营业务收入—公共维护费", SERVICES,
        shared_cost=True,
    ),
    FeeItemSpec(
        "greening", LineRule.AREA, AREA, "m²/month", "m2·month",
        "6001.07", "Greening fees", "主营业务收入—绿化费", SERVICES,
    ),
    FeeItemSpec(
        "security", LineRule.AREA, AREA, "m²/month", "m2·month",
        "6001.08", "Security fees", "主营业务收入—秩序维护费", SERVICES,
    ),
    FeeItemSpec(
        "gas", LineRule.METERED, ("usage",), "m³", "m3",
        "6001.09", "Gas charges", "主营业务收入—燃气费", GAS,
    ),
)
# fmt: on

SPECS: dict[str, FeeItemSpec] = {spec.item: spec for spec in FEE_ITEMS}
ITEM_NAMES: tuple[str, ...] = tuple(SPECS)
#: Every basis a rate may have, in the order of the table.
BASIS_NAMES: tuple[str, ...] = tuple(dict.fromkeys(b for s in FEE_ITEMS for b in s.bases))
SHARED_COST_ITEMS: tuple[str, ...] = tuple(s.item for s in FEE_ITEMS if s.shared_cost)
METERS: tuple[str, ...] = tuple(s.item for s in FEE_ITEMS if s.rule is LineRule.METERED)


def items_by(rule: LineRule) -> tuple[FeeItemSpec, ...]:
    """The rows charged by ``rule``, in the table's order (a bill's line order)."""
    return tuple(s for s in FEE_ITEMS if s.rule is rule)
