"""HTTP routes of renovation deposits (装修押金): a liability held per unit, never revenue.

Finance staff (``finance:manage`` for the unit's estate) record a deposit
received for a renovation, refund it after the inspection, or ask a second
person to forfeit part of it for damage (approval kind ``renovation_forfeit``,
decided through ``/approvals``). Staff read their estates' deposits; an owner
reads those of the units they occupy now (``finance:read:own``); anything
else answers 404.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from application.finance.renovation import (
    Done,
    ForfeitDeposit,
    RefundDeposit,
    RenovationService,
    TakeDeposit,
)
from domain.finance.fund_rules import DepositMethod
from domain.finance.renovation import DepositStatus
from domain.identity.policy import Permission
from interfaces.http.approvals import approval_number
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Amount, Command, CurrencyCode, Cursor, Page, paged, priced
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.finance import renovation as queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["finance"])

PATH = "/finance/renovation-deposits"
PROJECTION = "finance_renovation"
READ = "finance:read"
Reference = Annotated[str, SingleLine(100)]
After = Annotated[int | None, Query(ge=0, description="wait for this position")]


class NewDeposit(Command):
    unit_id: UUID
    amount: Amount
    currency: CurrencyCode = "CNY"
    method: DepositMethod
    reference: Reference  # the receipt's
    renovation: Annotated[str, MultiLine(500)]
    booked_on: date | None = None


class RefundBody(Command):
    amount: Amount | None = None  # default: all that is not held for a pending forfeit
    method: DepositMethod
    reference: Reference
    inspection: Annotated[str, MultiLine(500)]
    booked_on: date | None = None


class ForfeitBody(Command):
    amount: Amount
    reason: Annotated[str, MultiLine(1000)]


class Recorded(BaseModel):
    id: UUID
    position: int
    amount: Decimal
    approval_id: UUID | None = None
    approval_number: str | None = Field(
        None, description="the approval's number people say, when one was opened (decision 0050)"
    )


@from_view(queries.RenovationDepositRow, rename={"deposit_id": "id"})
class DepositView(BaseModel):
    pass


def _service(request: Request) -> RenovationService:
    return container(request).finance.renovation  # type: ignore[no-any-return]


def _recorded(request: Request, done: Done) -> Recorded:
    opened = done.approval_id
    return Recorded(
        id=done.id,
        position=done.position,
        amount=done.amount,
        approval_id=opened,
        approval_number=approval_number(request, opened) if opened else None,
    )


@router.post(PATH, status_code=status.HTTP_201_CREATED)
def take_deposit(
    body: NewDeposit,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Recorded:
    """A renovation deposit received (Dr cash or bank / Cr 2241.03 for the unit)."""
    return _recorded(request, _service(request).take(TakeDeposit(actor=principal, **priced(body))))


@router.post(f"{PATH}/{{deposit_id}}/refund")
def refund_deposit(
    deposit_id: UUID,
    body: RefundBody,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Recorded:
    """Pay the deposit back after the inspection (Dr 2241.03 / Cr cash or bank)."""
    command = RefundDeposit(actor=principal, deposit_id=deposit_id, **body.model_dump())
    return _recorded(request, _service(request).refund(command))


@router.post(f"{PATH}/{{deposit_id}}/forfeiture", status_code=status.HTTP_201_CREATED)
def forfeit_deposit(
    deposit_id: UUID,
    body: ForfeitBody,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Recorded:
    """Ask a second person to forfeit part of the deposit for damage; booked when approved
    (Dr 2241.03 / Cr 6301 营业外收入—没收押金)."""
    command = ForfeitDeposit(actor=principal, deposit_id=deposit_id, **body.model_dump())
    return _recorded(request, _service(request).forfeit(command))


@router.get(PATH)
async def list_deposits(
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    status_: Annotated[DepositStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    after: After = None,
) -> Page[DepositView]:
    """Renovation deposits the caller may see, newest first."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the rows an owner may see
    rows = await query_off_loop(
        request,
        queries.deposits,
        principal.reach(READ),
        estate_id=estate_id,
        unit_id=unit_id,
        status=str(status_) if status_ else None,
        before_key=tuple(decode_cursor(cursor, datetime, UUID)) if cursor else None,
        limit=limit + 1,
    )
    return paged(
        rows, limit, DepositView.model_validate, lambda r: (r["taken_at"], r["deposit_id"])
    )


@router.get(f"{PATH}/{{deposit_id}}")
async def get_deposit(
    deposit_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
    after: After = None,
) -> DepositView:
    """One renovation deposit and what became of it."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    found = await query_off_loop(request, queries.deposit, principal.reach(READ), deposit_id)
    return DepositView.model_validate(found)
