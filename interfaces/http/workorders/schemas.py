"""Request bodies and views of the workorders routes (orders and plans)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from domain.workorders.order import Category, Priority
from interfaces.http.schemas import Command, CurrencyCode, DecimalInput, Patch
from interfaces.http.text import MultiLine, SingleLine
from projections.workorders.queries import OrderRow, PlanRow

PROJECTION = "workorders"
Text = Annotated[str, SingleLine(200)]
LongText = Annotated[str, MultiLine(4000)]
Reason = Annotated[str, MultiLine(1000)]


class NewOrder(Command):
    title: Text
    description: LongText
    estate_id: UUID | None = Field(None, description="staff: the estate; residents: optional")
    unit_id: UUID | None = Field(None, description="residents: a unit they occupy (required)")
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


class OrderView(BaseModel):
    id: UUID
    estate_id: UUID
    unit_id: UUID | None
    equipment_id: UUID | None
    title: str
    description: str
    source: str
    source_ref: str | None
    status: str
    category: str | None
    priority: str | None
    assignee_id: UUID | None
    requested_by: UUID | None
    submitted_at: datetime
    triaged_at: datetime | None
    assigned_at: datetime | None
    accepted_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    rated_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    respond_by: datetime | None
    resolve_by: datetime | None
    respond_breached: bool
    resolve_breached: bool
    hold_reason: str | None
    work_done: str | None
    parts: list[dict[str, Any]]
    labour_hours: Decimal | None
    cost: Decimal | None
    currency: str | None
    rating: int | None
    rating_comment: str | None
    reassignments: int
    rejections: int
    reopenings: int
    updated_at: datetime
    version: int


class HistoryEntry(BaseModel):
    position: int
    version: int
    event: str
    at: datetime
    actor_id: UUID | None
    actor_role: str | None
    payload: dict[str, Any]


class SlaFigures(BaseModel):
    met: int
    missed: int
    compliance_pct: float | None


class Dashboard(BaseModel):
    open_total: int
    open_by_status: dict[str, int]
    open_by_priority: dict[str, int]
    open_by_status_and_priority: list[dict[str, Any]]
    submitted_in_period: int
    respond_sla: SlaFigures
    resolve_sla: SlaFigures
    mean_time_to_respond_minutes: float | None
    mean_time_to_resolve_hours: float | None
    mean_rating: float | None


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


class PlanView(BaseModel):
    id: UUID
    estate_id: UUID
    title: str
    equipment_id: UUID | None
    equipment_kind: str | None
    interval_days: int
    checklist: list[str]
    team: str | None
    technician_id: UUID | None
    priority: str
    next_due_on: date
    status: str
    orders_opened: int
    last_order_id: UUID | None
    last_due_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int


def order_view(row: OrderRow) -> OrderView:
    data: dict[str, Any] = dict(row)
    return OrderView(id=data.pop("order_id"), **data)


def plan_view(row: PlanRow) -> PlanView:
    data: dict[str, Any] = dict(row)
    return PlanView(id=data.pop("plan_id"), **data)
