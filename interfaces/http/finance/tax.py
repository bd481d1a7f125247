"""HTTP routes of an estate's VAT settings (增值税) and pass-through items (代收代付).

From a month's first day on, the estate's taxpayer status and, per fee item,
the VAT rate and treatment of its bill lines (decision 0023,
docs/finance/rates.md "VAT and pass-through money"). Finance staff of the
estate read (``finance:read``) and set (``finance:manage``) them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from application.finance.rates import RateService
from domain.finance.periods import period_bounds
from domain.finance.rates import FeeItem, period_of
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute, folding_to, moment_of
from interfaces.http.finance.rate_schemas import Ratio
from interfaces.http.routes import Commands
from interfaces.http.schemas import Command, Period
from interfaces.http.security import Principal, container, requires

router = APIRouter(
    route_class=AsOfRoute, prefix="/api/v1/finance/estates/{estate_id}", tags=["finance"]
)
Treatment = Literal["revenue", "pass_through"]


class ItemTaxIn(Command):
    treatment: Treatment = "revenue"
    vat_rate: Ratio | None = Field(
        default=None, description='e.g. "0.06"; left out: the taxpayer\'s default'
    )


class TaxSettingsIn(Command):
    taxpayer: Literal["general", "small_scale"]
    effective_from: date = Field(description="the first day of a month, not before this one")
    items: dict[FeeItem, ItemTaxIn] = Field(default_factory=dict)


class ItemTaxView(BaseModel):
    treatment: Treatment
    vat_rate: Decimal


class TaxSettingView(BaseModel):
    taxpayer: str
    effective_from: date
    items: dict[str, ItemTaxView]


class TaxSettingsView(BaseModel):
    estate_id: UUID
    period: str
    in_force: TaxSettingView | None = Field(
        description="the setting for the period's bills; null: untaxed revenue (never set)"
    )
    history: list[TaxSettingView]


def _rates(request: Request) -> RateService:
    return container(request).finance.rates  # type: ignore[no-any-return]


manage = Commands(router, _rates, Permission.FINANCE_MANAGE_ESTATE)
manage(
    "PUT",
    "/tax-settings",
    RateService.set_tax,
    body=TaxSettingsIn,
    name="set_tax_settings",
    doc="From a month on: the taxpayer status and each fee item's VAT rate and treatment.",
)


@router.get("/tax-settings")
async def tax_settings(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.FINANCE_READ_ESTATE),
    period: Annotated[Period | None, Query()] = None,
) -> TaxSettingsView:
    """The setting in force for ``period`` (default: this month) and every one set;
    ``as_of``: those set by then (default: that month), folded from the log."""
    await anyio.to_thread.run_sync(_rates(request).readable, principal, estate_id)
    return await anyio.to_thread.run_sync(_view, request, estate_id, period)


def _view(request: Request, estate_id: UUID, period: str | None) -> TaxSettingsView:
    service = _rates(request)
    upto = folding_to(request)
    today = moment_of(request) if upto is not None else service.deps.clock()
    wanted = period or period_of(today.date())
    settings = service.tax_settings(estate_id, upto)
    history: list[dict[str, Any]] = settings.settings if settings else []
    now = settings.in_force(period_bounds(wanted)[0]) if settings else None
    return TaxSettingsView(
        estate_id=estate_id,
        period=wanted,
        in_force=TaxSettingView.model_validate(now) if now else None,
        history=[TaxSettingView.model_validate(s) for s in history],
    )
