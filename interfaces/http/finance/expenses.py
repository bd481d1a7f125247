"""HTTP routes of expenses (R5.2): vendors, budgets, claims, payment, analysis.

Estate-scoped: a caller who does not serve a claim's or budget's estate gets
404. ``expenses:submit`` submits (and withdraws one's own claim),
``expenses:manage`` sets budgets and pays, ``finance:read`` reads lists and
the analysis. Vendors are company master data: ``vendors:manage:any``
registers, changes and deactivates them; estate staff read them with the tax
ID and bank account masked. See docs/finance/expenses.md and docs/security.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from application.approvals.service import ApprovalNotFound
from application.finance.expenses import ExpenseRecordNotFound
from domain.errors import NotEntitled
from domain.finance.expenses import CATEGORIES, mask_bank_account
from domain.finance.money import DEFAULT_CURRENCY, allocate
from domain.identity.policy import Permission, Scope, widest_scope
from interfaces.http import reads
from interfaces.http.consistency import reached
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Amount, Command, CurrencyCode, Patch, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from projections.reach import clause as reach_clause

router = APIRouter(prefix="/api/v1", tags=["finance"])

PROJECTION = "finance_expenses"
NOT_FOUND = "no such record, or not yours to see"
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


# ---- bodies and views ---------------------------------------------------------------


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


class ClaimCreated(BaseModel):
    id: UUID
    position: int
    approval_id: UUID


class VendorCreated(BaseModel):
    id: UUID
    position: int


class VendorView(BaseModel):
    vendor_id: UUID
    name: str
    tax_id: str
    bank_account: str | None  # masked: only the last 4 digits show
    contact: str | None
    categories: list[str]
    active: bool
    registered_at: datetime
    updated_at: datetime
    position: int


class BudgetLine(BaseModel):
    category: str
    budget: Decimal
    has_line: bool
    committed: Decimal
    paid: Decimal
    remaining: Decimal


class BudgetView(BaseModel):
    estate_id: UUID
    year: int
    currency: str
    set_by: UUID | None
    lines: list[BudgetLine]
    total_budget: Decimal
    total_committed: Decimal
    total_paid: Decimal
    total_remaining: Decimal


class ClaimView(BaseModel):
    claim_id: UUID
    estate_id: UUID
    vendor_id: UUID
    category: str
    amount: Decimal
    currency: str
    description: str
    incurred_on: date
    invoice_ref: str
    submitted_by: UUID
    year: int
    status: str
    approval_id: UUID
    approval_kind: str
    over_budget: bool
    remaining_before: Decimal | None
    approved_on: date | None
    paid: bool
    paid_on: date | None
    payment_ref: str | None
    payment_method: str | None
    note: str | None
    submitted_at: datetime
    updated_at: datetime
    position: int


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


class ExpenseAnalysis(BaseModel):
    estate_id: UUID
    year: int
    currency: str
    total: Decimal
    total_paid: Decimal
    total_budget: Decimal
    months: list[MonthFigures]  # the trend: 12 months, every category
    categories: list[CategoryFigures]  # the structure, and budget vs actual


# ---- helpers ------------------------------------------------------------------------


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except (ExpenseRecordNotFound, ApprovalNotFound):
        raise Problem(404, NOT_FOUND) from None
    except NotEntitled as exc:
        raise Problem(403, exc.detail, title=exc.title) from None


def _staff_reader(principal: Principal) -> None:
    """Company-wide records (vendors): staff who read finance, not owners."""
    if widest_scope(principal.permissions, "finance:read") not in (Scope.ANY, Scope.ESTATE):
        raise Problem(403, "this needs the permission finance:read:estate")


def _claim(request: Request, claim_id: UUID) -> Any:
    with refusals():
        return container(request).finance.expenses.claim(claim_id)


def _vendor_view(principal: Principal, row: dict[str, Any]) -> VendorView:
    """A vendor; its tax ID in full only to company-wide readers (finance:read:any)
    and vendor managers, masked like the bank account to estate staff."""
    view = VendorView(**row)
    full = {Permission.FINANCE_READ, Permission.VENDORS_MANAGE} & principal.permissions
    if not full:
        view.tax_id = mask_bank_account(view.tax_id) or ""
    return view


# ---- vendors ------------------------------------------------------------------------


@router.post("/finance/vendors", status_code=status.HTTP_201_CREATED)
def register_vendor(
    body: NewVendor,
    request: Request,
    principal: Principal = requires(Permission.VENDORS_MANAGE),
) -> VendorCreated:
    """Register a vendor (company-wide)."""
    vendor_id, position = container(request).finance.expenses.register_vendor(
        name=body.name,
        tax_id=body.tax_id,
        bank_account=body.bank_account,
        contact=body.contact,
        categories=list(body.categories),
    )
    return VendorCreated(id=vendor_id, position=position)


@router.get("/finance/vendors")
async def list_vendors(
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    category: Category | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[VendorView]:
    _staff_reader(principal)
    await reached(request, PROJECTION, after)
    sql = "SELECT * FROM finance_vendors WHERE true"
    params: list[Any] = []
    if category is not None:
        sql += " AND categories ? %s"
        params.append(category)
    if active is not None:
        sql += " AND active = %s"
        params.append(active)
    rows = reads.dict_rows(request, sql + " ORDER BY name, vendor_id LIMIT %s", [*params, limit])
    return [_vendor_view(principal, r) for r in rows]


@router.get("/finance/vendors/{vendor_id}")
async def get_vendor(
    vendor_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> VendorView:
    _staff_reader(principal)
    await reached(request, PROJECTION, after)
    rows = reads.dict_rows(
        request, "SELECT * FROM finance_vendors WHERE vendor_id = %s", [vendor_id]
    )
    if not rows:
        raise Problem(404, NOT_FOUND)
    return _vendor_view(principal, rows[0])


@router.patch("/finance/vendors/{vendor_id}", response_model=Accepted)
def change_vendor(
    vendor_id: UUID,
    body: VendorChange,
    request: Request,
    principal: Principal = requires(Permission.VENDORS_MANAGE),
) -> Any:
    """Change a vendor's name, bank account, contact or categories."""
    changes = body.model_dump(exclude_unset=True)
    with refusals():
        position = container(request).finance.expenses.change_vendor(
            vendor_id, changes, principal.user_id
        )
    return accepted(position)


@router.post("/finance/vendors/{vendor_id}/deactivation", response_model=Accepted)
def deactivate_vendor(
    vendor_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.VENDORS_MANAGE),
) -> Any:
    """No new claims name a deactivated vendor; its claims are still paid."""
    with refusals():
        position = container(request).finance.expenses.deactivate_vendor(
            vendor_id, body.reason, principal.user_id
        )
    return accepted(position)


# ---- budgets ------------------------------------------------------------------------


@router.put("/finance/estates/{estate_id}/budgets/{year}", response_model=Accepted)
def set_budget(
    estate_id: UUID,
    year: Year,
    body: BudgetBody,
    request: Request,
    principal: Principal = requires(Permission.EXPENSES_MANAGE_ESTATE),
) -> Any:
    """Set the year's budget lines; on an existing budget, each changed line is revised."""
    principal.check("expenses:manage", owner_id=None, estate_id=estate_id)
    with refusals():
        position = container(request).finance.expenses.set_budget(
            estate_id=estate_id,
            year=year,
            lines={str(k): v for k, v in body.lines.items()},
            currency=body.currency,
            reason=body.reason,
            by=principal.user_id,
        )
    return accepted(position)


def _budget_rows(request: Request, estate_id: UUID, year: int) -> list[dict[str, Any]]:
    return reads.dict_rows(
        request,
        "SELECT * FROM finance_budgets WHERE estate_id = %s AND year = %s ORDER BY category",
        [estate_id, year],
    )


@router.get("/finance/estates/{estate_id}/budgets/{year}")
async def get_budget(
    estate_id: UUID,
    year: Year,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> BudgetView:
    """Each category's line: budget, committed (approved), paid, remaining."""
    principal.check("finance:read", owner_id=None, estate_id=estate_id)
    await reached(request, PROJECTION, after)
    rows = _budget_rows(request, estate_id, year)
    if not rows:
        raise Problem(404, "no budget for this estate and year")
    by_category = {r["category"]: r for r in rows}
    lines = []
    for category in CATEGORIES:
        r = by_category.get(category)
        if r is None:
            continue
        lines.append(
            BudgetLine(
                category=category,
                budget=r["budget"],
                has_line=r["has_line"],
                committed=r["committed"],
                paid=r["paid"],
                remaining=r["budget"] - r["committed"],
            )
        )
    zero = Decimal(0)
    return BudgetView(
        estate_id=estate_id,
        year=year,
        currency=rows[0]["currency"],
        set_by=rows[0]["set_by"],
        lines=lines,
        total_budget=sum((line.budget for line in lines), zero),
        total_committed=sum((line.committed for line in lines), zero),
        total_paid=sum((line.paid for line in lines), zero),
        total_remaining=sum((line.remaining for line in lines), zero),
    )


# ---- claims -------------------------------------------------------------------------


@router.post("/finance/expenses", status_code=status.HTTP_201_CREATED)
def submit_claim(
    body: NewClaim,
    request: Request,
    principal: Principal = requires(Permission.EXPENSES_SUBMIT_ESTATE),
) -> ClaimCreated:
    """Submit a claim; its approval opens at once (and may be approved at once)."""
    principal.check("expenses:submit", owner_id=None, estate_id=body.estate_id)
    with refusals():
        claim_id, approval_id, position = container(request).finance.expenses.submit_claim(
            **body.model_dump(), submitted_by=principal.user_id
        )
    return ClaimCreated(id=claim_id, position=position, approval_id=approval_id)


@router.get("/finance/expenses")
async def list_claims(
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    estate_id: UUID | None = None,
    status_: Annotated[str | None, Query(alias="status", max_length=30)] = None,
    category: Category | None = None,
    vendor_id: UUID | None = None,
    year: Year | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[ClaimView]:
    """Claims of the caller's estates, newest first."""
    await reached(request, PROJECTION, after)
    where, params = reach_clause(principal.reach("finance:read"), "estate_id")
    sql = f"SELECT * FROM finance_expenses WHERE {where}"
    filters = (
        ("estate_id", estate_id),
        ("status", status_),
        ("category", category),
        ("vendor_id", vendor_id),
        ("year", year),
    )
    for column, value in filters:
        if value is not None:
            sql += f" AND {column} = %s"
            params.append(value)
    rows = reads.dict_rows(
        request, sql + " ORDER BY submitted_at DESC, position DESC LIMIT %s", [*params, limit]
    )
    return [ClaimView(**r) for r in rows]


@router.get("/finance/expenses/{claim_id}")
async def get_claim(
    claim_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ClaimView:
    await reached(request, PROJECTION, after)
    rows = reads.dict_rows(
        request, "SELECT * FROM finance_expenses WHERE claim_id = %s", [claim_id]
    )
    if not rows:
        raise Problem(404, NOT_FOUND)
    view = ClaimView(**rows[0])
    principal.check("finance:read", owner_id=None, estate_id=view.estate_id)
    return view


@router.post("/finance/expenses/{claim_id}/payment", response_model=Accepted)
def pay_claim(
    claim_id: UUID,
    body: Payment,
    request: Request,
    principal: Principal = requires(Permission.EXPENSES_MANAGE_ESTATE),
) -> Any:
    """Pay the vendor of an approved claim (409 if not approved, or already paid)."""
    claim = _claim(request, claim_id)
    principal.check("expenses:manage", owner_id=None, estate_id=claim.estate_id)
    with refusals():
        position = container(request).finance.expenses.pay_claim(
            claim_id, payment_ref=body.payment_ref, method=body.method, by=principal.user_id
        )
    return accepted(position)


@router.post("/finance/expenses/{claim_id}/withdrawal", response_model=Accepted)
def withdraw_claim(
    claim_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.EXPENSES_SUBMIT_ESTATE),
) -> Any:
    """The submitter (or an expense manager of the estate) withdraws a claim awaiting approval."""
    claim = _claim(request, claim_id)
    principal.check("expenses:submit", owner_id=None, estate_id=claim.estate_id)
    own = claim.submitted_by == principal.user_id
    if not own and not principal.may("expenses:manage", owner_id=None, estate_id=claim.estate_id):
        raise Problem(403, "only the submitter or an expense manager withdraws a claim")
    with refusals():
        position = container(request).finance.expenses.withdraw_claim(
            claim_id, principal.user_id, body.reason
        )
    return accepted(position)


# ---- analysis -----------------------------------------------------------------------


@router.get("/finance/estates/{estate_id}/expense-analysis")
async def expense_analysis(
    estate_id: UUID,
    request: Request,
    year: Year,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    currency: CurrencyCode | None = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ExpenseAnalysis:
    """Trend (each month's approved expenses by category), structure (each category's
    share of the year) and budget vs actual, for claims incurred in ``year``."""
    principal.check("finance:read", owner_id=None, estate_id=estate_id)
    await reached(request, PROJECTION, after)
    budget_rows = _budget_rows(request, estate_id, year)
    if currency is None:
        currency = budget_rows[0]["currency"] if budget_rows else DEFAULT_CURRENCY
    budgets = {r["category"]: r["budget"] for r in budget_rows if r["currency"] == currency}
    rows = reads.rows(
        request,
        "SELECT EXTRACT(MONTH FROM incurred_on)::int AS month, category, sum(amount), "
        "sum(amount) FILTER (WHERE paid) FROM finance_expenses WHERE estate_id = %s "
        "AND year = %s AND currency = %s AND status IN ('approved', 'paid') "
        "GROUP BY 1, 2",
        [estate_id, year, currency],
    )
    zero = Decimal(0)
    months = {m: dict.fromkeys(CATEGORIES, zero) for m in range(1, 13)}
    actual = dict.fromkeys(CATEGORIES, zero)
    paid = dict.fromkeys(CATEGORIES, zero)
    for month, category, amount, paid_amount in rows:
        months[month][category] += amount
        actual[category] += amount
        paid[category] += paid_amount or zero
    total = sum(actual.values(), zero)
    weights = [actual[c] for c in CATEGORIES]
    shares = (
        allocate(Decimal("100.00"), weights, "CNY") if total > 0 else [zero for _ in CATEGORIES]
    )
    categories = []
    for category, share in zip(CATEGORIES, shares, strict=True):
        budget = budgets.get(category, zero)
        categories.append(
            CategoryFigures(
                category=category,
                actual=actual[category],
                paid=paid[category],
                share=share,
                budget=budget,
                remaining=budget - actual[category],
                used_percent=(actual[category] * 100 / budget).quantize(Decimal("0.01"))
                if budget > 0
                else None,
            )
        )
    return ExpenseAnalysis(
        estate_id=estate_id,
        year=year,
        currency=currency,
        total=total,
        total_paid=sum(paid.values(), zero),
        total_budget=sum(budgets.values(), zero),
        months=[
            MonthFigures(month=m, total=sum(by.values(), zero), by_category=by)
            for m, by in months.items()
        ],
        categories=categories,
    )
