"""HTTP routes of fee schedules: rates and their approval, billing terms,
shared costs (公摊) and meter readings, per estate (R5.1).

Finance staff of the estate read (``finance:read``) and change
(``finance:manage``) them; staff of another estate get 404, as for a missing
estate; an owner (who reads only their own bills) gets 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, BeforeValidator, Field

from application.finance.rates import EstateNotFound, RateService
from application.registry.lookups import estate_exists
from domain.finance.rates import FeeItem, RecordNotFound, check_period, period_of
from domain.identity.policy import Permission, Scope, widest_scope
from interfaces.http import reads
from interfaces.http.consistency import reached
from interfaces.http.problems import Problem
from interfaces.http.schemas import (
    Accepted,
    Amount,
    Command,
    Count,
    Created,
    CurrencyCode,
    Period,
    accepted,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine, ascii_decimal
from projections.finance.rates import (
    CHANGE_COLUMNS,
    COST_COLUMNS,
    READING_COLUMNS,
    TERMS_COLUMNS,
)

router = APIRouter(prefix="/api/v1/finance/estates/{estate_id}", tags=["finance"])

PROJECTION = "finance_rates"
PeriodQuery = Annotated[Period | None, Query()]
After = Annotated[int | None, Query(ge=0)]
Reason = Annotated[str, MultiLine(500)]


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('send ratios as decimal strings, e.g. "0.0005", never as floats')
    return value


Ratio = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    BeforeValidator(ascii_decimal),
    Field(max_digits=12, decimal_places=6, ge=0, le=1),
]


# ---- bodies and views ------------------------------------------------------------


class ResolutionIn(Command):
    """An owners' assembly vote as its minutes record it (areas in m²)."""

    reference: Annotated[str, SingleLine(100)]
    meeting_on: date
    total_area: Amount
    total_owners: Annotated[Count, Field(ge=1)]
    participating_area: Amount
    participating_owners: Count
    area_for: Amount
    owners_for: Count


class RateChangeIn(Command):
    item: FeeItem
    rate: Amount = Field(description="price per measure, up to 4 decimal places")
    currency: CurrencyCode = "CNY"
    basis: Literal["gross", "internal", "space", "usage"] | None = Field(
        default=None, description="default: gross for per-area items, space, usage"
    )
    effective_from: date = Field(description="the first day of a month")
    resolution: ResolutionIn | None = None
    contract_reference: Annotated[str, SingleLine(100)] | None = None


class RateChangeCreated(Created):
    approval_id: UUID


class TermsIn(Command):
    due_days: Annotated[int, Field(ge=1, le=365)] = 15
    late_fee_daily_rate: Ratio = Decimal("0.0005")
    late_fee_grace_days: Annotated[int, Field(ge=0, le=365)] = 0
    late_fee_cap_ratio: Ratio = Decimal(1)
    currency: CurrencyCode = "CNY"


class SharedCostIn(Command):
    period: Period
    item: Literal["shared_area", "public_maintenance"] = "shared_area"
    description: Annotated[str, MultiLine(500)]
    amount: Amount
    currency: CurrencyCode = "CNY"
    basis: Literal["gross", "internal"] = "gross"


class WithReason(Command):
    reason: Reason


class ReadingIn(Command):
    unit_id: UUID
    meter: Literal["water", "electricity"]
    reading: Amount
    read_on: date


class ReadingsIn(Command):
    period: Period
    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=5000)]


class RateView(BaseModel):
    item: str
    rate: Decimal
    currency: str
    basis: str
    effective_from: date
    change_id: UUID


class ChangeView(BaseModel):
    change_id: UUID
    item: str
    rate: Decimal
    currency: str
    basis: str
    effective_from: date
    resolution: dict[str, Any] | None
    contract_reference: str | None
    approval_id: UUID
    proposed_by: UUID
    proposed_at: datetime
    status: str
    outcome: str | None
    decided_at: datetime | None


class TermsView(BaseModel):
    due_days: int
    late_fee_daily_rate: Decimal
    late_fee_grace_days: int
    late_fee_cap_ratio: Decimal
    currency: str
    configured: bool
    updated_at: datetime | None


class FeeScheduleView(BaseModel):
    estate_id: UUID
    current_period: str
    in_force_now: list[RateView]
    period: str
    in_force: list[RateView]
    pending: list[ChangeView]
    terms: TermsView
    history: list[ChangeView]


class SharedCostView(BaseModel):
    cost_id: UUID
    period: str
    item: str
    description: str
    amount: Decimal
    currency: str
    basis: str
    status: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class ReadingView(BaseModel):
    unit_id: UUID
    meter: str
    reading: Decimal
    read_on: date
    recorded_at: datetime


class UsageView(BaseModel):
    unit_id: UUID
    water: Decimal | None
    electricity: Decimal | None


class ReadingsView(BaseModel):
    period: str
    readings: list[ReadingView]
    usage: list[UsageView] = Field(description="units with usage; a first reading is a baseline")


# ---- helpers -------------------------------------------------------------------------


def _rates(request: Request) -> RateService:
    return container(request).finance.rates  # type: ignore[no-any-return]


def _estate(request: Request, principal: Principal, action: str, estate_id: UUID) -> None:
    """Staff of the estate (or of every estate) pass; another estate's, or a
    missing estate, is 404; a caller who may only see their own records, 403."""
    if widest_scope(principal.permissions, action) not in (Scope.ANY, Scope.ESTATE):
        raise Problem(403, f"this needs {action} for the estate")
    principal.check(action, None, estate_id)
    if not estate_exists(container(request).event_log, estate_id):
        raise Problem(404, "no such record, or not yours to see")


@contextmanager
def _found() -> Iterator[None]:
    try:
        yield
    except (RecordNotFound, EstateNotFound):
        raise Problem(404, "no such record, or not yours to see") from None


def _change(row: tuple[Any, ...]) -> ChangeView:
    return ChangeView(**dict(zip(CHANGE_COLUMNS, row, strict=True)))


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
    await anyio.to_thread.run_sync(_estate, request, principal, "finance:read", estate_id)
    await reached(request, PROJECTION, after)
    return await anyio.to_thread.run_sync(_fee_schedule, request, estate_id, period)


def _fee_schedule(request: Request, estate_id: UUID, period: str | None) -> FeeScheduleView:
    now = period_of(_rates(request).deps.clock().date())
    wanted = period or now
    columns = ", ".join(CHANGE_COLUMNS)
    history = [
        _change(r)
        for r in reads.rows(
            request,
            f"SELECT {columns} FROM finance_rate_changes WHERE estate_id = %s "
            "ORDER BY proposed_at, change_id",
            [estate_id],
        )
    ]
    terms_rows = reads.rows(
        request,
        f"SELECT {', '.join(TERMS_COLUMNS)} FROM finance_billing_terms WHERE estate_id = %s",
        [estate_id],
    )
    if terms_rows:
        terms = TermsView(**dict(zip(TERMS_COLUMNS, terms_rows[0], strict=True)), configured=True)
    else:
        d = _rates(request).terms(estate_id)
        terms = TermsView(**vars(d), configured=False, updated_at=None)
    return FeeScheduleView(
        estate_id=estate_id,
        current_period=now,
        in_force_now=_in_force(request, estate_id, now),
        period=wanted,
        in_force=_in_force(request, estate_id, wanted),
        pending=[c for c in history if c.status == "pending"],
        terms=terms,
        history=history,
    )


def _in_force(request: Request, estate_id: UUID, period: str) -> list[RateView]:
    year, month = check_period(period).split("-")
    rows = reads.rows(
        request,
        "SELECT DISTINCT ON (item) item, rate, currency, basis, effective_from, change_id "
        "FROM finance_rate_changes WHERE estate_id = %s AND status = 'adopted' "
        "AND effective_from <= %s ORDER BY item, effective_from DESC, adopted_position DESC",
        [estate_id, date(int(year), int(month), 1)],
    )
    names = ("item", "rate", "currency", "basis", "effective_from", "change_id")
    return [RateView(**dict(zip(names, r, strict=True))) for r in rows]


@router.post("/rate-changes", status_code=status.HTTP_201_CREATED)
def propose_rate_change(
    estate_id: UUID,
    body: RateChangeIn,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> RateChangeCreated:
    """Propose a rate; it is adopted when the ``rate_change`` approval is approved."""
    _estate(request, principal, "finance:manage", estate_id)
    with _found():
        change_id, approval_id, position = _rates(request).propose_rate_change(
            estate_id,
            principal.user_id,
            item=str(body.item),
            rate=body.rate,
            currency=body.currency,
            basis=body.basis,
            effective_from=body.effective_from,
            resolution=body.resolution.model_dump() if body.resolution else None,
            contract_reference=body.contract_reference,
        )
    return RateChangeCreated(id=change_id, position=position, approval_id=approval_id)


@router.post("/rate-changes/{change_id}/withdrawal", response_model=Accepted)
def withdraw_rate_change(
    estate_id: UUID,
    change_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Any:
    """The proposer withdraws a change still awaiting approval; the old rate stays."""
    _estate(request, principal, "finance:manage", estate_id)
    with _found():
        position = _rates(request).withdraw_rate_change(
            estate_id, change_id, principal.user_id, body.reason
        )
    return accepted(position)


@router.put("/billing-terms", response_model=Accepted)
def set_billing_terms(
    estate_id: UUID,
    body: TermsIn,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Any:
    """Set every billing term (those left out take their defaults)."""
    _estate(request, principal, "finance:manage", estate_id)
    with _found():
        position = _rates(request).set_terms(estate_id, **body.model_dump())
    return accepted(position)


# ---- shared costs (公摊) -----------------------------------------------------------------


@router.post("/shared-costs", status_code=status.HTTP_201_CREATED)
def record_shared_cost(
    estate_id: UUID,
    body: SharedCostIn,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Created:
    """A cost of one month to split over the units by gross or internal area."""
    _estate(request, principal, "finance:manage", estate_id)
    with _found():
        cost_id, position = _rates(request).record_shared_cost(estate_id, **body.model_dump())
    return Created(id=cost_id, position=position)


@router.get("/shared-costs")
async def list_shared_costs(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    period: PeriodQuery = None,
    after: After = None,
) -> list[SharedCostView]:
    """Shared costs of the estate (of ``period``), withdrawn ones included with their status."""
    await anyio.to_thread.run_sync(_estate, request, principal, "finance:read", estate_id)
    await reached(request, PROJECTION, after)
    clauses: list[str] = ["estate_id = %s"]
    params: list[Any] = [estate_id]
    if period:
        clauses.append("period = %s")
        params.append(period)
    rows = await anyio.to_thread.run_sync(
        reads.rows,
        request,
        f"SELECT {', '.join(COST_COLUMNS)} FROM finance_shared_costs "
        f"WHERE {' AND '.join(clauses)} ORDER BY period, recorded_at, cost_id",
        params,
    )
    return [SharedCostView(**dict(zip(COST_COLUMNS, r, strict=True))) for r in rows]


@router.post("/shared-costs/{cost_id}/withdrawal", response_model=Accepted)
def withdraw_shared_cost(
    estate_id: UUID,
    cost_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Any:
    """Withdraw a shared cost recorded in error; bills made later leave it out."""
    _estate(request, principal, "finance:manage", estate_id)
    with _found():
        position = _rates(request).withdraw_shared_cost(estate_id, cost_id, body.reason)
    return accepted(position)


# ---- meter readings -----------------------------------------------------------------------


@router.post("/meter-readings", response_model=Accepted)
def record_meter_readings(
    estate_id: UUID,
    body: ReadingsIn,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_MANAGE_ESTATE),
) -> Any:
    """Record water and electricity readings of the estate's units for a month."""
    _estate(request, principal, "finance:manage", estate_id)
    with _found():
        position = _rates(request).record_readings(
            estate_id, body.period, [r.model_dump() for r in body.readings]
        )
    return accepted(position)


@router.get("/meter-readings")
async def list_meter_readings(
    estate_id: UUID,
    request: Request,
    period: Annotated[Period, Query()],
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    after: After = None,
) -> ReadingsView:
    """The month's readings, and each unit's usage as the billing run will charge it."""
    await anyio.to_thread.run_sync(_estate, request, principal, "finance:read", estate_id)
    await reached(request, PROJECTION, after)
    return await anyio.to_thread.run_sync(_readings, request, estate_id, period)


def _readings(request: Request, estate_id: UUID, period: str) -> ReadingsView:
    rows = reads.rows(
        request,
        f"SELECT {', '.join(READING_COLUMNS)} FROM finance_meter_readings "
        "WHERE estate_id = %s AND period = %s ORDER BY unit_id, meter",
        [estate_id, period],
    )
    usage = _rates(request).usage(estate_id, period)
    return ReadingsView(
        period=period,
        readings=[ReadingView(**dict(zip(READING_COLUMNS, r, strict=True))) for r in rows],
        usage=[
            UsageView(unit_id=u, water=m.get("water"), electricity=m.get("electricity"))
            for u, m in sorted(usage.items(), key=lambda kv: str(kv[0]))
        ],
    )
