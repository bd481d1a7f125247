"""Request bodies and answers of the registry's routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field

from domain.registry.places import PARKING_KINDS
from domain.registry.unit import Relation, UnitUse
from interfaces.http.schemas import Accepted, Command, DecimalInput, NationalId, Patch, Phone
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.registry import views

Code = Annotated[str, SingleLine(32)]
Name = Annotated[str, SingleLine(200)]
Area = Annotated[DecimalInput, Field(gt=0, le=100000, decimal_places=2)]
After = Annotated[int | None, Query(ge=0, description="wait for this position")]
Limit = Annotated[int, Query(ge=1, le=1000)]


# ---- bodies -----------------------------------------------------------------


class NewEstate(Command):
    code: Code
    name: Name
    address: Annotated[str, MultiLine(500)]


class EstateChange(Patch):
    name: Name | None = None
    address: Annotated[str, MultiLine(500)] | None = None


class NewBuilding(Command):
    code: Code
    name: Name | None = None
    floors: Annotated[int, Field(ge=1, le=200)] | None = None


class BuildingChange(Patch):
    name: Name | None = None
    floors: Annotated[int, Field(ge=1, le=200)] | None = None


class NewUnit(Command):
    number: Code
    floor: Annotated[int, Field(ge=-10, le=200)]
    gross_area: Area = Field(description='m², a decimal string such as "89.50"')
    internal_area: Area = Field(description="m², at most the gross area")
    use: UnitUse = UnitUse.RESIDENTIAL


class UnitCorrection(Patch):
    floor: Annotated[int, Field(ge=-10, le=200)] | None = None
    gross_area: Area | None = None
    internal_area: Area | None = None
    use: UnitUse | None = None


class NewParking(Command):
    code: Code
    level: Annotated[str, SingleLine(32)] | None = None
    kind: Annotated[str, SingleLine(32)] = Field(
        "standard", description=f"one of {', '.join(PARKING_KINDS)}"
    )


class ParkingAssignment(Command):
    unit_id: UUID


class NewPerson(Command):
    name: Annotated[str, SingleLine(100)]
    phone: Phone | None = None
    national_id: NationalId | None = None
    user_id: UUID | None = Field(None, description="the login account this person uses")


class ContactChange(Patch):
    name: Annotated[str, SingleLine(100)] | None = None
    phone: Phone | None = None
    national_id: NationalId | None = None


class AccountLink(Command):
    user_id: UUID


class Erasure(Command):
    reason: Annotated[str, MultiLine(500)]


class MoveIn(Command):
    person_id: UUID
    relation: Relation
    on: date
    co_owner: bool = Field(False, description="add an owner beside the current owners")


class MoveOut(Command):
    person_id: UUID
    on: date


class OwnershipTransfer(Command):
    new_owner_ids: Annotated[list[UUID], Field(min_length=1, max_length=10)]
    on: date


# ---- answers ------------------------------------------------------------------


class ImportReport(Accepted):
    rows: int
    units: int
    buildings: int
    people: int


@from_view(views.EstateRow)
class EstateView(BaseModel):
    pass


@from_view(views.BuildingRow)
class BuildingView(BaseModel):
    pass


@from_view(views.UnitRow)
class UnitView(BaseModel):
    pass


@from_view(views.ParkingRow)
class ParkingView(BaseModel):
    pass


@from_view(views.PersonRow, describe=dict.fromkeys(("name", "phone", "national_id"), "masked"))
class PersonView(BaseModel):
    pass


@from_view(
    views.OccupancyRow, describe={"person_name": "masked", "ended_by": "moved_out or transferred"}
)
class OccupancyView(BaseModel):
    pass
