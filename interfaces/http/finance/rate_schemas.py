"""Request bodies and views of the fee-schedule routes (``rates.py``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, Field

from domain.finance import fee_items
from domain.finance.rates import FeeItem
from interfaces.http.schemas import Amount, Command, Count, Created, CurrencyCode, Period
from interfaces.http.text import MultiLine, SingleLine, ascii_decimal

Reason = Annotated[str, MultiLine(500)]

# The choices of the fee items' table (domain/finance/fee_items.py), as literals
# so the OpenAPI document lists them inline; a type checker sees plain strings.
if TYPE_CHECKING:
    RateBasis: TypeAlias = str
    SharedCostItem: TypeAlias = str
    AreaBasis: TypeAlias = str
    Meter: TypeAlias = str
else:
    RateBasis = Literal[fee_items.BASIS_NAMES]
    SharedCostItem = Literal[fee_items.SHARED_COST_ITEMS]
    AreaBasis = Literal[fee_items.AREA]
    Meter = Literal[fee_items.METERS]


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('send ratios as decimal strings, e.g. "0.0005", never as floats')
    return value


Ratio = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    BeforeValidator(ascii_decimal),
    Field(max_digits=12, decimal_places=6, ge=0, le=1),
]


# ---- bodies and views ------------------------------------------------------------


class ResolutionIn(Command):
    """An owners' assembly vote as its minutes record it (areas in m²)."""

    reference: Annotated[str, SingleLine(100)]
    meeting_on: date
    total_area: Amount
    total_owners: Annotated[Count, Field(ge=1)]
    participating_area: Amount
    participating_owners: Count
    area_for: Amount
    owners_for: Count


class RateChangeIn(Command):
    item: FeeItem
    rate: Amount = Field(description="price per measure, up to 4 decimal places")
    currency: CurrencyCode = "CNY"
    basis: RateBasis | None = Field(
        default=None, description="default: gross for per-area items, space, usage"
    )
    effective_from: date = Field(description="the first day of a month")
    resolution: ResolutionIn | None = None
    contract_reference: Annotated[str, SingleLine(100)] | None = None


class RateChangeCreated(Created):
    approval_id: UUID


class TermsIn(Command):
    due_days: Annotated[int, Field(ge=1, le=365)] = 15
    late_fee_daily_rate: Ratio = Decimal("0.0005")
    late_fee_grace_days: Annotated[int, Field(ge=0, le=365)] = 0
    late_fee_cap_ratio: Ratio = Decimal(1)
    currency: CurrencyCode = "CNY"


class SharedCostIn(Command):
    period: Period
    item: SharedCostItem = "shared_area"
    description: Annotated[str, MultiLine(500)]
    amount: Amount
    currency: CurrencyCode = "CNY"
    basis: AreaBasis = "gross"


class WithReason(Command):
    reason: Reason


class ReadingIn(Command):
    unit_id: UUID
    meter: Meter
    reading: Amount
    read_on: date


class ReadingsIn(Command):
    period: Period
    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=5000)]


class RateView(BaseModel):
    item: str
    rate: Decimal
    currency: str
    basis: str
    effective_from: date
    change_id: UUID


class ChangeView(BaseModel):
    change_id: UUID
    item: str
    rate: Decimal
    currency: str
    basis: str
    effective_from: date
    resolution: dict[str, Any] | None
    contract_reference: str | None
    approval_id: UUID
    proposed_by: UUID
    proposed_at: datetime
    status: str
    outcome: str | None
    decided_at: datetime | None


class TermsView(BaseModel):
    due_days: int
    late_fee_daily_rate: Decimal
    late_fee_grace_days: int
    late_fee_cap_ratio: Decimal
    currency: str
    configured: bool
    updated_at: datetime | None


class FeeScheduleView(BaseModel):
    estate_id: UUID
    current_period: str
    in_force_now: list[RateView]
    period: str
    in_force: list[RateView]
    pending: list[ChangeView]
    terms: TermsView
    history: list[ChangeView]


class SharedCostView(BaseModel):
    cost_id: UUID
    period: str
    item: str
    description: str
    amount: Decimal
    currency: str
    basis: str
    status: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class ReadingView(BaseModel):
    unit_id: UUID
    meter: str
    reading: Decimal
    read_on: date
    recorded_at: datetime


class UsageView(BaseModel):
    unit_id: UUID
    water: Decimal | None
    electricity: Decimal | None


class ReadingsView(BaseModel):
    period: str
    readings: list[ReadingView]
    usage: list[UsageView] = Field(description="units with usage; a first reading is a baseline")
