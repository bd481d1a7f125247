"""The values of a fee schedule: fee items and their bases, rates, terms, shared costs.

What the billing run reads of a :class:`~domain.finance.rates.FeeSchedule`,
and the checks its commands apply to what they are given. The aggregates
(and so their stored events) stay in ``rates.py``, which re-exports these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import DomainError, ValidationFailed
from domain.finance.fee_items import AREA, FEE_ITEMS, ITEM_NAMES
from domain.finance.money import DEFAULT_CURRENCY, decimal_of
from domain.finance.periods import check_period

APPROVAL_KIND = "rate_change"
RATE_PLACES = 4
READING_PLACES = 4
MAX_RATE = Decimal("1000000")
MAX_READINGS = 5000
LOOK_BACK_PERIODS = 12

SCHEDULE_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/fee-schedules")
READINGS_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/meter-readings")


#: What a bill line charges for: the items of the spec table (``fee_items.py``).
FeeItem = StrEnum("FeeItem", {name.upper(): name for name in ITEM_NAMES})  # type: ignore[misc]
FeeItem.__doc__ = "What a bill line charges for: a row of ``fee_items.FEE_ITEMS``."

# Per item, the bases a rate may be measured on (the default first) and what
# it is a price of; shared-area charges have no rate (split over the units).
BASES: dict[str, tuple[str, ...]] = {spec.item: spec.bases for spec in FEE_ITEMS}
MEASURES: dict[str, str] = {spec.item: spec.measure for spec in FEE_ITEMS if spec.measure}
AREA_BASES = AREA


class ChangeStatus(StrEnum):
    PENDING = "pending"
    ADOPTED = "adopted"
    REJECTED = "rejected"


class RecordNotFound(DomainError):
    """The fee schedule has no such change or shared cost (answers 404)."""

    title = "No such record"


# ---- what the billing run reads ----------------------------------------------


@dataclass(frozen=True)
class Rate:
    """The rate of one item in force for a period."""

    item: str
    rate: Decimal
    currency: str
    basis: str
    effective_from: date
    change_id: UUID


@dataclass(frozen=True)
class BillingTerms:
    """When a bill falls due, whether and how late fees (违约金) accrue on it, and in
    which order a payment settles them (decision 0022).

    A late fee is charged only where the service contract provides for one: the
    default daily rate is 0, so an estate whose terms were never set, or set
    without a rate, charges none.
    """

    due_days: int = 15
    late_fee_daily_rate: Decimal = Decimal(0)
    late_fee_grace_days: int = 0
    late_fee_cap_ratio: Decimal = Decimal(1)
    currency: str = DEFAULT_CURRENCY
    settlement_order: str = "art_561"  # or "principal_first" (domain/finance/settlement.py)


@dataclass(frozen=True)
class SharedCost:
    """A cost of one period to split over the estate's units by area."""

    cost_id: UUID
    item: str
    description: str
    amount: Decimal
    currency: str
    basis: str


def schedule_id(estate_id: UUID) -> UUID:
    return uuid5(SCHEDULE_NAMESPACE, str(estate_id))


def readings_id(estate_id: UUID, period: str) -> UUID:
    return uuid5(READINGS_NAMESPACE, f"{estate_id}/{check_period(period)}")


# ---- values -------------------------------------------------------------------


def fee_item(value: str) -> str:
    try:
        return FeeItem(value).value
    except ValueError:
        raise ValidationFailed(
            f"item: {value!r} is not one of {', '.join(i.value for i in FeeItem)}"
        ) from None


def default_basis(item: str) -> str:
    bases = BASES[fee_item(item)]
    if not bases:
        raise ValidationFailed(f"{item} has no rate: shared costs are split by area")
    return bases[0]


def check_rate(value: object) -> Decimal:
    """A positive price with at most four decimal places."""
    rate = decimal_of(value, "rate")
    if rate <= 0 or rate >= MAX_RATE:
        raise ValidationFailed(f"rate: must be above 0 and below {MAX_RATE}")
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise ValidationFailed(f"rate: at most {RATE_PLACES} decimal places, got {rate}")
    return rate.quantize(Decimal(1).scaleb(-RATE_PLACES))


def text_of(value: str | None, what: str, longest: int) -> str:
    text = (value or "").strip()
    if not 1 <= len(text) <= longest:
        raise ValidationFailed(f"{what}: 1-{longest} characters")
    return text


def ratio_of(value: object, what: str, low: Decimal, high: Decimal) -> Decimal:
    number = decimal_of(value, what)
    if not low <= number <= high:
        raise ValidationFailed(f"{what}: between {low} and {high}")
    if number != number.quantize(Decimal("0.000001")):
        raise ValidationFailed(f"{what}: at most 6 decimal places")
    return number


def days_of(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(f"{what}: a whole number of days from {low} to {high}")
    return value


def check_reading(value: object) -> Decimal:
    reading = decimal_of(value, "reading")
    if reading < 0:
        raise ValidationFailed("reading: must not be negative")
    if reading != reading.quantize(Decimal(1).scaleb(-READING_PLACES)):
        raise ValidationFailed(f"reading: at most {READING_PLACES} decimal places")
    return reading
