"""Bodies and views of the car park's routes."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from application.parking import commands as c
from domain.parking.session import ExitCharge
from domain.parking.tariff import Tariff
from domain.parking.vehicle import PassBilling, PaymentMethod
from interfaces.http.schemas import Accepted, Amount, Command, CurrencyCode, Day, Moment
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.parking import queries

Plate = Annotated[str, SingleLine(20)]
Clock = Annotated[str, SingleLine(5, pattern="^[0-2][0-9]:[0-5][0-9]$")]


class TariffBody(Command):
    """Free minutes, then every started hour; a night rate in its window (Beijing time)."""

    currency: CurrencyCode = "CNY"
    free_minutes: Annotated[int, Field(ge=0, le=1440)]
    per_hour: Amount
    daily_cap: Amount
    night_per_hour: Amount | None = None
    night_from: Clock | None = None
    night_until: Clock | None = None
    grace_minutes: Annotated[int, Field(ge=0, le=120)] = Field(
        15, description="after paying, the minutes a car may take to leave (离场宽限)"
    )
    lost_ticket_fee: Amount | None = Field(
        None, description="charged to a car let out with no recorded entry (丢卡费)"
    )

    def tariff(self) -> Tariff:
        return Tariff.of(**self.model_dump())


class NewCarPark(Command):
    estate_id: UUID
    temporary_spaces: Annotated[int, Field(ge=0, le=100_000)]
    tariff: TariffBody


class TariffChange(TariffBody):
    effective_from: Moment


class NewVehicle(Command):
    plate: Plate
    unit_id: UUID


class Blocking(Command):
    plate: Plate
    reason: Annotated[str, MultiLine(500)]


class NewPass(Command):
    billing: PassBilling
    starts_on: Day
    space_id: UUID | None = None  # a space of the unit (needed when billed to its account)
    months: Annotated[int, Field(ge=1, le=36)] | None = None  # prepaid only
    amount: Amount | None = None  # prepaid only: what was paid
    method: PaymentMethod | None = None
    reference: Annotated[str, SingleLine(100)] | None = None


class AtTheGate(Command):
    plate: Plate
    gate: Annotated[str, SingleLine(50)]
    direction: c.Direction


class Payment(Command):
    method: PaymentMethod
    reference: Annotated[str, SingleLine(100)] | None = None  # an online payment's


class Release(Command):
    reason: Annotated[str, MultiLine(500)]


class TemporarySpaces(Command):
    temporary_spaces: Annotated[int, Field(ge=0, le=100_000)]


class ExitWithoutEntry(Command):
    """A car at the exit with no recorded entry, let out by the guard."""

    plate: Plate
    gate: Annotated[str, SingleLine(50)]
    reason: Annotated[str, MultiLine(500)]
    charge: ExitCharge
    entered_at: Moment | None = Field(None, description="the estimate, for estimated_entry")
    method: PaymentMethod | None = Field(None, description="how the fee was paid, if any")
    reference: Annotated[str, SingleLine(100)] | None = None


class TariffVersion(Accepted):
    version: int


class GateAnswer(BaseModel):
    """What the barrier does (``open``) and why; ``fee`` is owed when it stays down."""

    open: bool
    status: str  # inside | awaiting_payment | paid | left | refused | no_entry
    session_id: UUID | None
    vehicle_id: UUID
    plate: str
    fee: Decimal
    currency: str
    pass_id: UUID | None
    refused: str | None
    position: int | None  # null: nothing was recorded (a car still owing)


class Paid(Accepted):
    status: str


@from_view(queries.CarParkRow, rename={"car_park_id": "id"})
class CarParkView(BaseModel):
    pass


@from_view(queries.PassRow, rename={"pass_id": "id"})
class PassView(BaseModel):
    pass


@from_view(queries.VehicleRow, rename={"vehicle_id": "id"}, extra={"passes": (list[PassView], [])})
class VehicleView(BaseModel):
    pass


@from_view(queries.SessionRow, rename={"session_id": "id"})
class SessionView(BaseModel):
    pass


@from_view(queries.BoardRow, rename={"car_park_id": "id"})
class BoardView(BaseModel):
    pass


@from_view(queries.ExceptionRow)
class ExceptionView(BaseModel):
    pass
