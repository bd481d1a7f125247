"""Routes of the car park: opening it, its tariff, vehicles, the blocklist, the gate, the board."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.estate_time import local_day
from application.parking import commands as c
from application.parking.service import ParkingService
from domain.identity.policy import Permission
from domain.parking.tariff import Tariff
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.parking.schemas import (
    AtTheGate,
    Blocking,
    BoardView,
    CarParkView,
    ExceptionView,
    ExitWithoutEntry,
    GateAnswer,
    NewCarPark,
    NewVehicle,
    TariffChange,
    TariffVersion,
    TemporarySpaces,
)
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Accepted, Created, Cursor, Page, paged
from interfaces.http.security import Principal, container, requires
from projections.parking import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["parking"])

PROJECTION = "parking"
READ = "parking:read"
After = Annotated[int | None, Query(ge=0, description="wait for this position")]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _service(request: Request) -> ParkingService:
    return container(request).parking  # type: ignore[no-any-return]


# ---- car parks -----------------------------------------------------------------------


@router.post("/car-parks", status_code=status.HTTP_201_CREATED)
def open_car_park(
    body: NewCarPark,
    request: Request,
    principal: Principal = requires(Permission.PARKING_MANAGE_ESTATE),
) -> Created:
    """Open the estate's car park: its temporary spaces and its first tariff."""
    command = c.OpenCarPark(principal, body.estate_id, body.temporary_spaces, body.tariff.tariff())
    car_park_id, position = _service(request).open(command)
    return Created(id=car_park_id, position=position)


@router.get("/car-parks")
async def list_car_parks(
    request: Request,
    principal: Principal = requires(Permission.PARKING_READ_ESTATE),
    estate_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    after: After = None,
) -> Page[CarParkView]:
    """The car parks of the estates the caller serves, with their tariffs' versions."""
    await reached(request, PROJECTION, after)
    key = tuple(decode_cursor(cursor, UUID)) if cursor else None
    rows = await query_off_loop(
        request, queries.car_parks, principal.reach(READ), estate_id, key, limit + 1
    )
    return paged(rows, limit, CarParkView.model_validate, lambda r: (r["car_park_id"],))


@router.get("/car-parks/{car_park_id}")
async def get_car_park(
    car_park_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PARKING_READ_ESTATE),
    after: After = None,
) -> CarParkView:
    """One car park and every version of its tariff."""
    await reached(request, PROJECTION, after)
    row = await query_off_loop(request, queries.car_park, principal.reach(READ), car_park_id)
    return CarParkView.model_validate(row)


@router.get("/car-parks/{car_park_id}/board")
async def occupancy_board(
    car_park_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PARKING_READ_ESTATE),
    after: After = None,
) -> BoardView:
    """The occupancy board: spaces, cars inside (pass holders, temporary), free."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the estate's spaces
    row = await query_off_loop(request, queries.board, principal.reach(READ), car_park_id)
    return BoardView.model_validate(row)


@router.post("/car-parks/{car_park_id}/tariffs", status_code=status.HTTP_201_CREATED)
def change_tariff(
    car_park_id: UUID,
    body: TariffChange,
    request: Request,
    principal: Principal = requires(Permission.PARKING_MANAGE_ESTATE),
) -> TariffVersion:
    """A new version of the tariff from ``effective_from``; a session keeps its entry's."""
    fields = body.model_dump()
    effective_from = fields.pop("effective_from")
    command = c.ChangeTariff(principal, car_park_id, Tariff.of(**fields), effective_from)
    version, position = _service(request).change_tariff(command)
    return TariffVersion(version=version, position=position)


@router.post("/car-parks/{car_park_id}/vehicles", status_code=status.HTTP_201_CREATED)
def register_vehicle(
    car_park_id: UUID,
    body: NewVehicle,
    request: Request,
    principal: Principal = requires(Permission.PARKING_MANAGE_ESTATE),
) -> Created:
    """Register a plate to a unit of the estate (a resident's car)."""
    command = c.RegisterVehicle(principal, car_park_id, body.plate, body.unit_id)
    vehicle_id, position = _service(request).register_vehicle(command)
    return Created(id=vehicle_id, position=position)


@router.post("/car-parks/{car_park_id}/blocklist", status_code=status.HTTP_201_CREATED)
def block_plate(
    car_park_id: UUID,
    body: Blocking,
    request: Request,
    principal: Principal = requires(Permission.PARKING_MANAGE_ESTATE),
) -> Created:
    """Put a plate on the blocklist: the entry barrier refuses it (and records that)."""
    command = c.BlockPlate(principal, car_park_id, body.plate, body.reason)
    vehicle_id, position = _service(request).block(command)
    return Created(id=vehicle_id, position=position)


@router.post("/car-parks/{car_park_id}/gate")
def at_the_gate(
    car_park_id: UUID,
    body: AtTheGate,
    request: Request,
    principal: Principal = requires(Permission.GATE_OPERATE_ESTATE),
) -> GateAnswer:
    """A plate at a barrier (the controller's camera, or the guard): open, or stay down."""
    command = c.GateEvent(principal, car_park_id, body.plate, body.gate, body.direction)
    decision = _service(request).gate(command)
    return GateAnswer.model_validate(decision, from_attributes=True)


@router.post("/car-parks/{car_park_id}/temporary-spaces", response_model=Accepted)
def set_temporary_spaces(
    car_park_id: UUID,
    body: TemporarySpaces,
    request: Request,
    principal: Principal = requires(Permission.PARKING_MANAGE_ESTATE),
) -> Accepted:
    """The count of spaces for temporary parking from now (the board's capacity)."""
    command = c.SetTemporarySpaces(principal, car_park_id, body.temporary_spaces)
    return Accepted(position=_service(request).set_temporary_spaces(command))


@router.post("/car-parks/{car_park_id}/exits-without-entry", status_code=status.HTTP_201_CREATED)
def exit_without_entry(
    car_park_id: UUID,
    body: ExitWithoutEntry,
    request: Request,
    principal: Principal = requires(Permission.GATE_OPERATE_ESTATE),
) -> Created:
    """The guard lets out a car with no recorded entry: why, the charge (the tariff's
    lost-ticket fee, the daily cap, or the fee from an estimated entry), and how it was
    paid. A session exited without entry, paid and left; on the day's exceptions."""
    command = c.LetOutWithoutEntry(principal, car_park_id, **body.model_dump())
    session_id, position = _service(request).let_out_without_entry(command)
    return Created(id=session_id, position=position)


@router.get("/car-parks/{car_park_id}/exceptions")
async def exceptions(
    car_park_id: UUID,
    request: Request,
    day: Annotated[date | None, Query(description="Beijing day; default today")] = None,
    principal: Principal = requires(Permission.PARKING_READ_ESTATE),
    cursor: Cursor = None,
    limit: Limit = 500,
    after: After = None,
) -> Page[ExceptionView]:
    """The day's exceptions (Beijing time), as they happened: exits the barrier refused
    for want of an entry, cars let out without one, sessions released, entries refused."""
    await reached(request, PROJECTION, after)
    key = tuple(decode_cursor(cursor, int)) if cursor else None
    on = day or local_day(container(request).clock())
    rows = await query_off_loop(
        request, queries.exceptions, principal.reach(READ), car_park_id, on, key, limit + 1
    )
    return paged(rows, limit, ExceptionView.model_validate, lambda r: (r["position"],))
