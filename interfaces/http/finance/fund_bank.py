"""HTTP routes of the fund's bank reconciliation and its publication to the owners.

* ``POST /finance/fund/bank-statements``: finance (``fund:manage``) records the
  balance the bank's statement shows for the fund's account at the end of a day.
* ``GET /finance/estates/{estate_id}/fund/reconciliation``: staff of the estate (``fund:read``) read
  it beside the ledger's 1002.02 and the unit accounts, with the differences.
* ``GET /finance/estates/{estate_id}/fund/published``: the estate's fund as published to the owners
  (公示); an owner of a unit of the estate reads it, anyone else outside the
  estate gets 404.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel

from application.finance.fund.bank import StateBankBalance, state_bank_balance
from domain.finance.money import Money
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.finance.fund import Reference
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Amount, Command, CurrencyCode
from interfaces.http.security import Principal, container, requires
from interfaces.http.views import from_view
from projections.finance import fund_bank, fund_public

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["finance"])
After = Annotated[int | None, Query(ge=0, description="wait for this position")]


class BankBalance(Command):
    estate_id: UUID
    on: date
    balance: Amount
    currency: CurrencyCode = "CNY"
    reference: Reference  # the statement's number or page


class Stated(BaseModel):
    id: UUID
    position: int


@from_view(fund_bank.Reconciliation)
class ReconciliationView(BaseModel):
    pass


@from_view(fund_public.FundTotals)
class TotalsView(BaseModel):
    pass


@from_view(fund_public.PublishedSpending, rename={"spending_id": "id"})
class PublishedSpendingView(BaseModel):
    pass


@from_view(
    fund_public.PublishedFund,
    retype={"totals": list[TotalsView], "spendings": list[PublishedSpendingView]},
)
class PublishedView(BaseModel):
    pass


@router.post("/finance/fund/bank-statements", status_code=status.HTTP_201_CREATED)
def record_bank_balance(
    body: BankBalance,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> Stated:
    """The fund bank account's balance on the bank's statement at the end of ``on``."""
    command = StateBankBalance(
        actor=principal,
        estate_id=body.estate_id,
        on=body.on,
        balance=Money.of(body.balance, body.currency),
        reference=body.reference,
    )
    statement_id, position = state_bank_balance(container(request).finance.fund.deps, command)
    return Stated(id=statement_id, position=position)


@router.get("/finance/estates/{estate_id}/fund/reconciliation")
async def get_reconciliation(
    estate_id: UUID,
    request: Request,
    on: date,
    principal: Principal = requires(Permission.FUND_READ_ESTATE),
    currency: CurrencyCode = "CNY",
    after: After = None,
) -> ReconciliationView:
    """The bank's balance beside the ledger's 1002.02 and the unit fund accounts."""
    for projection in ("finance_fund_bank", "finance_fund", "finance_ledger"):
        await reached(request, projection, after)
    found = await query_off_loop(
        request, fund_bank.reconciliation, principal.reach("fund:read"), estate_id, on, currency
    )
    return ReconciliationView.model_validate(found)


@router.get("/finance/estates/{estate_id}/fund/published")
async def get_published(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_OWN),
    after: After = None,
) -> PublishedView:
    """The estate's fund as published to its owners (公示): totals and spendings."""
    await reached(request, "finance_fund", after)
    await reached(request, "registry", None)  # who occupies a unit decides an owner's reach
    found = await query_off_loop(
        request, fund_public.published, principal.reach("fund:read"), estate_id
    )
    return PublishedView.model_validate(found)
