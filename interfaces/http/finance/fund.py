"""HTTP routes of the maintenance fund (专项维修资金): deposits, unit accounts, spendings.

Finance staff (``fund:manage`` for the estates they serve) record deposits,
propose spendings and disburse approved ones; staff read with ``fund:read``;
an owner or resident reads the fund account of a unit they occupy now
(``fund:read:own``) and the spendings shared by it. A record outside the
caller's reach answers 404, as a missing one does.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel

from application.finance.fund import (
    DisburseSpending,
    FundService,
    ProposeSpending,
    RecordDeposit,
)
from domain.finance.fund import Basis, DepositMethod
from domain.finance.fund_rules import EmergencyCategory, SpendingStatus
from domain.finance.money import Money
from domain.identity.policy import Permission
from interfaces.http.approvals import approval_number
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached, serving
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import (
    Amount,
    Command,
    Count,
    CurrencyCode,
    Cursor,
    OpensApproval,
    Page,
    paged,
    priced,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.finance import fund as queries
from projections.finance import views

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["finance"])

READ = "fund:read"
PROJECTION = "finance_fund"

Reference = Annotated[str, SingleLine(100)]
After = Annotated[int | None, Query(ge=0, description="wait for this position")]
Limit = Annotated[int, Query(ge=1, le=1000)]


# ---- bodies -------------------------------------------------------------------


class ResolutionBody(Command):
    """The owners' assembly vote as its minutes record it (Civil Code art. 278). The
    estate's totals are the registry's on ``meeting_on``; stated, they must agree."""

    reference: Reference
    meeting_on: date
    total_area: Amount | None = None
    total_owners: Count | None = None
    participating_area: Amount
    participating_owners: Count
    area_for: Amount
    owners_for: Count


class NewDeposit(Command):
    unit_id: UUID
    estate_id: UUID | None = None
    amount: Amount
    currency: CurrencyCode = "CNY"
    method: DepositMethod
    reference: Reference
    booked_on: date | None = None
    resolution: ResolutionBody | None = None  # a top-up's: the vote raising the fund


class EmergencyBody(Command):
    category: EmergencyCategory
    description: Annotated[str, MultiLine(2000)]
    evidence: list[Annotated[str, SingleLine(200)]] = []


class NewSpending(Command):
    estate_id: UUID
    purpose: Annotated[str, MultiLine(500)]
    amount: Amount
    currency: CurrencyCode = "CNY"
    basis: Basis
    resolution: ResolutionBody | None = None
    emergency: EmergencyBody | None = None
    unit_ids: list[UUID] | None = None
    vendor: Annotated[str, SingleLine(200, min_length=0)] | None = None


class DisbursementBody(Command):
    reference: Reference
    booked_on: date | None = None


# ---- views --------------------------------------------------------------------


@from_view(views.FundAccountRow, rename={"account_id": "id"})
class FundAccountView(BaseModel):
    pass


@from_view(views.MovementRow)
class MovementView(BaseModel):
    pass


@from_view(
    views.FundAccountDetail,
    rename={"account_id": "id"},
    retype={"movements": list[MovementView]},
)
class FundAccountDetail(BaseModel):
    pass


class SplitView(BaseModel):
    unit_id: UUID
    amount: Decimal


@from_view(
    views.SpendingRow, rename={"spending_id": "id"}, retype={"splits": list[SplitView] | None}
)
class SpendingView(BaseModel):
    pass


class DepositCreated(BaseModel):
    id: UUID
    position: int


class SpendingCreated(OpensApproval):
    id: UUID
    position: int


class DisbursementDone(BaseModel):
    position: int
    currency: str
    splits: list[SplitView]


# ---- helpers ------------------------------------------------------------------


def _fund(request: Request) -> FundService:
    return container(request).finance.fund  # type: ignore[no-any-return]


# ---- deposits and accounts -----------------------------------------------------


@router.post("/finance/fund/deposits", status_code=status.HTTP_201_CREATED)
def record_deposit(
    body: NewDeposit,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> DepositCreated:
    """Money paid into the fund for a unit (cash or bank transfer, into the fund's account)."""
    deposit_id, position = _fund(request).deposit(RecordDeposit(actor=principal, **priced(body)))
    return DepositCreated(id=deposit_id, position=position)


@router.get("/finance/fund/accounts")
async def list_accounts(
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    estate_id: UUID | None = None,
    low: bool | None = None,
    cursor: Cursor = None,
    limit: Limit = 500,
    after: After = None,
) -> Page[FundAccountView]:
    """Unit fund accounts the caller may see; ``low=true``: those below 30% of the first deposit."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the rows a caller may see
    rows = await query_off_loop(
        request,
        queries.accounts,
        principal.reach(READ),
        estate_id=estate_id,
        low=low,
        after_key=decode_cursor(cursor, UUID, UUID) if cursor else None,
        limit=limit + 1,
    )
    return paged(
        rows, limit, FundAccountView.model_validate, lambda r: (r["estate_id"], r["unit_id"])
    )


@router.get("/finance/fund/accounts/{unit_id}")
async def get_account(
    unit_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    after: After = None,
) -> FundAccountDetail:
    """One unit's fund account with every deposit and charge, oldest first."""
    await reached(request, PROJECTION, after)
    serving(request, "registry")  # who occupies the unit decides an owner's reach
    found = await query_off_loop(request, queries.account, principal.reach(READ), unit_id)
    return FundAccountDetail.model_validate(found)  # its movement rows become MovementViews


# ---- spendings -----------------------------------------------------------------------


@router.post("/finance/fund/spendings", status_code=status.HTTP_201_CREATED)
def propose_spending(
    body: NewSpending,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> SpendingCreated:
    """Propose a use of the fund on an owners' resolution or a documented emergency;
    its approval (kind ``fund_spending``) opens at once."""
    done = _fund(request).propose_spending(
        ProposeSpending(
            actor=principal,
            estate_id=body.estate_id,
            purpose=body.purpose,
            amount=Money.of(body.amount, body.currency),
            basis=body.basis,
            resolution=body.resolution.model_dump() if body.resolution else None,
            emergency=body.emergency.model_dump() if body.emergency else None,
            unit_ids=body.unit_ids,
            vendor=body.vendor,
        )
    )
    number = approval_number(request, done.approval_id)
    return SpendingCreated(
        id=done.id, position=done.position, approval_id=done.approval_id, approval_number=number
    )


@router.get("/finance/fund/spendings")
async def list_spendings(
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    estate_id: UUID | None = None,
    status_: Annotated[SpendingStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 200,
    after: After = None,
) -> Page[SpendingView]:
    """Spendings the caller may see (owners: those their units share), newest first."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the rows a caller may see
    rows = await query_off_loop(
        request,
        queries.spendings,
        principal.reach(READ),
        estate_id=estate_id,
        status=str(status_) if status_ else None,
        before_key=decode_cursor(cursor, datetime, UUID) if cursor else None,
        limit=limit + 1,
    )
    # validated whole: the splits (JSON) become SplitViews
    return paged(
        rows, limit, SpendingView.model_validate, lambda r: (r["proposed_at"], r["spending_id"])
    )


@router.get("/finance/fund/spendings/{spending_id}")
async def get_spending(
    spending_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    after: After = None,
) -> SpendingView:
    """One spending of the maintenance fund with its shares."""
    await reached(request, PROJECTION, after)
    serving(request, "registry")  # who occupies its units decides an owner's reach
    found = await query_off_loop(request, queries.spending, principal.reach(READ), spending_id)
    return SpendingView.model_validate(found)


@router.post("/finance/fund/spendings/{spending_id}/disbursement")
def disburse_spending(
    spending_id: UUID,
    body: DisbursementBody,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> DisbursementDone:
    """Pay an approved spending out of the fund, split over its units by gross area
    (once; 422 naming the units whose balance does not cover their share)."""
    done = _fund(request).disburse(
        DisburseSpending(
            actor=principal,
            spending_id=spending_id,
            reference=body.reference,
            booked_on=body.booked_on,
        )
    )
    return DisbursementDone(
        position=done.position,
        currency=done.currency,
        splits=[SplitView(**s) for s in done.splits],
    )
