"""HTTP routes of unit accounts: bills, payments, reversals, waivers, refunds.

Finance staff bill and take payments for the estates they serve; an owner
(or another occupant) reads their unit's bills; an auditor reads everything.
Owners record no payments: a payment they claim to have made online is not
money received until a payment provider's verified notice says so. A unit,
bill or payment the caller may not see answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from application.finance.accounts import AccountService
from application.finance.accounts.commands import (
    RecordPayment,
    RequestRefund,
    RequestWaiver,
    ReversePayment,
)
from domain.finance.account import Method
from domain.finance.money import Money
from domain.identity.policy import Permission
from interfaces.http.approvals import approval_number
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached, serving
from interfaces.http.cursors import decode_cursor
from interfaces.http.problems import Problem
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import (
    Accepted,
    Amount,
    Command,
    CurrencyCode,
    Cursor,
    NumberQuery,
    OpensApproval,
    Page,
    Period,
    paged,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.finance.accounts import queries

router = APIRouter(
    route_class=AsOfRoute, prefix="/api/v1/finance", tags=["finance: bills and payments"]
)

PROJECTION = "finance_accounts"
R = TypeVar("R")
Reason = Annotated[str, MultiLine(500)]


class PaymentRequest(Command):
    amount: Amount
    currency: CurrencyCode = "CNY"
    method: Method
    reference: Annotated[str, SingleLine(100, min_length=0)] | None = Field(
        None,
        description="required: the bank or online transaction's reference, or for cash the "
        "paper receipt's number (收据号); once per estate and receiving account",
    )
    bill_id: UUID | None = Field(None, description="pay this bill first (the payer's own)")
    payer_id: UUID | None = Field(
        None, description="whose debts it pays (a person); default: the unit's first owner now"
    )
    received_on: date | None = Field(
        None, description="the day the money arrived (到账日): default today, at most a year back"
    )


class PaymentCreated(Accepted):
    id: UUID
    receipt_number: str = Field(
        description="收据号: the receipt's number, SJ-<estate code>-<year>-<serial>"
    )


class Reversal(Command):
    reason: Reason


class WaiverRequest(Command):
    bill_id: UUID
    amount: Amount
    currency: CurrencyCode = "CNY"
    reason: Reason
    part: Literal["bill", "late_fee"] = Field(
        default="bill", description="late_fee: the late fee alone, its income reversed (6051)"
    )


class RefundRequest(Command):
    amount: Amount
    currency: CurrencyCode = "CNY"
    method: Method = Method.BANK_TRANSFER
    reason: Reason
    payer_id: UUID | None = Field(None, description="whose credit; default: its one holder")


class RequestCreated(Accepted, OpensApproval):
    id: UUID


@from_view(queries.BillRow, rename={"bill_id": "id"})
class BillView(BaseModel):
    pass


@from_view(queries.PaymentRow, rename={"payment_id": "id"})
class PaymentView(BaseModel):
    pass


@from_view(queries.RequestRow, rename={"request_id": "id"})
class RequestView(BaseModel):
    pass


class AccountView(BaseModel):
    unit_id: UUID
    estate_id: UUID
    currency: str
    outstanding: Decimal
    credit: Decimal
    credit_available: Decimal
    bills: list[BillView]
    payments: list[PaymentView]
    requests: list[RequestView]
    older_bills: int | None = Field(
        description="more settled bills: pass as bills_before for the ones before them"
    )
    older_payments: int | None = Field(
        description="more payments: pass as payments_before for the ones before them"
    )


def _service(request: Request) -> AccountService:
    return container(request).finance.accounts


async def _visible(
    request: Request,
    after: int | None,
    principal: Principal,
    query: Callable[..., list[R]],
    **filters: Any,
) -> list[R]:
    """The rows of ``query`` the caller may see, once the accounts' read model has
    reached ``after``; the registry's read model (whose rows they see) must serve."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    return await query_off_loop(request, query, principal.reach("finance:read"), **filters)


# ---- bills ----------------------------------------------------------------------


@router.get("/bills")
async def list_bills(
    request: Request,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    period: Annotated[Period | None, Query()] = None,
    open_only: bool = Query(False, alias="open"),
    overdue_on: date | None = Query(None, description="only bills past due on this day"),
    number: NumberQuery = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> Page[BillView]:
    """Bills the caller may see: their estates' (staff), their units' (owners), all (auditors)."""
    before, before_bill = decode_cursor(cursor, int, UUID) if cursor else (None, None)
    found = await _visible(
        request,
        after,
        principal,
        queries.bills,
        estate_id=estate_id,
        unit_id=unit_id,
        period=period,
        open_only=open_only,
        overdue_on=overdue_on,
        number=number,
        before=before,
        before_bill=before_bill,
        limit=limit + 1,
    )
    return paged(found, limit, BillView.model_validate, lambda r: (r["position"], r["bill_id"]))


@router.get("/bills/{bill_id}")
async def get_bill(
    bill_id: UUID,
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> BillView:
    """One bill with its lines, payments and what it still owes."""
    await reached(request, PROJECTION, after)
    found = await query_off_loop(request, queries.bill, principal.reach("finance:read"), bill_id)
    if found is None:
        raise Problem(404, "no such bill")
    return BillView.model_validate(found)


# ---- the unit's account -------------------------------------------------------------


@router.get("/units/{unit_id}/account", summary="A unit's account: credit, open bills and history")
async def get_account(
    unit_id: UUID,
    request: Request,
    after: int | None = None,
    bills_before: int | None = Query(None, ge=0, description="cursor: settled bills before it"),
    payments_before: int | None = Query(None, ge=0, description="cursor: payments before it"),
    limit: Annotated[int, Query(ge=1, le=500)] = queries.HISTORY,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> AccountView:
    """The unit's credit, pending waivers and refunds, every open bill and the
    latest ``limit`` settled bills and payments; older ones by cursor."""
    serving(request, "registry")
    await reached(request, PROJECTION, after)
    found = await query_off_loop(
        request,
        queries.unit_account,
        principal.reach("finance:read"),
        unit_id,
        bills_before=bills_before,
        payments_before=payments_before,
        limit=limit,
    )
    if found is None:
        raise Problem(404, "no such unit")
    a = found["account"]
    if a is None:
        raise Problem(404, "this unit has no account yet")
    return AccountView(
        unit_id=unit_id,
        estate_id=found["estate_id"],
        currency=a["currency"],
        outstanding=a["outstanding"],
        credit=a["credit"],
        credit_available=a["credit"] - a["reserved"],
        bills=[BillView.model_validate(b) for b in found["bills"]],
        payments=[PaymentView.model_validate(p) for p in found["payments"]],
        requests=[RequestView.model_validate(r) for r in found["requests"]],
        older_bills=found.get("older_bills"),
        older_payments=found.get("older_payments"),
    )


@router.get("/payments")
async def list_payments(
    request: Request,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> Page[PaymentView]:
    """Payments the caller may see, newest first."""
    found = await _visible(
        request,
        after,
        principal,
        queries.payments,
        estate_id=estate_id,
        unit_id=unit_id,
        before=decode_cursor(cursor, int)[0] if cursor else None,
        limit=limit + 1,
    )
    return paged(found, limit, PaymentView.model_validate, lambda r: (r["position"],))


# ---- commands on the account ---------------------------------------------------------


@router.post("/units/{unit_id}/payments", status_code=status.HTTP_201_CREATED)
def record_payment(
    unit_id: UUID,
    body: PaymentRequest,
    request: Request,
    principal: Principal = requires(Permission.PAYMENTS_RECORD_ESTATE),
) -> PaymentCreated:
    """Record money received for the unit (finance staff of its estate).

    The payment pays ``payer_id``'s debts (default: the unit's first owner
    now; 422 for a person who neither owes here nor owns the unit). With
    ``bill_id`` that bill is paid first: a bill with nothing left to pay
    answers 409, so a bill is never paid twice, and another person's bill 422.
    The rest goes to the payer's oldest open bills, then to the payer's credit.
    """
    payment_id, position, receipt_number = _service(request).record_payment(
        RecordPayment(
            actor=principal,
            unit_id=unit_id,
            amount=Money.of(body.amount, body.currency),
            method=body.method,
            reference=body.reference,
            bill_id=body.bill_id,
            payer_id=body.payer_id,
            received_on=body.received_on,
        )
    )
    return PaymentCreated(id=payment_id, position=position, receipt_number=receipt_number)


class ReversalAsked(Accepted, OpensApproval):
    pass


@router.post(
    "/units/{unit_id}/payments/{payment_id}/reversal", status_code=status.HTTP_202_ACCEPTED
)
def reverse_payment(
    unit_id: UUID,
    payment_id: UUID,
    body: Reversal,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> ReversalAsked:
    """Ask to reverse a mistaken payment (maker-checker): when a second person
    approves (kind ``reversal``), a mirror entry is recorded and its bills are owed again."""
    approval_id, position = _service(request).reverse(
        ReversePayment(principal, unit_id, payment_id, body.reason)
    )
    return ReversalAsked(
        approval_id=approval_id,
        position=position,
        approval_number=approval_number(request, approval_id),
    )


@router.post("/units/{unit_id}/waivers", status_code=status.HTTP_201_CREATED)
def request_waiver(
    unit_id: UUID,
    body: WaiverRequest,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> RequestCreated:
    """Ask to waive part of a bill; it is waived when the approval (kind ``waiver``) approves."""
    waiver_id, approval_id, position = _service(request).waive(
        RequestWaiver(
            principal,
            unit_id,
            body.bill_id,
            Money.of(body.amount, body.currency),
            body.reason,
            body.part,
        )
    )
    return RequestCreated(
        id=waiver_id,
        approval_id=approval_id,
        position=position,
        approval_number=approval_number(request, approval_id),
    )


@router.post("/units/{unit_id}/refunds", status_code=status.HTTP_201_CREATED)
def request_refund(
    unit_id: UUID,
    body: RefundRequest,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> RequestCreated:
    """Ask to refund credit: it is held until the approval (kind ``refund``) decides."""
    refund_id, approval_id, position = _service(request).refund(
        RequestRefund(
            principal,
            unit_id,
            Money.of(body.amount, body.currency),
            body.method,
            body.reason,
            body.payer_id,
        )
    )
    return RequestCreated(
        id=refund_id,
        approval_id=approval_id,
        position=position,
        approval_number=approval_number(request, approval_id),
    )
