"""Request bodies and views of the fee-schedule routes (``rates.py``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, Field

from domain.finance import fee_items
from domain.finance.rates import FeeItem
from interfaces.http.schemas import (
    Amount,
    Command,
    Count,
    Created,
    CurrencyCode,
    OpensApproval,
    Period,
)
from interfaces.http.text import MultiLine, SingleLine, ascii_decimal
from interfaces.http.views import from_view
from projections.finance import views

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
    """An owners' assembly vote as its minutes record it (areas in m²). The estate's
    totals are the registry's on ``meeting_on``; stated, they must agree."""

    reference: Annotated[str, SingleLine(100)]
    meeting_on: date
    total_area: Amount | None = None
    total_owners: Annotated[Count, Field(ge=1)] | None = None
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


class RateChangeCreated(Created, OpensApproval):
    pass


class TermsIn(Command):
    due_days: Annotated[int, Field(ge=1, le=365)] = 15
    late_fee_daily_rate: Ratio = Field(
        default=Decimal(0),
        description="the contract's late fee (违约金) a day, e.g. 0.0005; 0: the contract "
        "provides for none, and no late fee is charged",
    )
    late_fee_grace_days: Annotated[int, Field(ge=0, le=365)] = 0
    late_fee_cap_ratio: Ratio = Decimal(1)
    currency: CurrencyCode = "CNY"
    settlement_order: Literal["art_561", "principal_first"] = "art_561"


class VacancyPayerIn(Command):
    person_id: UUID


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


@from_view(views.RateRow)
class RateView(BaseModel):
    pass


@from_view(views.RateChangeRow, rename={"change_id": "id"}, drop=("estate_id", "adopted_position"))
class ChangeView(BaseModel):
    pass


class TermsView(BaseModel):
    due_days: int
    late_fee_daily_rate: Decimal
    late_fee_grace_days: int
    late_fee_cap_ratio: Decimal
    currency: str
    settlement_order: str = Field(
        description="art_561: late fees, then principal (Civil Code art. 561); or principal_first"
    )
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
    vacancy_payer_id: UUID | None = Field(
        default=None, description="who vacant units are billed to (空置房); none named: null"
    )


@from_view(views.SharedCostRow, rename={"cost_id": "id"})
class SharedCostView(BaseModel):
    pass


@from_view(views.ReadingRow)
class ReadingView(BaseModel):
    pass


class UsageView(BaseModel):
    """A unit's usage of each metered item (``fee_items.METERS``) in the period."""

    unit_id: UUID
    water: Decimal | None
    electricity: Decimal | None
    gas: Decimal | None


class ReadingsView(BaseModel):
    period: str
    readings: list[ReadingView]
    usage: list[UsageView] = Field(description="units with usage; a first reading is a baseline")
