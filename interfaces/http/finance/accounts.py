"""HTTP routes of unit accounts: billing runs, bills, payments, reversals, waivers, refunds.

Finance staff bill and take payments for the estates they serve; an owner
(or another occupant) reads their unit's bills; an auditor reads everything.
Owners record no payments: a payment they claim to have made online is not
money received until a payment provider's verified notice says so. A unit,
bill or payment the caller may not see answers 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from application.finance.accounts import AccountNotFound, AccountService, RunResult
from domain.finance.account import Method
from domain.identity.policy import Permission
from interfaces.http.consistency import reached, serving
from interfaces.http.problems import Problem
from interfaces.http.reads import dict_rows, rows
from interfaces.http.schemas import Accepted, Amount, Command, CurrencyCode, Period, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from projections.reach import clause as reach_clause

router = APIRouter(prefix="/api/v1/finance", tags=["finance: bills and payments"])

PROJECTION = "finance_accounts"
Reason = Annotated[str, MultiLine(500)]


class BillingRunRequest(Command):
    period: Period


class RunView(BaseModel):
    run_id: UUID
    estate_id: UUID
    period: str
    bills: int
    units_billed: int
    units_skipped: int
    amount: Decimal
    currency: str
    position: int
    already_run: bool


class PaymentRequest(Command):
    amount: Amount
    currency: CurrencyCode = "CNY"
    method: Method
    reference: Annotated[str, SingleLine(100, min_length=0)] | None = Field(
        None, description="the bank or online transaction reference (required unless cash)"
    )
    bill_id: UUID | None = Field(None, description="pay this bill first")


class PaymentCreated(Accepted):
    id: UUID


class Reversal(Command):
    reason: Reason


class WaiverRequest(Command):
    bill_id: UUID
    amount: Amount
    currency: CurrencyCode = "CNY"
    reason: Reason


class RefundRequest(Command):
    amount: Amount
    currency: CurrencyCode = "CNY"
    method: Method = Method.BANK_TRANSFER
    reason: Reason


class RequestCreated(Accepted):
    id: UUID
    approval_id: UUID


class BillView(BaseModel):
    bill_id: UUID
    unit_id: UUID
    estate_id: UUID
    period: str
    run_id: UUID | None
    payer_ids: list[UUID]
    lines: list[dict[str, Any]]
    currency: str
    principal: Decimal
    late_fees: Decimal
    paid: Decimal
    waived: Decimal
    outstanding: Decimal
    status: str
    days: int
    days_in_period: int
    issued_on: date
    due_on: date
    dunning_level: int
    position: int


class PaymentView(BaseModel):
    payment_id: UUID
    unit_id: UUID
    estate_id: UUID
    method: str
    reference: str | None
    amount: Decimal
    currency: str
    allocations: list[dict[str, Any]]
    to_credit: Decimal
    received_on: date
    received_at: datetime
    recorded_by: UUID | None
    reversed: bool
    reversal_reason: str | None
    reversed_on: date | None
    position: int


class RequestView(BaseModel):
    request_id: UUID
    kind: str
    bill_id: UUID | None
    amount: Decimal
    currency: str
    method: str | None
    reason: str
    approval_id: UUID
    status: str
    requested_at: datetime
    decided_at: datetime | None


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


def _service(request: Request) -> AccountService:
    return container(request).finance.accounts


def _unit(request: Request, unit_id: UUID) -> tuple[UUID, list[UUID]]:
    """The unit's estate and occupants (its owners' logins), or 404."""
    serving(request, "registry")
    found = rows(
        request,
        "SELECT estate_id, occupant_user_ids FROM registry_units WHERE unit_id = %s",
        [unit_id],
    )
    if not found:
        raise Problem(404, "no such unit")
    return found[0][0], list(found[0][1])


def _check_unit(request: Request, principal: Principal, action: str, unit_id: UUID) -> UUID:
    estate_id, occupants = _unit(request, unit_id)
    principal.check(action, occupants, estate_id)
    return estate_id


def _check_estate(principal: Principal, action: str, estate_id: UUID) -> None:
    principal.check(action, None, estate_id)


@contextmanager
def _account_exists() -> Iterator[None]:
    """A command on a unit with no account yet answers 404."""
    try:
        yield
    except AccountNotFound as exc:
        raise Problem(404, str(exc)) from exc


def _run_view(result: RunResult) -> RunView:
    return RunView(**vars(result))


# ---- billing runs ---------------------------------------------------------------


@router.post("/estates/{estate_id}/billing-runs", status_code=status.HTTP_201_CREATED)
def run_billing(
    estate_id: UUID,
    body: BillingRunRequest,
    request: Request,
    response: Response,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> RunView:
    """Bill every owned unit of the estate for the period; running it again bills nothing.

    201 with the run's figures; 200 with the first run's figures when the
    period was already billed.
    """
    _check_estate(principal, "finance:manage", estate_id)
    result = _service(request).run_billing(estate_id, body.period, principal.user_id)
    if result.already_run:
        response.status_code = status.HTTP_200_OK
    return _run_view(result)


@router.get("/estates/{estate_id}/billing-runs")
async def billing_runs(
    estate_id: UUID,
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
) -> list[dict[str, Any]]:
    """The estate's billing runs, newest period first."""
    _check_estate(principal, "finance:read", estate_id)
    await reached(request, PROJECTION, after)
    return dict_rows(
        request,
        "SELECT run_id, period, bills, units_billed, units_skipped, amount, currency, rates, "
        "run_by, run_at, position FROM finance_billing_runs WHERE estate_id = %s "
        "ORDER BY period DESC",
        [estate_id],
    )


# ---- bills ----------------------------------------------------------------------

BILL_COLUMNS = (
    "b.bill_id, b.unit_id, b.estate_id, b.period, b.run_id, b.payer_ids, b.lines, b.currency, "
    "b.principal, b.late_fees, b.paid, b.waived, b.outstanding, "
    "CASE WHEN b.outstanding > 0 THEN 'open' ELSE 'settled' END AS status, b.days, "
    "b.days_in_period, b.issued_on, b.due_on, b.dunning_level, b.position"
)
BILL_FROM = "FROM finance_bills b LEFT JOIN registry_units u ON u.unit_id = b.unit_id"


@router.get("/bills")
async def list_bills(
    request: Request,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    period: Annotated[Period | None, Query()] = None,
    open_only: bool = Query(False, alias="open"),
    overdue_on: date | None = Query(None, description="only bills past due on this day"),
    before: int | None = Query(None, description="position cursor: bills issued before it"),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> list[BillView]:
    """Bills the caller may see: their estates' (staff), their units' (owners), all (auditors)."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the rows a caller may see
    where, params = reach_clause(
        principal.reach("finance:read"), "b.estate_id", ("u.occupant_user_ids[]",)
    )
    clauses = [where]
    for column, value in (("b.estate_id", estate_id), ("b.unit_id", unit_id), ("b.period", period)):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if open_only:
        clauses.append("b.outstanding > 0")
    if overdue_on is not None:
        clauses.append("b.outstanding > 0 AND b.due_on < %s")
        params.append(overdue_on)
    if before is not None:
        clauses.append("b.position < %s")
        params.append(before)
    found = dict_rows(
        request,
        f"SELECT {BILL_COLUMNS} {BILL_FROM} WHERE {' AND '.join(clauses)} "
        "ORDER BY b.position DESC, b.bill_id LIMIT %s",
        [*params, limit],
    )
    return [BillView(**r) for r in found]


@router.get("/bills/{bill_id}")
async def get_bill(
    bill_id: UUID,
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> BillView:
    await reached(request, PROJECTION, after)
    found = dict_rows(request, f"SELECT {BILL_COLUMNS} {BILL_FROM} WHERE b.bill_id = %s", [bill_id])
    if not found:
        raise Problem(404, "no such bill")
    _check_unit(request, principal, "finance:read", found[0]["unit_id"])
    return BillView(**found[0])


# ---- the unit's account -------------------------------------------------------------

PAYMENT_COLUMNS = (
    "payment_id, unit_id, estate_id, method, reference, amount, currency, allocations, "
    "to_credit, received_on, received_at, recorded_by, reversed, reversal_reason, reversed_on, "
    "position"
)


@router.get("/units/{unit_id}/account")
async def get_account(
    unit_id: UUID,
    request: Request,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> AccountView:
    """The unit's bills, payments, credit and pending waivers and refunds."""
    estate_id = _check_unit(request, principal, "finance:read", unit_id)
    await reached(request, PROJECTION, after)
    account = dict_rows(
        request,
        "SELECT currency, outstanding, credit, reserved FROM finance_accounts WHERE unit_id = %s",
        [unit_id],
    )
    if not account:
        raise Problem(404, "this unit has no account yet")
    bills = dict_rows(
        request,
        f"SELECT {BILL_COLUMNS} {BILL_FROM} WHERE b.unit_id = %s ORDER BY b.due_on, b.period",
        [unit_id],
    )
    payments = dict_rows(
        request,
        f"SELECT {PAYMENT_COLUMNS} FROM finance_payments WHERE unit_id = %s ORDER BY position",
        [unit_id],
    )
    requests = dict_rows(
        request,
        "SELECT request_id, kind, bill_id, amount, currency, method, reason, approval_id, status, "
        "requested_at, decided_at FROM finance_account_requests WHERE unit_id = %s "
        "ORDER BY requested_at",
        [unit_id],
    )
    a = account[0]
    return AccountView(
        unit_id=unit_id,
        estate_id=estate_id,
        currency=a["currency"],
        outstanding=a["outstanding"],
        credit=a["credit"],
        credit_available=a["credit"] - a["reserved"],
        bills=[BillView(**b) for b in bills],
        payments=[PaymentView(**p) for p in payments],
        requests=[RequestView(**r) for r in requests],
    )


@router.get("/payments")
async def list_payments(
    request: Request,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    before: int | None = Query(None, description="position cursor"),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: int | None = None,
    principal: Principal = requires(Permission.FINANCE_READ_OWN),
) -> list[PaymentView]:
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the rows a caller may see
    where, params = reach_clause(
        principal.reach("finance:read"), "p.estate_id", ("u.occupant_user_ids[]",)
    )
    clauses = [where]
    for column, value in (("p.estate_id", estate_id), ("p.unit_id", unit_id)):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if before is not None:
        clauses.append("p.position < %s")
        params.append(before)
    columns = ", ".join(f"p.{c.strip()}" for c in PAYMENT_COLUMNS.split(","))
    found = dict_rows(
        request,
        f"SELECT {columns} FROM finance_payments p "
        "LEFT JOIN registry_units u ON u.unit_id = p.unit_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY p.position DESC LIMIT %s",
        [*params, limit],
    )
    return [PaymentView(**r) for r in found]


# ---- commands on the account ---------------------------------------------------------


@router.post("/units/{unit_id}/payments", status_code=status.HTTP_201_CREATED)
def record_payment(
    unit_id: UUID,
    body: PaymentRequest,
    request: Request,
    principal: Principal = requires(Permission.PAYMENTS_RECORD_ESTATE),
) -> PaymentCreated:
    """Record money received for the unit (finance staff of its estate).

    With ``bill_id`` that bill is paid first, and a bill with nothing left to
    pay answers 409, so a bill is never paid twice. The rest goes to the
    oldest open bills, then to credit.
    """
    _check_estate(principal, "payments:record", _unit(request, unit_id)[0])
    payment_id, position = _service(request).record_payment(
        unit_id=unit_id,
        amount=body.amount,
        currency=body.currency,
        method=body.method,
        reference=body.reference,
        bill_id=body.bill_id,
        by=principal.user_id,
    )
    return PaymentCreated(id=payment_id, position=position)


@router.post("/units/{unit_id}/payments/{payment_id}/reversal", response_model=Accepted)
def reverse_payment(
    unit_id: UUID,
    payment_id: UUID,
    body: Reversal,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Response:
    """Reverse a mistaken payment with a mirror entry; its bills are owed again."""
    _check_unit(request, principal, "finance:manage", unit_id)
    with _account_exists():
        position = _service(request).reverse_payment(
            unit_id, payment_id, body.reason, principal.user_id
        )
    return accepted(position)


@router.post("/units/{unit_id}/waivers", status_code=status.HTTP_201_CREATED)
def request_waiver(
    unit_id: UUID,
    body: WaiverRequest,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> RequestCreated:
    """Ask to waive part of a bill; it is waived when the approval (kind ``waiver``) approves."""
    _check_unit(request, principal, "finance:manage", unit_id)
    with _account_exists():
        waiver_id, approval_id, position = _service(request).request_waiver(
            unit_id=unit_id,
            bill_id=body.bill_id,
            amount=body.amount,
            currency=body.currency,
            reason=body.reason,
            by=principal.user_id,
        )
    return RequestCreated(id=waiver_id, approval_id=approval_id, position=position)


@router.post("/units/{unit_id}/refunds", status_code=status.HTTP_201_CREATED)
def request_refund(
    unit_id: UUID,
    body: RefundRequest,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> RequestCreated:
    """Ask to refund credit: it is held until the approval (kind ``refund``) decides."""
    _check_unit(request, principal, "finance:manage", unit_id)
    with _account_exists():
        refund_id, approval_id, position = _service(request).request_refund(
            unit_id=unit_id,
            amount=body.amount,
            currency=body.currency,
            method=body.method,
            reason=body.reason,
            by=principal.user_id,
        )
    return RequestCreated(id=refund_id, approval_id=approval_id, position=position)
