"""HTTP routes of expenses (R5.2): vendors, budgets, claims, payment, analysis.

Estate-scoped: a caller who does not serve a claim's or budget's estate gets
404 (the handlers and the read model's queries decide). ``expenses:submit``
submits (and withdraws one's own claim), ``expenses:manage`` sets budgets and
pays, ``finance:read`` reads lists and the analysis. Vendors are company
master data: ``vendors:manage:any`` registers, changes and deactivates them;
estate staff read them with the tax ID and bank account masked. See
docs/finance/expenses.md and docs/security.md.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.finance.expenses import (
    ChangeVendor,
    DeactivateVendor,
    PayClaim,
    RegisterVendor,
    SetBudget,
    SubmitClaim,
    WithdrawClaim,
)
from domain.finance.expense_rules import mask_bank_account
from domain.finance.expenses import ClaimStatus
from domain.identity.policy import Permission, Scope, widest_scope
from interfaces.http.approvals import approval_number
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.finance.expenses.views import (
    BudgetBody,
    BudgetView,
    Category,
    ClaimCreated,
    ClaimView,
    ExpenseAnalysis,
    NewClaim,
    NewVendor,
    Payment,
    VendorChange,
    VendorCreated,
    VendorView,
    WithReason,
    Year,
)
from interfaces.http.problems import Problem
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Accepted, CurrencyCode, Cursor, Page, accepted, paged, priced
from interfaces.http.security import Principal, container, requires
from projections.finance import expenses as queries
from projections.finance.views import VendorRow

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["finance"])

PROJECTION = queries.NAME
After = Annotated[int | None, Query(ge=0)]


def _staff_reader(principal: Principal) -> None:
    """Company-wide records (vendors): staff who read finance, not owners."""
    if widest_scope(principal.permissions, "finance:read") not in (Scope.ANY, Scope.ESTATE):
        raise Problem(403, "this needs the permission finance:read:estate")


def _vendor_view(principal: Principal, row: VendorRow) -> VendorView:
    """A vendor; its tax ID in full only to company-wide readers (finance:read:any)
    and vendor managers, masked like the bank account to estate staff."""
    full = {Permission.FINANCE_READ, Permission.VENDORS_MANAGE} & principal.permissions
    if not full:
        row = {**row, "tax_id": mask_bank_account(row["tax_id"]) or ""}
    return VendorView.model_validate(row)


# ---- vendors ------------------------------------------------------------------------


@router.post("/finance/vendors", status_code=status.HTTP_201_CREATED)
def register_vendor(
    body: NewVendor,
    request: Request,
    principal: Principal = requires(Permission.VENDORS_MANAGE),
) -> VendorCreated:
    """Register a vendor (company-wide)."""
    vendor_id, position = container(request).finance.expenses.register_vendor(
        RegisterVendor(
            actor=principal,
            name=body.name,
            tax_id=body.tax_id,
            bank_account=body.bank_account,
            contact=body.contact,
            categories=list(body.categories),
        )
    )
    return VendorCreated(id=vendor_id, position=position)


@router.get("/finance/vendors")
async def list_vendors(
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    category: Category | None = None,
    active: bool | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: After = None,
) -> Page[VendorView]:
    """Vendors by name, a page at a time."""
    _staff_reader(principal)
    await reached(request, PROJECTION, after)
    key = decode_cursor(cursor, str, UUID) if cursor else None
    rows = await query_off_loop(
        request, queries.vendors, category=category, active=active, after_key=key, limit=limit + 1
    )
    return paged(
        rows, limit, lambda r: _vendor_view(principal, r), lambda r: (r["name"], r["vendor_id"])
    )


@router.get("/finance/vendors/{vendor_id}")
async def get_vendor(
    vendor_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    after: After = None,
) -> VendorView:
    """One vendor."""
    _staff_reader(principal)
    await reached(request, PROJECTION, after)
    return _vendor_view(principal, await query_off_loop(request, queries.vendor, vendor_id))


@router.patch("/finance/vendors/{vendor_id}", response_model=Accepted)
def change_vendor(
    vendor_id: UUID,
    body: VendorChange,
    request: Request,
    principal: Principal = requires(Permission.VENDORS_MANAGE),
) -> Any:
    """Change a vendor's name, bank account, contact or categories."""
    changes = body.model_dump(exclude_unset=True)
    position = container(request).finance.expenses.change_vendor(
        ChangeVendor(actor=principal, vendor_id=vendor_id, changes=changes)
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
    position = container(request).finance.expenses.deactivate_vendor(
        DeactivateVendor(actor=principal, vendor_id=vendor_id, reason=body.reason)
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
    command = SetBudget(
        actor=principal,
        estate_id=estate_id,
        year=year,
        lines={str(k): v for k, v in body.lines.items()},
        currency=body.currency,
        reason=body.reason,
    )
    return accepted(container(request).finance.expenses.set_budget(command))


@router.get("/finance/estates/{estate_id}/budgets/{year}")
async def get_budget(
    estate_id: UUID,
    year: Year,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    after: After = None,
) -> BudgetView:
    """Each category's line: budget, committed (approved), paid, remaining."""
    reach = principal.reach("finance:read")
    await reached(request, PROJECTION, after)
    found = await query_off_loop(request, queries.budget, reach, estate_id, year)
    return BudgetView.model_validate(found)  # its lines become BudgetLines


# ---- claims -------------------------------------------------------------------------


@router.post("/finance/expenses", status_code=status.HTTP_201_CREATED)
def submit_claim(
    body: NewClaim,
    request: Request,
    principal: Principal = requires(Permission.EXPENSES_SUBMIT_ESTATE),
) -> ClaimCreated:
    """Submit a claim; its approval opens at once (and may be approved at once)."""
    command = SubmitClaim(actor=principal, **priced(body))
    claim_id, approval_id, position = container(request).finance.expenses.submit_claim(command)
    return ClaimCreated(
        id=claim_id,
        position=position,
        approval_id=approval_id,
        approval_number=approval_number(request, approval_id),
    )


@router.get("/finance/expenses")
async def list_claims(
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    estate_id: UUID | None = None,
    status_: Annotated[ClaimStatus | None, Query(alias="status")] = None,
    category: Category | None = None,
    vendor_id: UUID | None = None,
    year: Year | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: After = None,
) -> Page[ClaimView]:
    """Claims of the caller's estates, newest first."""
    await reached(request, PROJECTION, after)
    filters = {
        "estate_id": estate_id,
        "status": str(status_) if status_ else None,
        "category": category,
        "vendor_id": vendor_id,
        "year": year,
    }
    before_claim = decode_cursor(cursor, UUID)[0] if cursor else None
    rows = await query_off_loop(
        request, queries.claims, principal.reach("finance:read"), filters, limit + 1, before_claim
    )
    return paged(rows, limit, ClaimView.model_validate, lambda r: (r["claim_id"],))


@router.get("/finance/expenses/{claim_id}")
async def get_claim(
    claim_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    after: After = None,
) -> ClaimView:
    """One expense claim with its approval and payment."""
    await reached(request, PROJECTION, after)
    return ClaimView.model_validate(
        await query_off_loop(request, queries.claim, principal.reach("finance:read"), claim_id)
    )


@router.post("/finance/expenses/{claim_id}/payment", response_model=Accepted)
def pay_claim(
    claim_id: UUID,
    body: Payment,
    request: Request,
    principal: Principal = requires(Permission.EXPENSES_MANAGE_ESTATE),
) -> Any:
    """Pay the vendor of an approved claim (409 if not approved, or already paid)."""
    command = PayClaim(
        actor=principal, claim_id=claim_id, payment_ref=body.payment_ref, method=body.method
    )
    return accepted(container(request).finance.expenses.pay_claim(command))


@router.post(
    "/finance/expenses/{claim_id}/withdrawal",
    response_model=Accepted,
    summary="Withdraw a claim awaiting approval",
)
def withdraw_claim(
    claim_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.EXPENSES_SUBMIT_ESTATE),
) -> Any:
    """The submitter (or an expense manager of the estate) withdraws a claim awaiting approval."""
    command = WithdrawClaim(actor=principal, claim_id=claim_id, reason=body.reason)
    return accepted(container(request).finance.expenses.withdraw_claim(command))


# ---- analysis -----------------------------------------------------------------------


@router.get(
    "/finance/estates/{estate_id}/expense-analysis",
    summary="Expenses by month and category, and the budget against them",
)
async def expense_analysis(
    estate_id: UUID,
    request: Request,
    year: Year,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    currency: CurrencyCode | None = None,
    after: After = None,
) -> ExpenseAnalysis:
    """Trend (each month's approved expenses by category), structure (each category's
    share of the year) and budget vs actual, for claims incurred in ``year``."""
    reach = principal.reach("finance:read")
    await reached(request, PROJECTION, after)
    figures = await query_off_loop(request, queries.analysis, reach, estate_id, year, currency)
    return ExpenseAnalysis.model_validate(figures)  # months and categories: their models
