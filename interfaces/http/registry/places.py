"""Routes of estates, buildings, units (with their occupancy) and parking spaces.

Reads show what the caller's reach admits (``projections/registry/views.py``);
commands go to one handler each, which checks the caller on the record.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from application.registry import commands as c
from application.registry.service import RegistryService
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.cursors import decode_cursor
from interfaces.http.registry.common import handlers, in_estate, read, record
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
from interfaces.http.routes import Commands
from interfaces.http.schemas import Accepted, Created, Cursor, Page, accepted, paged
from interfaces.http.security import Principal, requires
from projections.registry import views

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["registry"])
send = Commands(router, handlers, Permission.REGISTRY_MANAGE_ESTATE)

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
    cursor: Cursor = None,
    limit: Limit = 200,
    after: After = None,
) -> Page[EstateView]:
    """Estates the caller may see, in code order, a page at a time."""
    code = decode_cursor(cursor, str)[0] if cursor else None
    rows = await read(request, principal, after, views.estates, after_code=code, limit=limit + 1)
    return paged(rows, limit, EstateView.model_validate, lambda r: (r["code"],))


record(
    router, "/estates/{estate_id}", EstateView, views.estate, name="get_estate", doc="One estate."
)
send(
    "PATCH",
    "/estates/{estate_id}",
    RegistryService.change_estate,
    body=EstateChange,
    doc="Rename an estate or correct its address.",
)


# ---- buildings ----------------------------------------------------------------


send(
    "POST",
    "/estates/{estate_id}/buildings",
    RegistryService.register_building,
    body=NewBuilding,
    name="create_building",
    created=True,
    doc="Register a building of the estate; its code is unique within the estate.",
)
in_estate(
    router,
    "/buildings",
    BuildingView,
    views.buildings,
    name="list_buildings",
    doc="Buildings the caller may see, of one estate or all, a page at a time.",
)
record(
    router,
    "/buildings/{building_id}",
    BuildingView,
    views.building,
    name="get_building",
    doc="One building.",
)
send(
    "PATCH",
    "/buildings/{building_id}",
    RegistryService.change_building,
    body=BuildingChange,
    doc="Rename a building or correct its number of floors.",
)


# ---- units --------------------------------------------------------------------


send(
    "POST",
    "/buildings/{building_id}/units",
    RegistryService.register_unit,
    body=NewUnit,
    name="create_unit",
    created=True,
    doc="Register a unit; its number is unique within the building.",
)


@router.get("/units")
async def list_units(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    estate_id: UUID | None = None,
    building_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 200,
    after: After = None,
) -> Page[UnitView]:
    """Units the caller may see, in building and number order, a page at a time."""
    rows = await read(
        request,
        principal,
        after,
        views.units,
        estate_id=estate_id,
        building_id=building_id,
        cursor=decode_cursor(cursor, UUID)[0] if cursor else None,
        limit=limit + 1,
    )
    return paged(rows, limit, UnitView.model_validate, lambda r: (r["id"],))


record(router, "/units/{unit_id}", UnitView, views.unit, name="get_unit", doc="One unit.")
send(
    "PATCH",
    "/units/{unit_id}",
    RegistryService.correct_unit,
    body=UnitCorrection,
    doc="Correct a unit's floor, areas or use (areas are checked together).",
)


# ---- occupancy ------------------------------------------------------------------


record(
    router,
    "/units/{unit_id}/occupancy",
    OccupancyView,
    views.unit_occupancy,
    name="unit_occupancy",
    doc="The unit's occupancy history, oldest first: owners, residents, tenants.",
    many=True,
)
send(
    "POST",
    "/units/{unit_id}/move-in",
    RegistryService.move_in,
    body=MoveIn,
    doc="Begin a person's occupancy as owner, resident or tenant.",
)
send(
    "POST",
    "/units/{unit_id}/move-out",
    RegistryService.move_out,
    body=MoveOut,
    doc="End a resident's or tenant's occupancy (an owner's ends by a transfer).",
)


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


send(
    "POST",
    "/estates/{estate_id}/parking",
    RegistryService.register_parking,
    body=NewParking,
    name="create_parking",
    created=True,
    doc="Register a parking space of the estate.",
)
in_estate(
    router,
    "/parking",
    ParkingView,
    views.parking,
    name="list_parking",
    doc="Parking spaces the caller may see, of one estate or all, a page at a time.",
)
record(
    router,
    "/parking/{parking_id}",
    ParkingView,
    views.parking_space,
    name="get_parking",
    doc="One parking space.",
)
send(
    "POST",
    "/parking/{parking_id}/assignment",
    RegistryService.assign_parking,
    body=ParkingAssignment,
    doc="Let a parking space to a unit.",
)
send(
    "DELETE",
    "/parking/{parking_id}/assignment",
    RegistryService.release_parking,
    doc="End a parking space's letting.",
)
