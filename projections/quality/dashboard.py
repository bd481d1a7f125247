"""The estate dashboard: the figures a manager opens the day with, in one read.

Each figure is a row of :data:`FIGURES`: its name (the response's key), the
read models it reads (the route waits for each, decision 0045) and the
query of the read model that owns the rows (``projections/<context>/quality.py``);
no figure has a table of its own. A new figure is a row here and a field of
the route's response model
(``interfaces/http/dashboard.py: Dashboard``); ``tests/unit/quality`` fails
until both have it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg

from projections.community.quality import SurveyFigures, survey_figures
from projections.equipment.quality import AlarmFigures, active_alarms
from projections.finance.accounts.quality import CollectionFigures, collection
from projections.meters.quality import MeterFigures, meter_figures
from projections.patrols.quality import PatrolFigures, patrol_figures
from projections.quality import runs
from projections.reach import Reaching
from projections.registry.quality import OccupancyFigures, occupancy
from projections.workorders.quality import (
    OrderFigures,
    RatingFigures,
    order_figures,
    rating_figures,
)


@dataclass(frozen=True)
class DashboardScope:
    estate_id: UUID
    now: datetime  # UTC

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def month(self) -> str:
        return f"{self.now:%Y-%m}"

    @property
    def year_start(self) -> datetime:
        return datetime(self.now.year, 1, 1, tzinfo=UTC)


class Satisfaction(TypedDict):
    work_orders: RatingFigures
    surveys: SurveyFigures


def _satisfaction(conn: psycopg.Connection[Any], s: DashboardScope) -> Satisfaction:
    return {
        "work_orders": rating_figures(conn, s.estate_id, s.year_start),
        "surveys": survey_figures(conn, s.estate_id, s.year_start),
    }


class DashboardRow(TypedDict):
    estate_id: UUID
    on: date
    month: str
    occupancy: OccupancyFigures
    collection: CollectionFigures
    work_orders: OrderFigures
    alarms: AlarmFigures
    satisfaction: Satisfaction
    quality: runs.RunRow | None  # the estate's last data-quality run
    patrols: PatrolFigures  # this month's
    meters: MeterFigures  # this month's


@dataclass(frozen=True)
class Figure:
    name: str
    read_models: tuple[str, ...]
    read: Callable[[psycopg.Connection[Any], DashboardScope], Any]


FIGURES: tuple[Figure, ...] = (
    Figure("occupancy", ("registry",), lambda c, s: occupancy(c, s.estate_id)),
    Figure(
        "collection",
        ("finance_accounts",),
        lambda c, s: collection(c, s.estate_id, s.month, s.today),
    ),
    Figure("work_orders", ("workorders",), lambda c, s: order_figures(c, s.estate_id, s.now)),
    Figure("alarms", ("alarms",), lambda c, s: active_alarms(c, s.estate_id)),
    Figure("satisfaction", ("workorders", "community"), _satisfaction),
    Figure("quality", (runs.NAME,), lambda c, s: runs.latest(c, s.estate_id)),
    Figure("patrols", ("patrols",), lambda c, s: patrol_figures(c, s.estate_id, s.month)),
    Figure("meters", ("meters",), lambda c, s: meter_figures(c, s.estate_id, s.month)),
)
READ_MODELS: tuple[str, ...] = tuple(dict.fromkeys(m for f in FIGURES for m in f.read_models))


def dashboard(
    conn: psycopg.Connection[Any], reach: Reaching, scope: DashboardScope
) -> DashboardRow | None:
    """Every figure of the estate, by name; None outside the reach."""
    if not (reach.everything or scope.estate_id in reach.estates):
        return None
    return cast(
        DashboardRow,
        {
            "estate_id": scope.estate_id,
            "on": scope.today,
            "month": scope.month,
            **{f.name: f.read(conn, scope) for f in FIGURES},
        },
    )
