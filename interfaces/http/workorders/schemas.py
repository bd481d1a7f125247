"""Request bodies and views of the workorders routes (orders and plans)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from domain.workorders.order import Category, Priority
from domain.workorders.rules import Channel
from interfaces.http.schemas import Command, CurrencyCode, DecimalInput, Patch
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.workorders import queries
from projections.workorders.queries import DashboardView, HistoryRow, OrderRow, PlanRow

PROJECTION = "workorders"
Text = Annotated[str, SingleLine(200)]
LongText = Annotated[str, MultiLine(4000)]
Reason = Annotated[str, MultiLine(1000)]


class NewOrder(Command):
    title: Text
    description: LongText
    estate_id: UUID | None = Field(
        None, description="staff: the estate (required; 422 without it); residents: optional"
    )
    unit_id: UUID | None = Field(
        None,
        description="residents: a unit they occupy; left out, the one unit they occupy "
        "(422 naming unit_id if they occupy none or several)",
    )
    equipment_id: UUID | None = None


class OrderOnBehalf(Command):
    resident_id: UUID = Field(description="the resident's user id: the order is theirs")
    unit_id: UUID = Field(description="a unit the resident occupies")
    channel: Channel = Field(description="how the request came: phone, visit or app")
    title: Text
    description: LongText
    equipment_id: UUID | None = None


class Triage(Command):
    category: Category
    priority: Priority


class Assignment(Command):
    technician_id: UUID


class WithReason(Command):
    reason: Reason


class Part(Command):
    name: Text
    qty: Annotated[DecimalInput, Field(gt=0, max_digits=10, decimal_places=3)]
    unit_cost: Annotated[DecimalInput, Field(ge=0, max_digits=12, decimal_places=2)]


class Completion(Command):
    work_done: LongText
    parts: Annotated[list[Part], Field(max_length=100)] = []
    labour_hours: Annotated[DecimalInput, Field(ge=0, max_digits=6, decimal_places=2)]
    cost: Annotated[DecimalInput, Field(ge=0, max_digits=14, decimal_places=2)] | None = Field(
        None, description="defaults to the sum of the parts"
    )
    currency: CurrencyCode = "CNY"


class Rating(Command):
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, MultiLine(2000, min_length=0)] | None = None


@from_view(OrderRow, rename={"order_id": "id"})
class OrderView(BaseModel):
    pass


@from_view(HistoryRow)
class HistoryEntry(BaseModel):
    pass


@from_view(queries.SlaFigures)
class SlaFigures(BaseModel):
    pass


@from_view(
    DashboardView,
    retype={
        "open_by_status_and_priority": list[dict[str, Any]],
        "respond_sla": SlaFigures,
        "resolve_sla": SlaFigures,
    },
)
class Dashboard(BaseModel):
    pass


class NewPlan(Command):
    estate_id: UUID
    title: Text
    equipment_id: UUID | None = None
    equipment_kind: Annotated[str, SingleLine(50)] | None = None
    interval_days: Annotated[int, Field(ge=1, le=3660)]
    checklist: Annotated[list[Annotated[str, SingleLine(500)]], Field(max_length=100)] = []
    team: Annotated[str, SingleLine(100)] | None = None
    technician_id: UUID | None = None
    priority: Priority = Priority.NORMAL
    first_due_on: date


class PlanChange(Patch):
    clearable = frozenset({"team", "technician_id"})

    title: Text | None = None
    interval_days: Annotated[int, Field(ge=1, le=3660)] | None = None
    checklist: Annotated[list[Annotated[str, SingleLine(500)]], Field(max_length=100)] | None = None
    team: Annotated[str, SingleLine(100)] | None = None
    technician_id: UUID | None = None
    priority: Priority | None = None
    next_due_on: date | None = None


@from_view(PlanRow, rename={"plan_id": "id"})
class PlanView(BaseModel):
    pass
