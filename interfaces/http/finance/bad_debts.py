"""HTTP routes of bad debts (坏账): write-offs and the provision, by two people.

Both need ``ledger:close`` for the estate (the finance role holds it for its
estates) and answer 202: nothing moves until a second person approves the
approval named in the answer (kind ``write_off``, or ``journal`` for the
provision). docs/finance/ledger.md, decision 0024.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import Field

from application.finance.bad_debt_commands import ProvideForBadDebts, RequestWriteOff
from domain.finance.money import Money
from domain.identity.policy import Permission
from interfaces.http.approvals import approval_number
from interfaces.http.asof import AsOfRoute
from interfaces.http.schemas import (
    Accepted,
    Amount,
    Command,
    CurrencyCode,
    DecimalInput,
    OpensApproval,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1/finance", tags=["finance: bad debts"])


class WriteOffBody(Command):
    bill_id: UUID
    amount: Amount = Field(description="what the bill still owes, all of it")
    currency: CurrencyCode = "CNY"
    reason: Annotated[str, MultiLine(500)]


class Asked(Accepted, OpensApproval):
    id: UUID


@router.post("/units/{unit_id}/write-offs", status_code=status.HTTP_202_ACCEPTED)
def request_write_off(
    unit_id: UUID,
    body: WriteOffBody,
    request: Request,
    principal: Principal = requires(Permission.LEDGER_CLOSE_ESTATE),
) -> Asked:
    """Ask to write off what a bill still owes against the allowance (坏账核销): Dr 1231 /
    Cr 1122 when a second person approves (kind ``write_off``); 409 when the bill owes
    another amount (then or at approval)."""
    command = RequestWriteOff(
        principal, unit_id, body.bill_id, Money.of(body.amount, body.currency), body.reason
    )
    request_id, approval_id, position = container(request).finance.bad_debts.request_write_off(
        command
    )
    return Asked(
        id=request_id,
        approval_id=approval_id,
        position=position,
        approval_number=approval_number(request, approval_id),
    )


class ProvisionBody(Command):
    as_of: date = Field(description="the day the provision is booked on (an open period)")
    currency: CurrencyCode = "CNY"
    rates: dict[Annotated[str, SingleLine(20)], Annotated[DecimalInput, Field(ge=0, le=1)]] = Field(
        default_factory=dict,
        description="rate per aging bucket over the defaults (within 1 year 0.05, "
        "1-2 years 0.10, 2-3 years 0.30, over 3 years 1)",
    )


class ProvisionAskedView(Asked):
    currency: str
    required: dict[str, Decimal]
    required_total: Decimal
    allowance: Decimal
    amount: Decimal = Field(description="booked: > 0 provided (Dr 6702), < 0 released")


@router.post(
    "/estates/{estate_id}/bad-debt-provisions",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask to provide for doubtful accounts by their aging",
)
def provide_for_bad_debts(
    estate_id: UUID,
    body: ProvisionBody,
    request: Request,
    principal: Principal = requires(Permission.LEDGER_CLOSE_ESTATE),
) -> ProvisionAskedView:
    """Ask to bring the allowance for doubtful accounts to what the aging requires at
    ``as_of`` (计提坏账准备, 账龄分析法): a manual journal a second person approves (kind
    ``journal``); ``id`` is the journal it posts. 409 when nothing is to be booked."""
    asked = container(request).finance.bad_debts.provide(
        ProvideForBadDebts(principal, estate_id, body.as_of, body.currency, body.rates)
    )
    p = asked.provision
    return ProvisionAskedView(
        id=asked.journal_id,
        approval_id=asked.approval_id,
        approval_number=approval_number(request, asked.approval_id),
        position=asked.position,
        currency=p.currency,
        required=p.required,
        required_total=p.required_total,
        allowance=p.allowance,
        amount=p.amount,
    )
