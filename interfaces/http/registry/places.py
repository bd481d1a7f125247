"""Routes of estates, buildings, units (with their occupancy) and parking spaces.

Reads show what the caller's reach admits (``projections/registry/views.py``);
commands go to one handler each, which checks the caller on the record.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.registry import commands as c
from domain.identity.policy import Permission
from interfaces.http.registry.common import handlers, read
from interfaces.http.registry.schemas import (
    After,
    BuildingChange,
    BuildingView,
    EstateChange,
    EstateView,
    Limit,
    MoveIn,
    MoveOut,
    NewBuilding,
    NewEstate,
    NewParking,
    NewUnit,
    OccupancyView,
    OwnershipTransfer,
    ParkingAssignment,
    ParkingView,
    UnitCorrection,
    UnitView,
)
from interfaces.http.schemas import Accepted, Created, accepted
from interfaces.http.security import Principal, requires
from projections.registry import views

router = APIRouter(prefix="/api/v1", tags=["registry"])

# ---- estates ------------------------------------------------------------------


@router.post("/estates", status_code=status.HTTP_201_CREATED)
def create_estate(
    body: NewEstate, request: Request, principal: Principal = requires(Permission.REGISTRY_MANAGE)
) -> Created:
    """Register an estate; its code is unique across the company."""
    done = handlers(request).register_estate(c.RegisterEstate(principal, **body.model_dump()))
    return Created(id=done.id, position=done.position)


@router.get("/estates")
async def list_estates(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    limit: Limit = 200,
    after: After = None,
) -> list[EstateView]:
    rows = await read(request, principal, after, views.estates, limit=limit)
    return [EstateView(**r) for r in rows]


@router.get("/estates/{estate_id}")
async def get_estate(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> EstateView:
    return EstateView(**await read(request, principal, after, views.estate, estate_id))


@router.patch("/estates/{estate_id}", response_model=Accepted)
def change_estate(
    estate_id: UUID,
    body: EstateChange,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    command = c.ChangeEstate(principal, estate_id, **body.model_dump())
    return accepted(handlers(request).change_estate(command))


# ---- buildings ----------------------------------------------------------------


@router.post("/estates/{estate_id}/buildings", status_code=status.HTTP_201_CREATED)
def create_building(
    estate_id: UUID,
    body: NewBuilding,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Created:
    command = c.RegisterBuilding(principal, estate_id, **body.model_dump())
    done = handlers(request).register_building(command)
    return Created(id=done.id, position=done.position)


@router.get("/buildings")
async def list_buildings(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    estate_id: UUID | None = None,
    limit: Limit = 500,
    after: After = None,
) -> list[BuildingView]:
    rows = await read(request, principal, after, views.buildings, estate_id=estate_id, limit=limit)
    return [BuildingView(**r) for r in rows]


@router.get("/buildings/{building_id}")
async def get_building(
    building_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> BuildingView:
    return BuildingView(**await read(request, principal, after, views.building, building_id))


@router.patch("/buildings/{building_id}", response_model=Accepted)
def change_building(
    building_id: UUID,
    body: BuildingChange,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    command = c.ChangeBuilding(principal, building_id, **body.model_dump())
    return accepted(handlers(request).change_building(command))


# ---- units --------------------------------------------------------------------


@router.post("/buildings/{building_id}/units", status_code=status.HTTP_201_CREATED)
def create_unit(
    building_id: UUID,
    body: NewUnit,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Created:
    """Register a unit; its number is unique within the building."""
    done = handlers(request).register_unit(
        c.RegisterUnit(principal, building_id, **body.model_dump())
    )
    return Created(id=done.id, position=done.position)


@router.get("/units")
async def list_units(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    estate_id: UUID | None = None,
    building_id: UUID | None = None,
    cursor: Annotated[UUID | None, Query(description="the last unit ID of the page before")] = None,
    limit: Limit = 200,
    after: After = None,
) -> list[UnitView]:
    """Units the caller may see, in building and number order, a page at a time."""
    rows = await read(
        request,
        principal,
        after,
        views.units,
        estate_id=estate_id,
        building_id=building_id,
        cursor=cursor,
        limit=limit,
    )
    return [UnitView(**r) for r in rows]


@router.get("/units/{unit_id}")
async def get_unit(
    unit_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> UnitView:
    return UnitView(**await read(request, principal, after, views.unit, unit_id))


@router.patch("/units/{unit_id}", response_model=Accepted)
def correct_unit(
    unit_id: UUID,
    body: UnitCorrection,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """Correct a unit's floor, areas or use (areas are checked together)."""
    command = c.CorrectUnit(principal, unit_id, **body.model_dump(exclude_none=True))
    return accepted(handlers(request).correct_unit(command))


# ---- occupancy ------------------------------------------------------------------


@router.get("/units/{unit_id}/occupancy")
async def unit_occupancy(
    unit_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> list[OccupancyView]:
    """The unit's occupancy history, oldest first: owners, residents, tenants."""
    rows = await read(request, principal, after, views.unit_occupancy, unit_id)
    return [OccupancyView(**r) for r in rows]


@router.post("/units/{unit_id}/move-in", response_model=Accepted)
def move_in(
    unit_id: UUID,
    body: MoveIn,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """Begin a person's occupancy as owner, resident or tenant."""
    return accepted(handlers(request).move_in(c.MoveIn(principal, unit_id, **body.model_dump())))


@router.post("/units/{unit_id}/move-out", response_model=Accepted)
def move_out(
    unit_id: UUID,
    body: MoveOut,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """End a resident's or tenant's occupancy (an owner's ends by a transfer)."""
    return accepted(handlers(request).move_out(c.MoveOut(principal, unit_id, **body.model_dump())))


@router.post("/units/{unit_id}/ownership-transfers", response_model=Accepted)
def transfer_ownership(
    unit_id: UUID,
    body: OwnershipTransfer,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """End every current owner's record and begin the new owners' on one date."""
    command = c.TransferOwnership(principal, unit_id, tuple(body.new_owner_ids), body.on)
    return accepted(handlers(request).transfer_ownership(command))


# ---- parking ------------------------------------------------------------------


@router.post("/estates/{estate_id}/parking", status_code=status.HTTP_201_CREATED)
def create_parking(
    estate_id: UUID,
    body: NewParking,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Created:
    command = c.RegisterParking(principal, estate_id, **body.model_dump())
    done = handlers(request).register_parking(command)
    return Created(id=done.id, position=done.position)


@router.get("/parking")
async def list_parking(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    estate_id: UUID | None = None,
    limit: Limit = 500,
    after: After = None,
) -> list[ParkingView]:
    rows = await read(request, principal, after, views.parking, estate_id=estate_id, limit=limit)
    return [ParkingView(**r) for r in rows]


@router.get("/parking/{parking_id}")
async def get_parking(
    parking_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> ParkingView:
    return ParkingView(**await read(request, principal, after, views.parking_space, parking_id))


@router.post("/parking/{parking_id}/assignment", response_model=Accepted)
def assign_parking(
    parking_id: UUID,
    body: ParkingAssignment,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    command = c.AssignParking(principal, parking_id, body.unit_id)
    return accepted(handlers(request).assign_parking(command))


@router.delete("/parking/{parking_id}/assignment", response_model=Accepted)
def release_parking(
    parking_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    return accepted(handlers(request).release_parking(c.ReleaseParking(principal, parking_id)))
