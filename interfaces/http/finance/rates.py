"""HTTP routes of fee schedules: rates and their approval, billing terms,
shared costs (公摊) and meter readings, per estate (R5.1).

Finance staff of the estate read (``finance:read``) and change
(``finance:manage``) them; staff of another estate get 404, as for a missing
estate; an owner (who reads only their own bills) gets 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request, status

from application.finance.rates import RateService
from application.finance.rates.commands import (
    ProposeRateChange,
    RecordSharedCost,
)
from domain.finance.fee_items import METERS
from domain.finance.rates import period_of, period_start
from domain.identity.policy import Permission
from interfaces.http.approvals import approval_number
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.finance.rate_schemas import (
    ChangeView,
    FeeScheduleView,
    RateChangeCreated,
    RateChangeIn,
    RateView,
    ReadingsIn,
    ReadingsView,
    ReadingView,
    SharedCostIn,
    SharedCostView,
    TermsIn,
    TermsView,
    UsageView,
    VacancyPayerIn,
    WithReason,
)
from interfaces.http.reads import query, query_off_loop
from interfaces.http.routes import Commands
from interfaces.http.schemas import Created, Cursor, Page, Period, paged, priced
from interfaces.http.security import Principal, container, requires
from projections.finance import rates as queries
from projections.finance.views import RateChangeRow

router = APIRouter(
    route_class=AsOfRoute, prefix="/api/v1/finance/estates/{estate_id}", tags=["finance"]
)

PROJECTION = "finance_rates"
PeriodQuery = Annotated[Period | None, Query()]
After = Annotated[int | None, Query(ge=0)]


# ---- helpers -------------------------------------------------------------------------


def _rates(request: Request) -> RateService:
    return container(request).finance.rates  # type: ignore[no-any-return]


manage = Commands(router, _rates, Permission.FINANCE_MANAGE_ESTATE)


def _change(row: RateChangeRow) -> ChangeView:
    return ChangeView.model_validate(row)  # without the row's adopted_position


# ---- the fee schedule ------------------------------------------------------------------


@router.get("/fee-schedule")
async def fee_schedule(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    period: PeriodQuery = None,
    after: After = None,
) -> FeeScheduleView:
    """Rates in force now and in ``period``, changes awaiting approval, terms, history."""
    await anyio.to_thread.run_sync(_rates(request).readable, principal, estate_id)
    await reached(request, PROJECTION, after)
    return await anyio.to_thread.run_sync(_fee_schedule, request, estate_id, period)


def _fee_schedule(request: Request, estate_id: UUID, period: str | None) -> FeeScheduleView:
    now = period_of(_rates(request).deps.clock().date())
    wanted = period or now
    changes = query(request, queries.rate_changes, estate_id)
    configured = query(request, queries.billing_terms, estate_id)
    if configured is not None:
        terms = TermsView(**configured, configured=True)
    else:
        d = _rates(request).terms(estate_id)
        terms = TermsView(**vars(d), configured=False, updated_at=None)
    payer = _rates(request).vacancy_payer(estate_id)
    return FeeScheduleView(
        estate_id=estate_id,
        current_period=now,
        in_force_now=_in_force(request, estate_id, now),
        period=wanted,
        in_force=_in_force(request, estate_id, wanted),
        pending=[_change(r) for r in changes if r["status"] == "pending"],
        terms=terms,
        history=[_change(r) for r in changes],
        vacancy_payer_id=payer.person_id if payer is not None else None,
    )


def _in_force(request: Request, estate_id: UUID, period: str) -> list[RateView]:
    first_day = period_start(period)
    return [
        RateView.model_validate(r)
        for r in query(request, queries.rates_in_force, estate_id, first_day)
    ]


@router.post("/rate-changes", status_code=status.HTTP_201_CREATED)
def propose_rate_change(
    estate_id: UUID,
    body: RateChangeIn,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> RateChangeCreated:
    """Propose a rate; it is adopted when the ``rate_change`` approval is approved."""
    change_id, approval_id, position = _rates(request).propose(
        ProposeRateChange(
            actor=principal,
            estate_id=estate_id,
            item=str(body.item),
            rate=body.rate,
            currency=body.currency,
            basis=body.basis,
            effective_from=body.effective_from,
            resolution=body.resolution.model_dump() if body.resolution else None,
            contract_reference=body.contract_reference,
        )
    )
    return RateChangeCreated(
        id=change_id,
        position=position,
        approval_id=approval_id,
        approval_number=approval_number(request, approval_id),
    )


manage(
    "POST",
    "/rate-changes/{change_id}/withdrawal",
    RateService.withdraw_change,
    body=WithReason,
    name="withdraw_rate_change",
    doc="The proposer withdraws a change still awaiting approval; the old rate stays.",
)
manage(
    "PUT",
    "/billing-terms",
    RateService.set_terms,
    body=TermsIn,
    name="set_billing_terms",
    doc="Set every billing term (those left out take their defaults).",
)
manage(
    "PUT",
    "/vacancy-payer",
    RateService.name_vacancy_payer,
    body=VacancyPayerIn,
    name="name_vacancy_payer",
    doc="Name the person (the developer, or another party) billed for vacant units (空置房).",
)


# ---- shared costs (公摊) -----------------------------------------------------------------


@router.post("/shared-costs", status_code=status.HTTP_201_CREATED)
def record_shared_cost(
    estate_id: UUID,
    body: SharedCostIn,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Created:
    """A cost of one month to split over the units by gross or internal area."""
    command = RecordSharedCost(principal, estate_id, **priced(body))
    cost_id, position = _rates(request).record_cost(command)
    return Created(id=cost_id, position=position)


@router.get("/shared-costs")
async def list_shared_costs(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    period: PeriodQuery = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    after: After = None,
) -> Page[SharedCostView]:
    """Shared costs of the estate (of ``period``), withdrawn ones included with
    their status, in period and recording order."""
    await anyio.to_thread.run_sync(_rates(request).readable, principal, estate_id)
    await reached(request, PROJECTION, after)
    key = decode_cursor(cursor, str, datetime, UUID) if cursor else None
    rows = await query_off_loop(request, queries.shared_costs, estate_id, period, key, limit + 1)
    return paged(
        rows,
        limit,
        SharedCostView.model_validate,
        lambda r: (r["period"], r["recorded_at"], r["cost_id"]),
    )


manage(
    "POST",
    "/shared-costs/{cost_id}/withdrawal",
    RateService.withdraw_cost,
    body=WithReason,
    name="withdraw_shared_cost",
    doc="Withdraw a shared cost recorded in error; bills made later leave it out.",
)


# ---- meter readings -----------------------------------------------------------------------


manage(
    "POST",
    "/meter-readings",
    RateService.record_readings,
    body=ReadingsIn,
    name="record_meter_readings",
    doc="Record water, electricity and gas readings of the estate's units for a month.",
)


@router.get("/meter-readings")
async def list_meter_readings(
    estate_id: UUID,
    request: Request,
    period: Annotated[Period, Query()],
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    after: After = None,
) -> ReadingsView:
    """The month's readings, and each unit's usage as the billing run will charge it."""
    await anyio.to_thread.run_sync(_rates(request).readable, principal, estate_id)
    await reached(request, PROJECTION, after)
    return await anyio.to_thread.run_sync(_readings, request, estate_id, period)


def _readings(request: Request, estate_id: UUID, period: str) -> ReadingsView:
    rows = query(request, queries.meter_readings, estate_id, period)
    usage = _rates(request).usage(estate_id, period)
    return ReadingsView(
        period=period,
        readings=[ReadingView.model_validate(r) for r in rows],
        usage=[
            UsageView(unit_id=u, **{meter: m.get(meter) for meter in METERS})
            for u, m in sorted(usage.items(), key=lambda kv: str(kv[0]))
        ],
    )
