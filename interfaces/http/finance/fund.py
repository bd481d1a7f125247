"""HTTP routes of the maintenance fund (专项维修资金): deposits, unit accounts, spendings.

Finance staff (``fund:manage`` for the estates they serve) record deposits,
propose spendings and disburse approved ones; staff read with ``fund:read``;
an owner or resident reads the fund account of a unit they occupy now
(``fund:read:own``) and the spendings shared by it. A record outside the
caller's reach answers 404, as a missing one does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel

from application.finance.fund import FundRecordNotFound, FundService
from domain.finance.fund import LOW_BALANCE_RATIO, Basis, DepositMethod, EmergencyCategory
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.consistency import reached, serving
from interfaces.http.problems import Problem
from interfaces.http.schemas import Amount, Command, Count, CurrencyCode
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine

router = APIRouter(prefix="/api/v1", tags=["finance"])

READ = "fund:read"
MANAGE = "fund:manage"
PROJECTION = "finance_fund"
NOT_FOUND = "no such record, or not yours to see"

Reference = Annotated[str, SingleLine(100)]
After = Annotated[int | None, Query(ge=0, description="wait for this position")]
Limit = Annotated[int, Query(ge=1, le=1000)]

# Rows an owner may read: those of the units they occupy now.
_OWN_UNITS = "SELECT unit_id FROM registry_units WHERE %s = ANY(occupant_user_ids)"


# ---- bodies -------------------------------------------------------------------


class NewDeposit(Command):
    unit_id: UUID
    estate_id: UUID | None = None
    amount: Amount
    currency: CurrencyCode = "CNY"
    method: DepositMethod
    reference: Reference
    booked_on: date | None = None


class ResolutionBody(Command):
    """The owners' assembly vote as its minutes record it (Civil Code art. 278)."""

    reference: Reference
    meeting_on: date
    total_area: Amount
    total_owners: Count
    participating_area: Amount
    participating_owners: Count
    area_for: Amount
    owners_for: Count


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


class FundAccountView(BaseModel):
    unit_id: UUID
    account_id: UUID
    estate_id: UUID
    currency: str
    balance: Decimal
    first_deposit: Decimal | None
    low_balance_threshold: Decimal | None
    deposited: Decimal
    charged: Decimal
    low: bool
    low_since: datetime | None
    opened_at: datetime
    updated_at: datetime
    position: int


class MovementView(BaseModel):
    source_id: UUID  # the deposit, or the spending charged
    kind: str  # deposit | charge
    amount: Decimal  # signed: a charge is negative
    balance_after: Decimal
    currency: str
    method: str | None
    reference: str | None
    booked_on: date
    at: datetime
    position: int


class FundAccountDetail(FundAccountView):
    movements: list[MovementView]


class SplitView(BaseModel):
    unit_id: UUID
    amount: Decimal


class SpendingView(BaseModel):
    spending_id: UUID
    estate_id: UUID
    purpose: str
    amount: Decimal
    currency: str
    basis: str
    resolution: dict[str, Any] | None
    emergency: dict[str, Any] | None
    unit_ids: list[UUID]
    vendor: str | None
    approval_id: UUID
    status: str
    proposed_by: UUID
    note: str | None
    splits: list[SplitView] | None
    reference: str | None
    booked_on: date | None
    proposed_at: datetime
    disbursed_at: datetime | None
    updated_at: datetime
    position: int


class DepositCreated(BaseModel):
    id: UUID
    position: int


class SpendingCreated(BaseModel):
    id: UUID
    position: int
    approval_id: UUID


class DisbursementDone(BaseModel):
    position: int
    currency: str
    splits: list[SplitView]


# ---- helpers ------------------------------------------------------------------


def _fund(request: Request) -> FundService:
    return container(request).finance.fund  # type: ignore[no-any-return]


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except FundRecordNotFound:
        raise Problem(404, NOT_FOUND) from None


def _reach(principal: Principal, own_sql: str) -> tuple[str, list[Any]]:
    """The rows of a list the caller may see: every row, their estates', or their units'."""
    reach = principal.reach(READ)
    if reach.everything:
        return "true", []
    clauses: list[str] = []
    params: list[Any] = []
    if reach.estates:
        clauses.append("estate_id = ANY(%s)")
        params.append(list(reach.estates))
    if reach.own:
        clauses.append(own_sql)
        params.append(reach.user_id)
    if not clauses:
        return "false", []
    return "(" + " OR ".join(clauses) + ")", params


def _occupants(request: Request, unit_ids: list[UUID]) -> set[UUID]:
    serving(request, "registry")
    rows = reads.rows(
        request,
        "SELECT DISTINCT unnest(occupant_user_ids) FROM registry_units WHERE unit_id = ANY(%s)",
        [list(unit_ids)],
    )
    return {r[0] for r in rows}


def _account(row: dict[str, Any]) -> dict[str, Any]:
    first = row["first_deposit"]
    threshold = None if first is None else first * LOW_BALANCE_RATIO
    return {**row, "low_balance_threshold": threshold}


def _spending(row: dict[str, Any]) -> SpendingView:
    return SpendingView(**row)


# ---- deposits and accounts -----------------------------------------------------


@router.post("/finance/fund/deposits", status_code=status.HTTP_201_CREATED)
def record_deposit(
    body: NewDeposit,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> DepositCreated:
    """Money paid into the fund for a unit (cash or bank transfer, into the fund's account)."""
    fund = _fund(request)
    with _refusals():
        estate_id = fund.unit_estate(body.unit_id)
    if body.estate_id is not None and body.estate_id != estate_id:
        raise Problem(404, "no such unit on this estate")
    principal.check(MANAGE, owner_id=None, estate_id=estate_id)
    deposit_id, position = fund.deposit(
        unit_id=body.unit_id,
        amount=body.amount,
        currency=body.currency,
        method=body.method,
        reference=body.reference,
        booked_on=body.booked_on,
        recorded_by=principal.user_id,
    )
    return DepositCreated(id=deposit_id, position=position)


@router.get("/finance/fund/accounts")
async def list_accounts(
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    estate_id: UUID | None = None,
    low: bool | None = None,
    limit: Limit = 500,
    after: After = None,
) -> list[FundAccountView]:
    """Unit fund accounts the caller may see; ``low=true``: those below 30% of the first deposit."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the rows a caller may see
    where, params = _reach(principal, f"unit_id IN ({_OWN_UNITS})")
    for column, value in (("estate_id", estate_id), ("low", low)):
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    rows = reads.dict_rows(
        request,
        f"SELECT * FROM finance_fund_accounts WHERE {where} ORDER BY estate_id, unit_id LIMIT %s",
        [*params, limit],
    )
    return [FundAccountView(**_account(r)) for r in rows]


@router.get("/finance/fund/accounts/{unit_id}")
async def get_account(
    unit_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    after: After = None,
) -> FundAccountDetail:
    """One unit's fund account with every deposit and charge, oldest first."""
    await reached(request, PROJECTION, after)
    rows = reads.dict_rows(
        request, "SELECT * FROM finance_fund_accounts WHERE unit_id = %s", [unit_id]
    )
    if not rows:
        raise Problem(404, NOT_FOUND)
    principal.check(READ, owner_id=_occupants(request, [unit_id]), estate_id=rows[0]["estate_id"])
    movements = reads.dict_rows(
        request,
        "SELECT source_id, kind, amount, balance_after, currency, method, reference, booked_on, "
        "at, position FROM finance_fund_movements WHERE unit_id = %s ORDER BY position",
        [unit_id],
    )
    return FundAccountDetail(**_account(rows[0]), movements=[MovementView(**m) for m in movements])


# ---- spendings -----------------------------------------------------------------------


@router.post("/finance/fund/spendings", status_code=status.HTTP_201_CREATED)
def propose_spending(
    body: NewSpending,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> SpendingCreated:
    """Propose a use of the fund on an owners' resolution or a documented emergency;
    its approval (kind ``fund_spending``) opens at once."""
    principal.check(MANAGE, owner_id=None, estate_id=body.estate_id)
    with _refusals():
        done = _fund(request).propose_spending(
            estate_id=body.estate_id,
            purpose=body.purpose,
            amount=body.amount,
            currency=body.currency,
            basis=body.basis,
            resolution=body.resolution.model_dump() if body.resolution else None,
            emergency=body.emergency.model_dump() if body.emergency else None,
            unit_ids=body.unit_ids,
            vendor=body.vendor,
            proposed_by=principal.user_id,
        )
    return SpendingCreated(id=done.id, position=done.position, approval_id=done.approval_id)


@router.get("/finance/fund/spendings")
async def list_spendings(
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    estate_id: UUID | None = None,
    status_: Annotated[str | None, Query(alias="status", max_length=30)] = None,
    limit: Limit = 200,
    after: After = None,
) -> list[SpendingView]:
    """Spendings the caller may see (owners: those their units share), newest first."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the rows a caller may see
    where, params = _reach(principal, f"unit_ids && ARRAY({_OWN_UNITS})")
    for column, value in (("estate_id", estate_id), ("status", status_)):
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    rows = reads.dict_rows(
        request,
        f"SELECT * FROM finance_fund_spendings WHERE {where} "
        "ORDER BY proposed_at DESC, spending_id LIMIT %s",
        [*params, limit],
    )
    return [_spending(r) for r in rows]


@router.get("/finance/fund/spendings/{spending_id}")
async def get_spending(
    spending_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    after: After = None,
) -> SpendingView:
    await reached(request, PROJECTION, after)
    rows = reads.dict_rows(
        request, "SELECT * FROM finance_fund_spendings WHERE spending_id = %s", [spending_id]
    )
    if not rows:
        raise Problem(404, NOT_FOUND)
    row = rows[0]
    principal.check(READ, owner_id=_occupants(request, row["unit_ids"]), estate_id=row["estate_id"])
    return _spending(row)


@router.post("/finance/fund/spendings/{spending_id}/disbursement")
def disburse_spending(
    spending_id: UUID,
    body: DisbursementBody,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> DisbursementDone:
    """Pay an approved spending out of the fund, split over its units by gross area
    (once; 422 naming the units whose balance does not cover their share)."""
    fund = _fund(request)
    with _refusals():
        spending = fund.spending(spending_id)
    principal.check(MANAGE, owner_id=None, estate_id=spending.estate_id)
    done = fund.disburse(spending_id, body.reference, body.booked_on)
    return DisbursementDone(
        position=done.position,
        currency=done.currency,
        splits=[SplitView(**s) for s in done.splits],
    )
