"""Bodies and views of the expense routes (R5.2): what the API accepts and answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.finance.expense_rules import CATEGORIES
from domain.finance.money import DEFAULT_CURRENCY
from interfaces.http.schemas import Amount, Command, CurrencyCode, OpensApproval, Patch
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.finance import views as finance_views
from projections.finance.views import AnalysisView, ClaimRow, VendorRow

Category = Literal[
    "repairs",
    "maintenance",
    "utilities",
    "cleaning",
    "greening",
    "security",
    "salaries",
    "supplies",
    "insurance",
    "other",
]
assert set(Category.__args__) == set(CATEGORIES)  # type: ignore[attr-defined]
Year = Annotated[int, Field(ge=2000, le=2100)]
Reason = Annotated[str, MultiLine(500)]


class NewVendor(Command):
    name: Annotated[str, SingleLine(200)]
    tax_id: Annotated[str, SingleLine(18, pattern="^[0-9A-Z]{18}$")]
    bank_account: Annotated[str, SingleLine(40, min_length=4)]
    contact: Annotated[str, SingleLine(200, min_length=0)] | None = None
    categories: Annotated[list[Category], Field(min_length=1, max_length=10)]


class VendorChange(Patch):
    clearable = frozenset({"contact"})

    name: Annotated[str, SingleLine(200)] | None = None
    bank_account: Annotated[str, SingleLine(40, min_length=4)] | None = None
    contact: Annotated[str, SingleLine(200, min_length=0)] | None = None
    categories: Annotated[list[Category], Field(min_length=1, max_length=10)] | None = None


class WithReason(Command):
    reason: Reason


class BudgetBody(Command):
    lines: dict[Category, Amount]
    currency: CurrencyCode = DEFAULT_CURRENCY
    reason: Reason | None = None


class NewClaim(Command):
    estate_id: UUID
    vendor_id: UUID
    category: Category
    amount: Amount
    currency: CurrencyCode = DEFAULT_CURRENCY
    description: Annotated[str, MultiLine(2000)]
    incurred_on: date
    invoice_ref: Annotated[str, SingleLine(100)]


class Payment(Command):
    method: Literal["bank_transfer", "cash"]
    payment_ref: Annotated[str, SingleLine(100)]


class ClaimCreated(OpensApproval):
    id: UUID
    position: int


class VendorCreated(BaseModel):
    id: UUID
    position: int


# bank_account masked: only the last 4 digits show (and tax_id to estate staff)
@from_view(VendorRow, rename={"vendor_id": "id"})
class VendorView(BaseModel):
    pass


class BudgetLine(BaseModel):
    category: str
    budget: Decimal
    has_line: bool
    committed: Decimal
    paid: Decimal
    remaining: Decimal


@from_view(finance_views.BudgetView, retype={"lines": list[BudgetLine]})
class BudgetView(BaseModel):
    pass


@from_view(ClaimRow, rename={"claim_id": "id"})
class ClaimView(BaseModel):
    pass


class MonthFigures(BaseModel):
    month: int
    total: Decimal
    by_category: dict[str, Decimal]


class CategoryFigures(BaseModel):
    category: str
    actual: Decimal  # approved claims incurred in the year (paid or not)
    paid: Decimal
    share: Decimal  # percent of the year's actual, 2 decimals; the shares add up to 100
    budget: Decimal
    remaining: Decimal  # budget - actual
    used_percent: Decimal | None  # actual / budget, percent; None without a budget


@from_view(
    AnalysisView,
    retype={
        "months": list[MonthFigures],  # the trend: 12 months, every category
        "categories": list[CategoryFigures],  # the structure, and budget vs actual
    },
)
class ExpenseAnalysis(BaseModel):
    pass
