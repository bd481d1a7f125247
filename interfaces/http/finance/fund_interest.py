"""HTTP routes of the maintenance fund's interest (增值分摊).

Finance staff (``fund:manage`` for the estate) record the interest the bank
credited to the fund's account, with the statement line's reference and the
interest period; it is allocated to the units by their daily balance
products at once. Each unit's share shows on its fund account
(``GET /finance/fund/accounts/{unit_id}``, movements of kind ``interest``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from application.finance.fund import FundService
from application.finance.fund.interest import AllocateInterest, allocate_interest
from domain.finance.money import Money
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.finance.fund import Reference
from interfaces.http.schemas import Amount, Command, CurrencyCode
from interfaces.http.security import Principal, container, requires

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["finance"])


def _fund(request: Request) -> FundService:
    return container(request).finance.fund  # type: ignore[no-any-return]


class NewInterest(Command):
    estate_id: UUID
    amount: Amount
    currency: CurrencyCode = "CNY"
    reference: Reference  # the bank statement's line
    period_from: date
    period_to: date
    booked_on: date | None = None


class InterestShare(BaseModel):
    unit_id: UUID
    amount: Decimal
    weight: Decimal  # the unit's daily balance product (积数) over the period


class InterestAllocated(BaseModel):
    id: UUID
    position: int
    currency: str
    splits: list[InterestShare]


@router.post("/finance/fund/interest", status_code=status.HTTP_201_CREATED)
def record_interest(
    body: NewInterest,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> InterestAllocated:
    """Interest the fund's bank account earned, allocated to the units pro rata to their
    daily balance products over the period (the parts sum to the interest exactly)."""
    done = allocate_interest(
        _fund(request),
        AllocateInterest(
            actor=principal,
            estate_id=body.estate_id,
            amount=Money.of(body.amount, body.currency),
            reference=body.reference,
            period_from=body.period_from,
            period_to=body.period_to,
            booked_on=body.booked_on,
        ),
    )
    return InterestAllocated(
        id=done.id,
        position=done.position,
        currency=done.currency,
        splits=[InterestShare(**s) for s in done.splits],
    )
