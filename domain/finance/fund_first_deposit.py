"""The maintenance fund's first deposit (首期交存) per m² of gross area, by local rule.

住宅专项维修资金管理办法 art. 7: a residential unit's first deposit is a
local-rule amount per m² of construction (gross) area. :class:`FirstDepositRule`
is the estate's rule as the city publishes it: a rate per m², rates of its
own for some buildings (with a lift, high-rise), the rule it cites and the
day it takes effect; a revision takes effect on its own day and never
re-assesses a unit. :class:`FirstDepositAssessment` is one unit's amount
due, assessed once: the event keeps the rate, the area and the rule, so a
later correction of the unit's area or a new rule leaves it as assessed.
The unit's fund account notes the assessment when it opens
(``FundAccount.open``) and takes deposits against it until it is paid.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.fund_rules import positive, text
from domain.finance.money import currency_of, round_money

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/fund-first-deposit")
ROUNDING = "ROUND_HALF_UP"  # to the fen (元/角/分), as round_money does
ZERO = Decimal(0)
MAX_RATE = Decimal("10000")  # per m²: beyond any city's construction cost


def first_deposit_rule_id(estate_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"rule:{estate_id}")


def first_deposit_assessment_id(unit_id: UUID) -> UUID:
    """One assessment per unit: a second would be a conflict, never a silent change."""
    return uuid5(NAMESPACE, f"unit:{unit_id}")


def assessed_amount(rate: Decimal, gross_area: Decimal, currency: str) -> Decimal:
    """The rate times the gross area, rounded half-up to the minor unit:
    48.00 per m² of 89.37 m² = 4,289.76."""
    return round_money(rate * gross_area, currency)


def first_part(
    due: Decimal | None, paid: Decimal | None, charged: Collection[Any], amount: Decimal = ZERO
) -> bool:
    """Whether money paid in now belongs to the unit's first deposit. Assessed: until
    the amount due is paid, and never beyond it (``amount`` would exceed what is
    outstanding: refused). Never assessed (accounts from before the rule): until
    the fund is first charged to the unit, as it always was."""
    if due is None:
        return not charged
    outstanding = due - (paid or ZERO)
    if outstanding and amount > outstanding:
        raise ValidationFailed(
            f"amount: the first deposit assessed is {due} and {outstanding} of it is "
            f"outstanding; {amount} would exceed it"
        )
    return outstanding > 0


def _rate(value: object, currency: str, what: str) -> Decimal:
    rate = positive(value, currency, what)
    if rate > MAX_RATE:
        raise ValidationFailed(f"{what}: at most {MAX_RATE} per m²")
    return rate


def rule_terms(
    *,
    rate: object,
    currency: str,
    building_rates: Mapping[UUID, object],
    reference: str,
    effective_on: date,
) -> dict[str, Any]:
    """A rule's terms as its event stores them (building IDs as strings: JSON keys)."""
    currency = currency_of(currency)
    return {
        "rate": _rate(rate, currency, "rate"),
        "currency": currency,
        "building_rates": {
            str(b): _rate(r, currency, f"building_rates[{b}]") for b, r in building_rates.items()
        },
        "reference": text(reference, "reference", 200),
        "effective_on": effective_on,
    }


class FirstDepositRule(Aggregate):
    """The estate's first-deposit rule and its revisions, each from its own day."""

    @staticmethod
    def create_id(estate_id: UUID, **_: Any) -> UUID:
        return first_deposit_rule_id(estate_id)

    @classmethod
    def establish(
        cls, *, estate_id: UUID, terms: Mapping[str, Any], set_by: UUID, at: datetime
    ) -> FirstDepositRule:
        """The estate's first rule (terms from :func:`rule_terms`)."""
        return cls(estate_id=estate_id, **terms, set_by=set_by, at=at)

    @event("Set")
    def __init__(
        self,
        estate_id: UUID,
        rate: Decimal,
        currency: str,
        building_rates: dict[str, Decimal],
        reference: str,
        effective_on: date,
        set_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.terms: list[dict[str, Any]] = []
        self._keep(rate, currency, building_rates, reference, effective_on)

    def revise(self, *, terms: Mapping[str, Any], set_by: UUID, at: datetime) -> None:
        """A new rule from its effective day; units assessed keep what they were assessed."""
        if any(t["effective_on"] == terms["effective_on"] for t in self.terms):
            raise InvalidTransition(
                f"effective_on: a rule from {terms['effective_on']} is already recorded"
            )
        self._revised(estate_id=self.estate_id, **terms, set_by=set_by, at=at)

    @event("Revised")
    def _revised(
        self,
        estate_id: UUID,
        rate: Decimal,
        currency: str,
        building_rates: dict[str, Decimal],
        reference: str,
        effective_on: date,
        set_by: UUID,
        at: datetime,
    ) -> None:
        self._keep(rate, currency, building_rates, reference, effective_on)

    def _keep(
        self,
        rate: Decimal,
        currency: str,
        building_rates: dict[str, Decimal],
        reference: str,
        effective_on: date,
    ) -> None:
        keys = ("rate", "currency", "building_rates", "reference", "effective_on")
        self.terms.append(
            dict(zip(keys, (rate, currency, building_rates, reference, effective_on), strict=True))
        )
        self.terms.sort(key=lambda t: t["effective_on"])

    def in_force(self, day: date) -> dict[str, Any]:
        """The terms in force on ``day``: the latest that took effect on or before it."""
        current = [t for t in self.terms if t["effective_on"] <= day]
        if not current:
            raise ValidationFailed(
                f"the first-deposit rule takes effect on {self.terms[0]['effective_on']}"
            )
        return current[-1]


class FirstDepositAssessment(Aggregate):
    """One unit's first deposit due: its gross area times the rule's rate, once."""

    @staticmethod
    def create_id(unit_id: UUID, **_: Any) -> UUID:
        return first_deposit_assessment_id(unit_id)

    @classmethod
    def assess(
        cls,
        *,
        terms: Mapping[str, Any],
        estate_id: UUID,
        unit_id: UUID,
        building_id: UUID,
        gross_area: Decimal,
        assessed_by: UUID,
        at: datetime,
    ) -> FirstDepositAssessment:
        """The unit's amount due under ``terms`` (its building's rate, else the estate's)."""
        rate = terms["building_rates"].get(str(building_id), terms["rate"])
        return cls(
            estate_id=estate_id,
            unit_id=unit_id,
            building_id=building_id,
            gross_area=gross_area,
            rate=rate,
            currency=terms["currency"],
            amount=assessed_amount(rate, gross_area, terms["currency"]),
            rounding=ROUNDING,
            rule_reference=terms["reference"],
            rule_effective_on=terms["effective_on"],
            assessed_by=assessed_by,
            at=at,
        )

    @event("Assessed")
    def __init__(
        self,
        estate_id: UUID,
        unit_id: UUID,
        building_id: UUID,
        gross_area: Decimal,
        rate: Decimal,
        currency: str,
        amount: Decimal,
        rounding: str,
        rule_reference: str,
        rule_effective_on: date,
        assessed_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.gross_area = gross_area
        self.rate = rate
        self.amount = amount
        self.currency = currency
