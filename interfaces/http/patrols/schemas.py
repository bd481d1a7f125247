"""Request bodies and views of the patrols routes."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field

from domain.patrols.route import MAX_ITEMS, MAX_POINTS
from interfaces.http.schemas import Command, Day, DecimalInput
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.patrols.queries import (
    CompletionRow,
    PlanRow,
    RouteRow,
    TaskDetail,
    TaskPointRow,
    TaskRow,
)

#: The read model the patrols' reads wait for (``?after=``).
PROJECTION = "patrols"
Limit = Annotated[int, Query(ge=1, le=1000)]
After = Annotated[int | None, Query(ge=0)]
Name = Annotated[str, SingleLine(100)]
Reason = Annotated[str, MultiLine(1000)]
Reading = Annotated[DecimalInput, Field(max_digits=14, decimal_places=4)]


class Item(Command):
    label: Annotated[str, SingleLine(200)] = Field(description="what to look at or read")
    unit: Annotated[str, SingleLine(20)] | None = Field(
        None, description="a reading's unit (MPa, °C, A): the answer must give its value"
    )
    low: Reading | None = Field(None, description="a reading below this is abnormal")
    high: Reading | None = Field(None, description="a reading above this is abnormal")


class Point(Command):
    name: Name
    place: Annotated[str, SingleLine(200)] | None = None
    checklist: Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS)]


class NewRoute(Command):
    estate_id: UUID
    name: Name
    points: Annotated[list[Point], Field(min_length=1, max_length=MAX_POINTS)] = Field(
        description="in walking order; each is given a code to print as its QR label"
    )


class NewPoint(Point):
    pass


class WithReason(Command):
    reason: Reason


class NewPlan(Command):
    route_id: UUID
    name: Name
    assignee_id: UUID = Field(description="a technician or gate guard of the route's estate")
    shift_starts: Annotated[str, SingleLine(5, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = Field(
        description="local time the shift starts (HH:MM)", examples=["22:00"]
    )
    shift_minutes: Annotated[int, Field(ge=30, le=1440)]
    first_shift_on: Day
    weekdays: Annotated[
        list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)
    ] = Field(
        [1, 2, 3, 4, 5, 6, 7], description="ISO weekdays the shift runs on (1 Monday .. 7 Sunday)"
    )
    timezone: Annotated[str, SingleLine(64)] = "Asia/Shanghai"


class Reassignment(Command):
    assignee_id: UUID


class Answer(Command):
    item_id: Annotated[str, SingleLine(10)]
    result: Literal["normal", "abnormal"]
    value: Reading | None = Field(None, description="the reading, for an item with a unit")
    note: Annotated[str, MultiLine(1000)] | None = None
    photo_ref: Annotated[str, SingleLine(300)] | None = Field(
        None, description="the uploaded photo's reference"
    )


class NewCheckIn(Command):
    point_id: UUID
    code: Annotated[str, SingleLine(64)] = Field(
        description="the code scanned from the point's label"
    )
    answers: Annotated[list[Answer], Field(min_length=1, max_length=MAX_ITEMS)]


class CheckedIn(BaseModel):
    position: int
    work_order_id: UUID | None = Field(description="the order the abnormal answers opened")


@from_view(RouteRow, rename={"route_id": "id"})
class RouteView(BaseModel):
    pass


@from_view(PlanRow, rename={"plan_id": "id"})
class PlanView(BaseModel):
    pass


@from_view(TaskRow, rename={"task_id": "id"})
class TaskView(BaseModel):
    pass


@from_view(TaskPointRow, rename={"point_id": "id"})
class TaskPointView(BaseModel):
    pass


@from_view(TaskDetail, rename={"task_id": "id"}, retype={"point_list": list[TaskPointView]})
class TaskDetailView(BaseModel):
    pass


@from_view(CompletionRow)
class CompletionView(BaseModel):
    pass
