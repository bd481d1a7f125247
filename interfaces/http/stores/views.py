"""Bodies and views of the stores routes (issue 17): what the API accepts and answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.finance.money import DEFAULT_CURRENCY
from domain.stores.rules import Category, Unit
from interfaces.http.schemas import (
    Amount,
    Command,
    Created,
    CurrencyCode,
    NumberedCreated,
    OpensApproval,
)
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.stores.queries import (
    MovementRow,
    OrderPartRow,
    PartRow,
    RequestRow,
    StockRow,
    StocktakeRow,
    StoreRow,
)

Code = Annotated[str, SingleLine(32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
UnitName = Literal["piece", "set", "box", "metre", "litre", "kilogram", "roll"]
CategoryName = Literal[
    "electrical", "plumbing", "hardware", "hvac", "lift", "fire", "cleaning", "greening", "other"
]
assert set(UnitName.__args__) == {u.value for u in Unit}  # type: ignore[attr-defined]
assert set(CategoryName.__args__) == {c.value for c in Category}  # type: ignore[attr-defined]
RequestStatus = Literal[
    "awaiting_approval", "approved", "partially_received", "received", "rejected", "withdrawn"
]
StocktakeStatus = Literal["awaiting_approval", "balanced", "approved", "rejected"]
Quantity = Annotated[Amount, Field(gt=0, decimal_places=3)]


class NewPart(Command):
    code: Code
    name: Annotated[str, SingleLine(200)]
    name_zh: Annotated[str, SingleLine(200)]
    unit: UnitName
    category: CategoryName


class NewStore(Command):
    estate_id: UUID
    code: Code
    name: Annotated[str, SingleLine(200)]
    currency: CurrencyCode = DEFAULT_CURRENCY


class ReorderLevel(Command):
    part_id: UUID
    level: Annotated[Amount, Field(decimal_places=3)]


class PartQuantity(Command):
    part_id: UUID
    quantity: Quantity


class PricedQuantity(PartQuantity):
    unit_price: Annotated[Amount, Field(decimal_places=2)]


class Counted(Command):
    part_id: UUID
    counted: Annotated[Amount, Field(decimal_places=3)]


class NewPurchaseRequest(Command):
    lines: Annotated[list[PricedQuantity], Field(min_length=1, max_length=50)]
    reason: Annotated[str, MultiLine(1000)]
    currency: CurrencyCode = DEFAULT_CURRENCY


class Receipt(Command):
    vendor_id: UUID
    lines: Annotated[list[PricedQuantity], Field(min_length=1, max_length=50)]


class PartsToOrder(Command):
    order_id: UUID
    lines: Annotated[list[PartQuantity], Field(min_length=1, max_length=50)]


class Count(Command):
    lines: Annotated[list[Counted], Field(min_length=1, max_length=200)]
    note: Annotated[str, MultiLine(1000, min_length=0)] = ""


class PurchaseCreated(NumberedCreated, OpensApproval):
    """The request and its number, and the approval it opened (decision 0050's number
    beside each ID)."""


class StocktakeCreated(Created):
    approval_id: UUID | None = Field(description="null: the count agrees with the books")
    approval_number: str | None = Field(
        default=None,
        description="the approval's number people say (decision 0050); null with approval_id",
        examples=["HVG-AP-2026-000001"],
    )


@from_view(PartRow)
class PartView(BaseModel):
    """A part of the catalogue (company-wide)."""


@from_view(StoreRow)
class StoreView(BaseModel):
    """A store of an estate; ``value`` is its stock at moving-average cost."""


@from_view(StockRow)
class StockLine(BaseModel):
    """A part's stock in a store: on hand, its value, the average cost, the reorder level."""


@from_view(MovementRow)
class StockMovement(BaseModel):
    """A line of the stock card (库存台账): signed quantity and amount."""


class RequestLine(BaseModel):
    part_id: UUID
    quantity: Decimal
    unit_price: Decimal


@from_view(RequestRow, drop=("submitted_position",), retype={"lines": list[RequestLine]})
class PurchaseRequestView(BaseModel):
    """A purchase request, its approval and what was received (part -> quantity)."""


class StocktakeLine(BaseModel):
    part_id: UUID
    counted: Decimal
    book: Decimal
    difference: Decimal


@from_view(StocktakeRow, drop=("recorded_position",), retype={"lines": list[StocktakeLine]})
class StocktakeView(BaseModel):
    """A stocktake: each part counted against the books, and its approval."""


@from_view(OrderPartRow, drop=("order_id", "estate_id"))
class OrderPart(BaseModel):
    """A part issued to the order less what came back, at its cost."""


class OrderPartsView(BaseModel):
    """A work order's parts and their cost, from the store's issues and returns."""

    order_id: UUID
    estate_id: UUID
    cost: Decimal
    currency: str
    parts: list[OrderPart]
