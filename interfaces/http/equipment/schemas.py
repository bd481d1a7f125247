"""Request bodies and views of the equipment routes, and the views built from
read-model rows (``projections/equipment/queries.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AliasChoices, BaseModel, Field, model_validator

from domain.equipment.rules import EquipmentKind, Metric
from interfaces.http.schemas import Command, DecimalInput, Page, Patch
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.equipment import archive
from projections.equipment.alarms import AlarmRow
from projections.equipment.listing import EquipmentRow

Text = Annotated[str, SingleLine(200)]
StateCode = Annotated[str, SingleLine(64, pattern=r"^[a-z][a-z0-9_]{0,63}$")]
MAX_BATCH = 5000


# ---- bodies and views -------------------------------------------------------


class NewEquipment(Command):
    estate_id: UUID
    kind: EquipmentKind
    name: Text
    model: Text | None = None
    serial_number: Text | None = None
    location: Annotated[str, SingleLine(500, min_length=0)] | None = None
    building_id: UUID | None = None
    unit_id: UUID | None = None
    installed_on: date | None = None
    vendor: Text | None = None
    warranty_until: date | None = None


class DetailsChange(Patch):
    clearable = frozenset(
        {"model", "serial_number", "location", "building_id", "unit_id", "installed_on"}
        | {"vendor", "warranty_until"}
    )

    name: Text | None = None
    model: Text | None = None
    serial_number: Text | None = None
    location: Annotated[str, SingleLine(500, min_length=0)] | None = None
    building_id: UUID | None = None
    unit_id: UUID | None = None
    installed_on: date | None = None
    vendor: Text | None = None
    warranty_until: date | None = None


class StatusChange(Command):
    status: Literal["in_service", "out_of_service", "decommissioned"]
    reason: Annotated[str, MultiLine(500)]


class ReadingIn(Command):
    equipment_id: UUID
    at: datetime
    metric: Metric
    value: Annotated[DecimalInput, Field(allow_inf_nan=False, ge=-(10**12), le=10**12)] | None = (
        None
    )
    state: StateCode | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ReadingIn:
        if self.at.tzinfo is None:
            raise ValueError("at needs a timezone, e.g. 2026-01-01T00:00:00Z")
        if self.metric == Metric.STATE:
            if self.state is None or self.value is not None:
                raise ValueError("a state reading carries a state code and no value")
        elif self.value is None or self.state is not None:
            raise ValueError(f"a {self.metric} reading carries a value and no state")
        return self


class TelemetryBatch(Command):
    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=MAX_BATCH)]


class Rejected(BaseModel):
    index: int
    equipment_id: UUID
    reason: str


class IngestAnswer(BaseModel):
    received: int
    stored: int
    duplicates: int
    late: int
    rejected: list[Rejected]
    alarms_raised: list[UUID]
    alarms_returned_to_normal: list[UUID]
    events: int
    position: int


class WorkOrderRequest(Command):
    title: Text | None = None
    description: Annotated[str, MultiLine(4000)] | None = None


class EquipmentView(BaseModel):
    id: UUID
    estate_id: UUID
    kind: str
    name: str
    model: str | None
    serial_number: str | None
    location: str | None
    building_id: UUID | None
    unit_id: UUID | None
    installed_on: date | None
    age_years: float | None
    vendor: str | None
    warranty_until: date | None
    under_warranty: bool | None
    status: str
    state: str | None
    state_at: datetime | None
    active_conditions: list[str]
    repair_count: int
    maintenance_count: int
    last_repaired_at: datetime | None
    last_serviced_at: datetime | None
    stale_reminded_at: datetime | None
    registered_at: datetime
    updated_at: datetime
    version: int


@from_view(AlarmRow, rename={"alarm_id": "id"})
class AlarmView(BaseModel):
    pass


@from_view(archive.ArchiveEntry)
class ArchiveEntry(BaseModel):
    pass


class ArchivePage(Page[ArchiveEntry]):
    """A page of the archive, and the equipment it is of."""

    equipment: EquipmentView


class BoardRow(BaseModel):
    # the board's rows carry equipment_id; the answer names the record's own ID id
    id: UUID = Field(validation_alias=AliasChoices("equipment_id", "id"))
    estate_id: UUID
    kind: str
    name: str
    location: str | None
    status: str
    state: str | None
    connectivity: Literal["online", "offline"]
    condition: Literal["normal", "alarm"]
    active_conditions: list[str]
    open_alarms: int
    worst_severity: str | None
    last_reading_at: datetime | None
    latest: dict[str, Any]


def equipment_view(row: EquipmentRow, today: date) -> EquipmentView:
    """The row with what follows from today's date: age and warranty."""
    data: dict[str, Any] = dict(row)
    data["id"] = data.pop("equipment_id")
    installed = data["installed_on"]
    data["age_years"] = round((today - installed).days / 365.25, 2) if installed else None
    warranty = data["warranty_until"]
    data["under_warranty"] = (warranty >= today) if warranty else None
    data["active_conditions"] = list(data["active_conditions"] or [])
    return EquipmentView(**data)
