"""Request and response bodies of the meters routes (抄表)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from domain.meters.jump_rule import HIGHEST_FACTOR, LOWEST_FACTOR
from domain.meters.values import MOST_USAGES, ChangeReason, MeterKind, ReadingStatus
from interfaces.http.schemas import Command, Day, DecimalInput, Period, Reason
from interfaces.http.text import SingleLine
from interfaces.http.views import from_view
from projections.meters.queries import (
    JumpRuleRow,
    MeterRow,
    ReadingRow,
    RoundRow,
    StopRow,
    UnreadRow,
)

Reading = Annotated[DecimalInput, Field(ge=0, max_digits=14, decimal_places=4)]
RoundStatus = StrEnum("RoundStatus", {"OPEN": "open", "CLOSED": "closed"})  # type: ignore[misc]


class NewMeter(Command):
    estate_id: UUID
    kind: MeterKind
    serial: Annotated[str, SingleLine(60)]
    initial_reading: Reading
    installed_on: date
    unit_id: UUID | None = Field(None, description="a unit's meter: the unit")
    area: Annotated[str, SingleLine(200)] | None = Field(
        None, description="a shared meter: the common area it measures (lifts, lighting...)"
    )


class Replacement(Command):
    final_reading: Reading = Field(description="the old meter's last reading")
    initial_reading: Reading = Field(description="the new (or reset) meter's first reading")
    changed_on: date
    reason: ChangeReason
    new_serial: Annotated[str, SingleLine(60)] | None = Field(
        None, description="the new meter's serial (required when replaced)"
    )


class NewReading(Command):
    reading: Reading
    read_on: date
    period: Period | None = Field(
        None, description="the billing month; the round's, else the month read in"
    )
    round_id: UUID | None = Field(None, description="the round the technician reads it on")


class Submission(Command):
    reading: Reading
    read_on: date
    period: Period
    photo_ref: Annotated[str, SingleLine(500)] = Field(
        description="where the photo of the meter's face is kept"
    )


class Decision(Command):
    reading_id: UUID


class Rejection(Command):
    reading_id: UUID
    reason: Reason


class NewRound(Command):
    estate_id: UUID
    period: Period
    technician_id: UUID
    meter_ids: list[UUID] = Field(min_length=1, max_length=2000, description="in route order")
    due_on: Day


class JumpRuleIn(Command):
    factor: Annotated[
        DecimalInput,
        Field(
            gt=LOWEST_FACTOR,
            le=HIGHEST_FACTOR,
            decimal_places=2,
            description="a reading is held when its usage is above this many times the average",
        ),
    ]
    window: int = Field(ge=1, le=MOST_USAGES, description="of the meter's last this many usages")


class ReadingCreated(BaseModel):
    id: UUID
    status: ReadingStatus
    position: int


class ImportDone(BaseModel):
    rows: int
    held: int = Field(description="readings held for confirmation (a jump)")
    position: int


@from_view(MeterRow, rename={"meter_id": "id"})
class MeterView(BaseModel):
    pass


@from_view(ReadingRow, rename={"reading_id": "id"})
class ReadingView(BaseModel):
    pass


@from_view(StopRow, rename={"meter_id": "id"})
class StopView(BaseModel):
    pass


@from_view(RoundRow, rename={"round_id": "id"}, extra={"stops": (list[StopView], ...)})
class RoundView(BaseModel):
    pass


@from_view(RoundRow, rename={"round_id": "id"})
class RoundSummary(BaseModel):
    pass


@from_view(UnreadRow, rename={"meter_id": "id"})
class UnreadView(BaseModel):
    pass


@from_view(JumpRuleRow)
class JumpRuleView(BaseModel):
    """When the estate's readings are held as jumps (changed_by null: the default)."""
