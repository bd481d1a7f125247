"""HTTP routes of the fund's first deposit per m² (首期交存).

* ``PUT /finance/estates/{estate_id}/fund/first-deposit-rule``: finance
  (``fund:manage``) records the estate's rule, or a revision from a later day.
* ``GET`` the same path: staff of the estate and the auditor (``fund:read``).
* ``POST /finance/estates/{estate_id}/fund/first-deposit-assessments``: finance
  assesses every unit of the estate not yet assessed.
* ``GET /finance/estates/{estate_id}/fund/first-deposits?status=``: the unpaid
  list (未交清单) with its totals, for staff of the estate and the auditor.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from application.finance.fund.first_deposit import (
    AssessFirstDeposits,
    SetFirstDepositRule,
    assess_first_deposits,
    set_first_deposit_rule,
)
from domain.finance.money import Money
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Accepted, Amount, Command, CurrencyCode, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import SingleLine
from interfaces.http.views import from_view
from projections.finance import fund_first_deposit as queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["finance"])
ESTATE = "/finance/estates/{estate_id}/fund"
PROJECTION = "finance_fund_first_deposit"
After = Annotated[int | None, Query(ge=0, description="wait for this position")]


class RuleBody(Command):
    rate: Amount  # per m² of gross (construction) area
    currency: CurrencyCode = "CNY"
    reference: Annotated[str, SingleLine(200)]  # the local rule cited (its document number)
    effective_on: date
    building_rates: dict[UUID, Amount] = {}  # a building's own rate (with a lift, high-rise)


class AssessedView(BaseModel):
    unit_id: UUID
    gross_area: Decimal
    rate: Decimal
    amount: Decimal
    currency: str


class AssessmentDone(BaseModel):
    position: int | None  # None: every unit was already assessed, nothing recorded
    assessed: list[AssessedView]
    skipped: list[UUID]  # units with a fund account opened before any assessment


@from_view(queries.RuleRow)
class RuleView(BaseModel):
    pass


@from_view(
    queries.FirstDepositRuleView, retype={"in_force": RuleView | None, "rules": list[RuleView]}
)
class FirstDepositRuleView(BaseModel):
    pass


@from_view(queries.AssessedUnit)
class AssessedUnitView(BaseModel):
    pass


@from_view(queries.UnpaidTotals)
class UnpaidTotalsView(BaseModel):
    pass


@from_view(
    queries.UnpaidList,
    retype={"units": list[AssessedUnitView], "totals": list[UnpaidTotalsView]},
)
class UnpaidListView(BaseModel):
    pass


@router.put(f"{ESTATE}/first-deposit-rule", response_model=Accepted)
def set_rule(
    estate_id: UUID,
    body: RuleBody,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> Any:
    """The estate's first-deposit rule per m² of gross area; on an estate that has one,
    a revision from its own day (units already assessed keep their assessment)."""
    command = SetFirstDepositRule(
        actor=principal,
        estate_id=estate_id,
        rate=Money.of(body.rate, body.currency),
        reference=body.reference,
        effective_on=body.effective_on,
        building_rates=dict(body.building_rates),
    )
    return accepted(set_first_deposit_rule(container(request).finance.fund.deps, command))


@router.get(f"{ESTATE}/first-deposit-rule")
async def get_rule(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_ESTATE),
    after: After = None,
) -> FirstDepositRuleView:
    """The rule in force today, and every rule and revision by the day it takes effect."""
    await reached(request, PROJECTION, after)
    today = container(request).finance.fund.deps.clock().date()
    found = await query_off_loop(
        request, queries.rule, principal.reach("fund:read"), estate_id, today
    )
    return FirstDepositRuleView.model_validate(found)


@router.post(f"{ESTATE}/first-deposit-assessments")
def assess(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FUND_MANAGE_ESTATE),
) -> AssessmentDone:
    """Assess every unit of the estate not yet assessed, under the rule in force today
    (a unit is assessed once: a second run assesses only units registered since)."""
    fund = container(request).finance.fund
    done = assess_first_deposits(
        fund.deps, fund.units, AssessFirstDeposits(actor=principal, estate_id=estate_id)
    )
    return AssessmentDone(
        position=done.position,
        assessed=[AssessedView(**a) for a in done.assessed],
        skipped=done.skipped,
    )


@router.get(f"{ESTATE}/first-deposits")
async def list_first_deposits(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FUND_READ_ESTATE),
    status: Literal["unpaid", "partly_paid", "paid"] | None = None,
    after: After = None,
) -> UnpaidListView:
    """Every unit assessed with its amount due, paid and outstanding (未交清单), and totals."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the units' numbers
    found = await query_off_loop(
        request, queries.unpaid, principal.reach("fund:read"), estate_id, status
    )
    return UnpaidListView.model_validate(found)
