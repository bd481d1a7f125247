"""The estate dashboard: one read with the figures a manager opens the day with.

``GET /estates/{estate_id}/dashboard`` needs ``dashboard:read`` for the estate
(managers, customer service, finance; auditors every estate, with ``as_of``).
Each figure is a row of ``projections/quality/dashboard.py: FIGURES`` and a
field of :class:`Dashboard` below: **a new figure (the patrols' completion,
the meters' readings) is added in those two places**, and
``tests/unit/quality/test_check_table.py`` fails until both have it.
docs/quality.md defines each figure.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from application.actor import HIDDEN
from application.errors import NotFound
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute, read_moment
from interfaces.http.consistency import reached
from interfaces.http.quality import QualityRunView
from interfaces.http.reads import query_off_loop
from interfaces.http.security import Principal, requires
from interfaces.http.views import from_view
from projections.community.quality import SurveyFigures
from projections.equipment.quality import AlarmFigures
from projections.events import to_json
from projections.finance.accounts.quality import Arrears, Collection, CollectionFigures
from projections.meters.quality import MeterFigures
from projections.patrols.quality import PatrolFigures
from projections.quality.dashboard import READ_MODELS, DashboardScope, dashboard
from projections.registry.quality import OccupancyFigures
from projections.workorders.quality import OrderFigures, RatingFigures

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["dashboard"])


@from_view(OccupancyFigures)
class Occupancy(BaseModel):
    """入住率: the estate's units and those someone lives in now."""


@from_view(Collection)
class CollectionRate(BaseModel):
    """收缴率 of one currency: collected / (billed - waived)."""


@from_view(Arrears)
class ArrearsFigures(BaseModel):
    """Bills past due and not paid, of one currency."""


@from_view(
    CollectionFigures,
    retype={
        "month": list[CollectionRate],
        "year": list[CollectionRate],
        "arrears": list[ArrearsFigures],
    },
)
class CollectionView(BaseModel):
    """收缴率 of this month's and this year's bills, and the arrears, per currency."""


@from_view(OrderFigures)
class WorkOrderFigures(BaseModel):
    """Open and overdue work orders."""


@from_view(AlarmFigures)
class Alarms(BaseModel):
    """Alarms not cleared, by severity."""


@from_view(RatingFigures)
class Ratings(BaseModel):
    """This year's work orders' ratings (1-5)."""


@from_view(SurveyFigures)
class Surveys(BaseModel):
    """This year's satisfaction surveys (1-5)."""


class Satisfaction(BaseModel):
    work_orders: Ratings
    surveys: Surveys


@from_view(PatrolFigures)
class Patrols(BaseModel):
    """This month's patrols (巡检), every route and person: points checked of those due."""


@from_view(MeterFigures)
class Meters(BaseModel):
    """This month's meter reading (抄表): meters, those read, readings awaiting confirmation."""


class Dashboard(BaseModel):
    """The estate's figures on a day (docs/quality.md, "The dashboard")."""

    estate_id: UUID
    on: date = Field(description="the day (UTC) the figures are drawn on")
    month: str = Field(description="the month of ``on``, YYYY-MM")
    occupancy: Occupancy
    collection: CollectionView
    work_orders: WorkOrderFigures
    alarms: Alarms
    satisfaction: Satisfaction
    quality: QualityRunView | None = Field(description="the last data-quality run")
    patrols: Patrols
    meters: Meters
    # New figures go here, one field each, beside their row of FIGURES.


@router.get("/estates/{estate_id}/dashboard", response_model=Dashboard)
async def estate_dashboard(
    estate_id: UUID,
    request: Request,
    after: Annotated[int | None, Query(ge=0, description="wait for this position")] = None,
    principal: Principal = requires(Permission.DASHBOARD_READ_ESTATE),
) -> Response:
    """The figures a manager opens the day with, each from the read model that owns it."""
    for name in READ_MODELS:
        await reached(request, name, after)
    scope = DashboardScope(estate_id, await read_moment(request))
    found = await query_off_loop(request, dashboard, principal.reach("dashboard:read"), scope)
    if found is None:
        raise NotFound(HIDDEN)
    row = {**found, "quality": _named(found["quality"])}
    return Response(to_json(row), media_type="application/json")


def _named(run: object) -> object:
    if not isinstance(run, dict):
        return run
    return {"id": run["run_id"], **{k: v for k, v in run.items() if k != "run_id"}}
