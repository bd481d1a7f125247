"""HTTP routes of online payments (WeChat Pay API v3, decision 0027).

An occupant of a unit (or finance staff of its estate, at the counter) places
a payment order; the answer carries what the owner's app passes to the
WeChat client. The provider's notification route is public: no user calls
it, and its trust is the provider's signature over the exact body
(docs/security.md). It answers 204 when the payment is recorded, or was
already, and otherwise a problem document that also carries the provider's
``{"code": "FAIL", "message": ...}``, so the provider sends it again later.
Finance records the provider's settlements to the bank.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import anyio
from fastapi import APIRouter, Request, Response, status
from pydantic import Field

from application.finance.online.commands import PlaceOrder, ReceiveNotification, RecordSettlement
from application.finance.online.ports import NotificationRefused
from application.finance.online.service import PlacedOrder
from domain.errors import DomainError, InvalidTransition
from domain.finance.money import Money
from domain.finance.online_orders import MAX_BILLS
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.problems import Problem
from interfaces.http.schemas import Amount, Command, Created, CurrencyCode
from interfaces.http.security import Principal, container, public, requires
from interfaces.http.text import SingleLine

router = APIRouter(
    route_class=AsOfRoute, prefix="/api/v1/finance", tags=["finance: online payments"]
)


class OrderRequest(Command):
    amount: Amount | None = Field(None, description="yuan; default: what bill_ids still owe")
    bill_ids: list[UUID] = Field(default_factory=list, max_length=MAX_BILLS)


class OrderPlaced(Created):
    out_trade_no: str
    amount: Decimal
    currency: str
    expires_at: datetime
    prepay_id: str
    client: dict[str, str] = Field(description="the JSAPI fields the WeChat client needs")

    @classmethod
    def of(cls, placed: PlacedOrder) -> OrderPlaced:
        order = placed.order
        return cls(
            id=order.id,
            position=placed.position,
            out_trade_no=order.out_trade_no,
            amount=order.amount,
            currency=order.currency,
            expires_at=order.expires_at,
            prepay_id=placed.prepay.prepay_id,
            client=dict(placed.prepay.client),
        )


class SettlementRequest(Command):
    reference: Annotated[str, SingleLine(64)] = Field(description="the provider's batch reference")
    settled_on: date = Field(description="the day the money reached the bank (到账日)")
    gross: Amount
    fee: Amount | None = Field(None, description="default: the configured rate (0.6%)")
    currency: CurrencyCode = "CNY"


def refused_problem(refusal: DomainError) -> Problem:
    """The problem document of a refusal, in the provider's ``FAIL`` shape too."""
    if isinstance(refusal, NotificationRefused):
        status_code = refusal.status
    else:
        status_code = 409 if isinstance(refusal, InvalidTransition) else 422
    return Problem(
        status_code, refusal.detail, title=refusal.title, code="FAIL", message=refusal.detail
    )


@router.post("/units/{unit_id}/payment-orders", status_code=status.HTTP_201_CREATED)
def place_payment_order(
    unit_id: UUID,
    body: OrderRequest,
    request: Request,
    principal: Principal = requires(Permission.PAYMENTS_PAY_OWN),
) -> OrderPlaced:
    """Ask to pay online for the unit; nothing is paid until the provider's verified
    notification arrives. 503 when online payments are not configured."""
    amount = None if body.amount is None else Money.of(body.amount, "CNY")
    try:
        placed = container(request).finance.online.place_order(
            PlaceOrder(principal, unit_id, amount, body.bill_ids)
        )
    except NotificationRefused as refusal:
        raise refused_problem(refusal) from None
    return OrderPlaced.of(placed)


@router.post(
    "/online-payments/wechatpay/notifications",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[public("WeChat Pay: verified by the platform's signature over the body")],
)
async def wechatpay_notification(request: Request) -> Response:
    """WeChat Pay API v3 payment notification (支付通知): 204 once recorded (or already)."""
    body = await request.body()
    command = ReceiveNotification(headers=dict(request.headers), body=body)
    online = container(request).finance.online
    try:
        await anyio.to_thread.run_sync(online.notify, command)
    except DomainError as refusal:
        raise refused_problem(refusal) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/estates/{estate_id}/online-settlements", status_code=status.HTTP_201_CREATED)
def record_online_settlement(
    estate_id: UUID,
    body: SettlementRequest,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Created:
    """Record the provider's payout to the bank: Dr 1002 / Cr 1012 the net, Dr 6603.01 /
    Cr 1012 the fee (at the configured rate unless given); 409 above 1012's balance."""
    fee = None if body.fee is None else Money.of(body.fee, body.currency)
    command = RecordSettlement(
        principal,
        estate_id,
        body.reference,
        body.settled_on,
        Money.of(body.gross, body.currency),
        fee,
    )
    settlement_id, position = container(request).finance.online.settle(command)
    return Created(id=settlement_id, position=position)
