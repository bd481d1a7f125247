"""How a bill's lines are taxed and booked: VAT (增值税) and pass-through money (代收代付).

Each estate sets, from the first day of a month on, its **taxpayer status**
(一般纳税人 ``general`` or 小规模纳税人 ``small_scale``) and, per fee item, the
VAT rate of its lines and their **treatment**: ``revenue`` (the company's
income, split into net revenue and output VAT) or ``pass_through`` (water,
electricity or gas collected for the utility: 其他应付款—代收水电费, no VAT, no
revenue). Prices are tax-inclusive (含税价): net = round(gross / (1 + rate)),
tax = gross - net, per line. An estate that never set them bills as before
this setting existed: no VAT, every line revenue (decision 0023).

One ``TaxSettings`` aggregate per estate; its events are kept forever (plain
strings, dates and a dict of items to ``{"treatment", "vat_rate"}``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed
from domain.finance.bills import ZERO, BillLine
from domain.finance.fee_items import FEE_ITEMS, ITEM_NAMES, METERS
from domain.finance.money import round_money

TAX_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/tax-settings")


class Taxpayer(StrEnum):
    GENERAL = "general"  # 一般纳税人
    SMALL_SCALE = "small_scale"  # 小规模纳税人, simplified method (简易计税)


class Treatment(StrEnum):
    REVENUE = "revenue"
    PASS_THROUGH = "pass_through"  # noqa: S105 (代收代付: a liability to the utility, not a secret)


#: The VAT rates and levy rates (征收率) a line may carry.
VAT_RATES = tuple(Decimal(r) for r in ("0", "0.01", "0.03", "0.05", "0.06", "0.09", "0.13"))
#: Items whose lines may be money collected for someone else (the utilities').
PASS_THROUGH_ITEMS = METERS

#: Rates an item takes when the estate names none for it: its row's in the fee
#: items' table (``fee_items.py``: property services 6 %, parking 9 %, water
#: 9 %, electricity 13 %, gas 9 %; a small-scale taxpayer's 3 % levy rate, 5 %
#: for renting out a space).
DEFAULT_RATES: dict[Taxpayer, dict[str, Decimal]] = {
    Taxpayer.GENERAL: {spec.item: spec.vat.general for spec in FEE_ITEMS},
    Taxpayer.SMALL_SCALE: {spec.item: spec.vat.small_scale for spec in FEE_ITEMS},
}


@dataclass(frozen=True)
class ItemTax:
    treatment: Treatment = Treatment.REVENUE
    vat_rate: Decimal = ZERO

    def applied(self, line: BillLine, currency: str) -> BillLine:
        """``line`` with its tax: net = round(gross / (1 + rate)), tax = gross - net."""
        net = round_money(line.amount / (1 + self.vat_rate), currency)
        return replace(
            line, vat_rate=self.vat_rate, tax=line.amount - net, treatment=str(self.treatment)
        )


def tax_settings_id(estate_id: UUID) -> UUID:
    return uuid5(TAX_NAMESPACE, str(estate_id))


def item_taxes(taxpayer: str, items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every fee item's treatment and rate: those given, the taxpayer's defaults for
    the rest. A pass-through line carries no VAT; an unknown item or rate is refused."""
    try:
        status = Taxpayer(taxpayer)
    except ValueError:
        raise ValidationFailed(f"taxpayer: one of {', '.join(Taxpayer)}") from None
    unknown = sorted(set(items) - set(ITEM_NAMES))
    if unknown:
        raise ValidationFailed(f"items: no fee item {', '.join(unknown)}")
    out: dict[str, dict[str, Any]] = {}
    for item in ITEM_NAMES:
        given = items.get(item, {})
        try:
            treatment = Treatment(given.get("treatment") or Treatment.REVENUE)
        except ValueError:
            raise ValidationFailed(f"items.{item}.treatment: revenue or pass_through") from None
        rate = given.get("vat_rate")
        if treatment is Treatment.PASS_THROUGH:
            if item not in PASS_THROUGH_ITEMS:
                raise ValidationFailed(
                    f"items.{item}.treatment: only {', '.join(PASS_THROUGH_ITEMS)} "
                    "may be collected for someone else"
                )
            if rate is not None and Decimal(rate) != 0:
                raise ValidationFailed(f"items.{item}.vat_rate: a pass-through line has no VAT")
            rate = ZERO
        rate = DEFAULT_RATES[status][item] if rate is None else Decimal(rate)
        if rate not in VAT_RATES:
            raise ValidationFailed(
                f"items.{item}.vat_rate: one of {', '.join(str(r) for r in VAT_RATES)}"
            )
        out[item] = {"treatment": str(treatment), "vat_rate": rate}
    return out


def defaults_of(taxpayer: str) -> dict[str, dict[str, Any]]:
    """Every fee item as revenue at the taxpayer's default rate. A setting stored
    before an item was added to the table (gas, decision 0064) said "the
    taxpayer's defaults for the rest": it bills that item so, never untaxed."""
    rates = DEFAULT_RATES[Taxpayer(taxpayer)]
    return {item: {"treatment": str(Treatment.REVENUE), "vat_rate": rates[item]} for item in rates}


class TaxSettings(Aggregate):
    """One estate's VAT status and per-item treatment, each from a month on."""

    class_version = 2  # 2: a setting names the items added to the table since (0064)

    @staticmethod
    def create_id(estate_id: UUID, **_: Any) -> UUID:
        return tax_settings_id(estate_id)

    @event("Opened")
    def __init__(self, estate_id: UUID, at: datetime) -> None:
        self.estate_id = estate_id
        self.settings: list[dict[str, Any]] = []  # by effective_from; few: one a change

    def set(
        self,
        *,
        taxpayer: str,
        items: dict[str, dict[str, Any]],
        effective_from: date,
        today: date,
        by: UUID,
        at: datetime,
    ) -> None:
        """From ``effective_from`` (a month's first day, not before this month) on,
        bills are taxed as ``items`` say (the rest: the taxpayer's defaults)."""
        if effective_from.day != 1:
            raise ValidationFailed("effective_from: the first day of a month")
        if effective_from < today.replace(day=1):
            raise ValidationFailed("effective_from: not before the current month")
        self._set(
            taxpayer=taxpayer,
            items=item_taxes(taxpayer, items),
            effective_from=effective_from,
            set_by=by,
            at=at,
        )

    @event("Set")
    def _set(
        self,
        taxpayer: str,
        items: dict[str, dict[str, Any]],
        effective_from: date,
        set_by: UUID,
        at: datetime,
    ) -> None:
        kept = [s for s in self.settings if s["effective_from"] != effective_from]
        items = {**defaults_of(taxpayer), **items}  # the items added since it was set
        setting = {"taxpayer": taxpayer, "items": items, "effective_from": effective_from}
        self.settings = sorted([*kept, setting], key=lambda s: s["effective_from"])

    def in_force(self, first_day: date) -> dict[str, Any] | None:
        """The setting in force on ``first_day`` (a period's), None before the first."""
        found = [s for s in self.settings if s["effective_from"] <= first_day]
        return found[-1] if found else None


def taxes_of(setting: dict[str, Any] | None) -> dict[str, ItemTax]:
    """Per item, how its lines are taxed; no setting: revenue, no VAT (as before)."""
    if setting is None:
        return {}
    return {
        item: ItemTax(Treatment(t["treatment"]), Decimal(t["vat_rate"]))
        for item, t in setting["items"].items()
    }


def taxed(lines: list[BillLine], taxes: dict[str, ItemTax], currency: str) -> list[BillLine]:
    """The bill's lines with each item's tax and treatment (as before: untaxed revenue)."""
    return [
        taxes[line.item].applied(line, currency) if line.item in taxes else line for line in lines
    ]
