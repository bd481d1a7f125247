"""HTTP routes of the registry context (R1.1, R3.3, R7.4).

Reads come from the ``registry`` read model and are scoped: staff see the
estates they serve, administrators and auditors everything, owners and
residents the units they occupy now (and their estate, building, parking and
own person record). A record outside the caller's reach answers 404, as a
missing one does. Commands load the record, check the caller's ``estate``
scope on it, and decide.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from application.identity.service import UserNotFound
from application.registry.importing import ImportRejected, file_kind
from application.registry.service import ImportDone, RegistryRecordNotFound, RegistryService
from domain.errors import ValidationFailed
from domain.identity.policy import Permission
from domain.registry.places import PARKING_KINDS
from domain.registry.unit import Relation, UnitUse
from interfaces.http import reads
from interfaces.http.consistency import reached
from interfaces.http.problems import Problem
from interfaces.http.schemas import (
    Accepted,
    Command,
    Created,
    DecimalInput,
    NationalId,
    Patch,
    Phone,
    accepted,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from projections.registry import queries as registry_queries

router = APIRouter(prefix="/api/v1", tags=["registry"])

READ = "registry:read"
MANAGE = "registry:manage"
PROJECTION = "registry"

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


class EstateView(BaseModel):
    id: UUID
    code: str
    name: str
    address: str
    created_at: datetime
    updated_at: datetime
    version: int


class BuildingView(BaseModel):
    id: UUID
    estate_id: UUID
    code: str
    name: str
    floors: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class UnitView(BaseModel):
    id: UUID
    estate_id: UUID
    building_id: UUID
    number: str
    floor: int
    gross_area: Decimal
    internal_area: Decimal
    use: str
    created_at: datetime
    updated_at: datetime
    version: int


class ParkingView(BaseModel):
    id: UUID
    estate_id: UUID
    code: str
    level: str | None
    kind: str
    unit_id: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class PersonView(BaseModel):
    id: UUID
    estate_id: UUID
    name: str | None = Field(description="masked")
    phone: str | None = Field(description="masked")
    national_id: str | None = Field(description="masked")
    user_id: UUID | None
    personal_data_erased: bool
    created_at: datetime
    updated_at: datetime
    version: int


class OccupancyView(BaseModel):
    id: UUID
    unit_id: UUID
    estate_id: UUID
    building_id: UUID
    person_id: UUID
    person_name: str | None = Field(description="masked")
    user_id: UUID | None
    relation: str
    moved_in_on: date
    moved_out_on: date | None
    ended_by: str | None = Field(description="moved_out or transferred")
    current: bool


# ---- helpers ------------------------------------------------------------------


def _service(request: Request) -> RegistryService:
    return container(request).registry


def _guard(principal: Principal) -> Any:
    def guard(estate_id: UUID) -> None:
        principal.check(MANAGE, owner_id=None, estate_id=estate_id)

    return guard


def _may_link(request: Request, principal: Principal, user_id: UUID | None) -> None:
    """A login account may be linked only by someone who manages every estate it
    already belongs to (as staff, or through a person linked to it): a manager
    must not take over another estate's resident (who would lose their link,
    and whose login would see this estate's bills). A login that belongs to no
    estate yet was made by a company administrator for some estate no record
    names, so only company-wide managers link it first: an estate manager who
    got there first would take it. Refused as a missing account, so the answer
    tells nothing of the other estate."""
    if user_id is None:
        return
    refused = ValidationFailed("user_id: no such login account")
    try:
        # The aggregate, not the user directory: an estate assigned a moment
        # ago counts.
        estates = set(container(request).identity.get_for_reading(user_id).estates)
    except UserNotFound:
        raise refused from None
    # The links as of the log's head: a link made a moment ago counts too. This
    # runs in a worker thread; the wait (or a stopped read model's 503) is the
    # reads' own.
    head = container(request).event_log.head()
    anyio.from_thread.run(partial(reached, request, PROJECTION, None, at_least=head))
    with container(request).pool.connection() as conn:
        estates |= registry_queries.estates_of_login(conn, user_id)
    if not estates:
        if not principal.reach(MANAGE).everything:
            raise refused
    elif not all(principal.may(MANAGE, None, estate) for estate in estates):
        raise refused


@contextmanager
def _commands() -> Iterator[None]:
    try:
        yield
    except RegistryRecordNotFound as missing:
        raise Problem(404, str(missing)) from None
    except ImportRejected as rejected:
        raise Problem(
            422,
            f"{len(rejected.errors)} error(s) in the file; nothing was imported",
            title="Import refused",
            rows=rejected.rows,
            errors=rejected.report(),
        ) from None


_CURRENT_UNITS = (
    "SELECT unit_id FROM registry_occupancy WHERE user_id = %s AND moved_out_on IS NULL"
)


def _reach(principal: Principal, estate_column: str, own_sql: str) -> tuple[str, list[Any]]:
    """The rows of a list the caller may see: every row, their estates', or their own."""
    reach = principal.reach(READ)
    if reach.everything:
        return "true", []
    clauses: list[str] = []
    params: list[Any] = []
    if reach.estates:
        clauses.append(f"{estate_column} = ANY(%s)")
        params.append(list(reach.estates))
    if reach.own:
        clauses.append(own_sql)
        params += [reach.user_id] * own_sql.count("%s")
    if not clauses:
        return "false", []
    return "(" + " OR ".join(clauses) + ")", params


def _one(request: Request, sql: str, params: list[Any]) -> tuple[Any, ...]:
    rows = reads.rows(request, sql, params)
    if not rows:
        raise Problem(404, "no such record, or not yours to see")
    return rows[0]


def _occupants(request: Request, column: str, value: UUID) -> set[UUID]:
    rows = reads.rows(
        request,
        "SELECT DISTINCT user_id FROM registry_occupancy "
        f"WHERE {column} = %s AND moved_out_on IS NULL AND user_id IS NOT NULL",
        [value],
    )
    return {r[0] for r in rows}


# ---- estates ------------------------------------------------------------------

ESTATE_COLUMNS = "estate_id, code, name, address, created_at, updated_at, version"


def _estate(row: tuple[Any, ...]) -> EstateView:
    return EstateView(**dict(zip(["id", *ESTATE_COLUMNS.split(", ")[1:]], row, strict=True)))


@router.post("/estates", status_code=status.HTTP_201_CREATED)
def create_estate(
    body: NewEstate, request: Request, principal: Principal = requires(Permission.REGISTRY_MANAGE)
) -> Created:
    """Register an estate; its code is unique across the company."""
    done = _service(request).register_estate(**body.model_dump())
    return Created(id=done.id, position=done.position)


@router.get("/estates")
async def list_estates(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    limit: Limit = 200,
    after: After = None,
) -> list[EstateView]:
    await reached(request, PROJECTION, after)
    where, params = _reach(
        principal,
        "estate_id",
        "estate_id IN (SELECT estate_id FROM registry_occupancy "
        "WHERE user_id = %s AND moved_out_on IS NULL)",
    )
    rows = reads.rows(
        request,
        f"SELECT {ESTATE_COLUMNS} FROM registry_estates WHERE {where} ORDER BY code LIMIT %s",
        [*params, limit],
    )
    return [_estate(r) for r in rows]


@router.get("/estates/{estate_id}")
async def get_estate(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> EstateView:
    await reached(request, PROJECTION, after)
    principal.check(READ, owner_id=_occupants(request, "estate_id", estate_id), estate_id=estate_id)
    return _estate(
        _one(
            request,
            f"SELECT {ESTATE_COLUMNS} FROM registry_estates WHERE estate_id = %s",
            [estate_id],
        )
    )


@router.patch("/estates/{estate_id}", response_model=Accepted)
def change_estate(
    estate_id: UUID,
    body: EstateChange,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    with _commands():
        return accepted(
            _service(request).change_estate(estate_id, _guard(principal), **body.model_dump())
        )


# ---- buildings ----------------------------------------------------------------

BUILDING_COLUMNS = "building_id, estate_id, code, name, floors, created_at, updated_at, version"


def _building(row: tuple[Any, ...]) -> BuildingView:
    return BuildingView(**dict(zip(["id", *BUILDING_COLUMNS.split(", ")[1:]], row, strict=True)))


@router.post("/estates/{estate_id}/buildings", status_code=status.HTTP_201_CREATED)
def create_building(
    estate_id: UUID,
    body: NewBuilding,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Created:
    with _commands():
        done = _service(request).register_building(
            estate_id, _guard(principal), **body.model_dump()
        )
    return Created(id=done.id, position=done.position)


@router.get("/buildings")
async def list_buildings(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    estate_id: UUID | None = None,
    limit: Limit = 500,
    after: After = None,
) -> list[BuildingView]:
    await reached(request, PROJECTION, after)
    where, params = _reach(
        principal,
        "estate_id",
        "building_id IN (SELECT building_id FROM registry_occupancy "
        "WHERE user_id = %s AND moved_out_on IS NULL)",
    )
    if estate_id is not None:
        where += " AND estate_id = %s"
        params.append(estate_id)
    rows = reads.rows(
        request,
        f"SELECT {BUILDING_COLUMNS} FROM registry_buildings WHERE {where} "
        "ORDER BY estate_id, code LIMIT %s",
        [*params, limit],
    )
    return [_building(r) for r in rows]


@router.get("/buildings/{building_id}")
async def get_building(
    building_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> BuildingView:
    await reached(request, PROJECTION, after)
    view = _building(
        _one(
            request,
            f"SELECT {BUILDING_COLUMNS} FROM registry_buildings WHERE building_id = %s",
            [building_id],
        )
    )
    occupants = _occupants(request, "building_id", building_id)
    principal.check(READ, owner_id=occupants, estate_id=view.estate_id)
    return view


@router.patch("/buildings/{building_id}", response_model=Accepted)
def change_building(
    building_id: UUID,
    body: BuildingChange,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    with _commands():
        return accepted(
            _service(request).change_building(building_id, _guard(principal), **body.model_dump())
        )


# ---- units --------------------------------------------------------------------

UNIT_COLUMNS = (
    "unit_id, estate_id, building_id, number, floor, gross_area, internal_area, use, "
    "created_at, updated_at, version"
)


def _unit(row: tuple[Any, ...]) -> UnitView:
    return UnitView(**dict(zip(["id", *UNIT_COLUMNS.split(", ")[1:]], row, strict=True)))


@router.post("/buildings/{building_id}/units", status_code=status.HTTP_201_CREATED)
def create_unit(
    building_id: UUID,
    body: NewUnit,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Created:
    """Register a unit; its number is unique within the building."""
    with _commands():
        done = _service(request).register_unit(building_id, _guard(principal), **body.model_dump())
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
    await reached(request, PROJECTION, after)
    where, params = _reach(principal, "estate_id", "%s = ANY(occupant_user_ids)")
    for column, value in (("estate_id", estate_id), ("building_id", building_id)):
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    if cursor is not None:
        where += (
            " AND (building_id, number) > "
            "(SELECT building_id, number FROM registry_units WHERE unit_id = %s)"
        )
        params.append(cursor)
    rows = reads.rows(
        request,
        f"SELECT {UNIT_COLUMNS} FROM registry_units WHERE {where} "
        "ORDER BY building_id, number LIMIT %s",
        [*params, limit],
    )
    return [_unit(r) for r in rows]


def _unit_row(request: Request, principal: Principal, unit_id: UUID) -> UnitView:
    row = _one(
        request,
        f"SELECT {UNIT_COLUMNS}, occupant_user_ids FROM registry_units WHERE unit_id = %s",
        [unit_id],
    )
    principal.check(READ, owner_id=set(row[-1]), estate_id=row[1])
    return _unit(row[:-1])


@router.get("/units/{unit_id}")
async def get_unit(
    unit_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> UnitView:
    await reached(request, PROJECTION, after)
    return _unit_row(request, principal, unit_id)


@router.patch("/units/{unit_id}", response_model=Accepted)
def correct_unit(
    unit_id: UUID,
    body: UnitCorrection,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """Correct a unit's floor, areas or use (areas are checked together)."""
    with _commands():
        return accepted(
            _service(request).correct_unit(
                unit_id, _guard(principal), **body.model_dump(exclude_none=True)
            )
        )


# ---- occupancy ------------------------------------------------------------------

OCCUPANCY_COLUMNS = (
    "o.occupancy_id, o.unit_id, o.estate_id, o.building_id, o.person_id, p.name_masked, "
    "o.user_id, o.relation, o.moved_in_on, o.moved_out_on, o.ended_by"
)


def _occupancy(row: tuple[Any, ...]) -> OccupancyView:
    names = [
        "id",
        "unit_id",
        "estate_id",
        "building_id",
        "person_id",
        "person_name",
        "user_id",
        "relation",
        "moved_in_on",
        "moved_out_on",
        "ended_by",
    ]
    data = dict(zip(names, row, strict=True))
    return OccupancyView(**data, current=data["moved_out_on"] is None)


@router.get("/units/{unit_id}/occupancy")
async def unit_occupancy(
    unit_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> list[OccupancyView]:
    """The unit's occupancy history, oldest first: owners, residents, tenants."""
    await reached(request, PROJECTION, after)
    _unit_row(request, principal, unit_id)
    rows = reads.rows(
        request,
        f"SELECT {OCCUPANCY_COLUMNS} FROM registry_occupancy o "
        "LEFT JOIN registry_people p ON p.person_id = o.person_id "
        "WHERE o.unit_id = %s ORDER BY o.moved_in_on, o.recorded_at, o.relation",
        [unit_id],
    )
    return [_occupancy(r) for r in rows]


@router.post("/units/{unit_id}/move-in", response_model=Accepted)
def move_in(
    unit_id: UUID,
    body: MoveIn,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """Begin a person's occupancy as owner, resident or tenant."""
    with _commands():
        return accepted(_service(request).move_in(unit_id, _guard(principal), **body.model_dump()))


@router.post("/units/{unit_id}/move-out", response_model=Accepted)
def move_out(
    unit_id: UUID,
    body: MoveOut,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """End a resident's or tenant's occupancy (an owner's ends by a transfer)."""
    with _commands():
        return accepted(_service(request).move_out(unit_id, _guard(principal), **body.model_dump()))


@router.post("/units/{unit_id}/ownership-transfers", response_model=Accepted)
def transfer_ownership(
    unit_id: UUID,
    body: OwnershipTransfer,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """End every current owner's record and begin the new owners' on one date."""
    with _commands():
        return accepted(
            _service(request).transfer_ownership(unit_id, _guard(principal), **body.model_dump())
        )


# ---- parking ------------------------------------------------------------------

PARKING_COLUMNS = (
    "parking_id, estate_id, code, level, kind, unit_id, created_at, updated_at, version"
)


def _parking(row: tuple[Any, ...]) -> ParkingView:
    return ParkingView(**dict(zip(["id", *PARKING_COLUMNS.split(", ")[1:]], row, strict=True)))


@router.post("/estates/{estate_id}/parking", status_code=status.HTTP_201_CREATED)
def create_parking(
    estate_id: UUID,
    body: NewParking,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Created:
    with _commands():
        done = _service(request).register_parking(estate_id, _guard(principal), **body.model_dump())
    return Created(id=done.id, position=done.position)


@router.get("/parking")
async def list_parking(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    estate_id: UUID | None = None,
    limit: Limit = 500,
    after: After = None,
) -> list[ParkingView]:
    await reached(request, PROJECTION, after)
    where, params = _reach(principal, "estate_id", f"unit_id IN ({_CURRENT_UNITS})")
    if estate_id is not None:
        where += " AND estate_id = %s"
        params.append(estate_id)
    rows = reads.rows(
        request,
        f"SELECT {PARKING_COLUMNS} FROM registry_parking WHERE {where} "
        "ORDER BY estate_id, code LIMIT %s",
        [*params, limit],
    )
    return [_parking(r) for r in rows]


@router.get("/parking/{parking_id}")
async def get_parking(
    parking_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> ParkingView:
    await reached(request, PROJECTION, after)
    view = _parking(
        _one(
            request,
            f"SELECT {PARKING_COLUMNS} FROM registry_parking WHERE parking_id = %s",
            [parking_id],
        )
    )
    occupants = _occupants(request, "unit_id", view.unit_id) if view.unit_id else set()
    principal.check(READ, owner_id=occupants, estate_id=view.estate_id)
    return view


@router.post("/parking/{parking_id}/assignment", response_model=Accepted)
def assign_parking(
    parking_id: UUID,
    body: ParkingAssignment,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    with _commands():
        return accepted(
            _service(request).assign_parking(parking_id, _guard(principal), unit_id=body.unit_id)
        )


@router.delete("/parking/{parking_id}/assignment", response_model=Accepted)
def release_parking(
    parking_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    with _commands():
        return accepted(_service(request).release_parking(parking_id, _guard(principal)))


# ---- people -------------------------------------------------------------------

PERSON_COLUMNS = (
    "person_id, estate_id, name_masked, phone_masked, national_id_masked, user_id, "
    "personal_data_erased, created_at, updated_at, version"
)


def _person(row: tuple[Any, ...]) -> PersonView:
    names = [
        "id",
        "estate_id",
        "name",
        "phone",
        "national_id",
        "user_id",
        "personal_data_erased",
        "created_at",
        "updated_at",
        "version",
    ]
    return PersonView(**dict(zip(names, row, strict=True)))


@router.post("/estates/{estate_id}/people", status_code=status.HTTP_201_CREATED)
def create_person(
    estate_id: UUID,
    body: NewPerson,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Created:
    """Register an owner or resident; name, phone and ID are sealed before storing."""
    _may_link(request, principal, body.user_id)
    with _commands():
        done = _service(request).register_person(estate_id, _guard(principal), **body.model_dump())
    return Created(id=done.id, position=done.position)


@router.get("/people")
async def list_people(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    estate_id: UUID | None = None,
    cursor: Annotated[UUID | None, Query()] = None,
    limit: Limit = 200,
    after: After = None,
) -> list[PersonView]:
    """People the caller may see (masked); an owner or resident sees only themselves."""
    await reached(request, PROJECTION, after)
    where, params = _reach(principal, "estate_id", "user_id = %s")
    if estate_id is not None:
        where += " AND estate_id = %s"
        params.append(estate_id)
    if cursor is not None:
        where += " AND person_id > %s"
        params.append(cursor)
    rows = reads.rows(
        request,
        f"SELECT {PERSON_COLUMNS} FROM registry_people WHERE {where} ORDER BY person_id LIMIT %s",
        [*params, limit],
    )
    return [_person(r) for r in rows]


@router.get("/people/{person_id}")
async def get_person(
    person_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> PersonView:
    await reached(request, PROJECTION, after)
    view = _person(
        _one(
            request,
            f"SELECT {PERSON_COLUMNS} FROM registry_people WHERE person_id = %s",
            [person_id],
        )
    )
    principal.check(READ, owner_id=view.user_id, estate_id=view.estate_id)
    return view


@router.get("/people/{person_id}/occupancy")
async def person_occupancy(
    person_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> list[OccupancyView]:
    """Every unit the person has occupied, oldest first."""
    person = await get_person(person_id, request, principal, after)
    rows = reads.rows(
        request,
        f"SELECT {OCCUPANCY_COLUMNS} FROM registry_occupancy o "
        "LEFT JOIN registry_people p ON p.person_id = o.person_id "
        "WHERE o.person_id = %s ORDER BY o.moved_in_on, o.recorded_at",
        [person.id],
    )
    return [_occupancy(r) for r in rows]


@router.patch("/people/{person_id}", response_model=Accepted)
def change_contact(
    person_id: UUID,
    body: ContactChange,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    with _commands():
        return accepted(
            _service(request).change_contact(
                person_id, _guard(principal), **body.model_dump(exclude_none=True)
            )
        )


@router.post("/people/{person_id}/account", response_model=Accepted)
def link_account(
    person_id: UUID,
    body: AccountLink,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """Link the person to the login account they use: their units open to it."""
    _may_link(request, principal, body.user_id)
    with _commands():
        return accepted(
            _service(request).link_account(person_id, _guard(principal), user_id=body.user_id)
        )


@router.delete("/people/{person_id}/account", response_model=Accepted)
def unlink_account(
    person_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    with _commands():
        return accepted(_service(request).unlink_account(person_id, _guard(principal)))


@router.post("/people/{person_id}/erasure", response_model=Accepted)
def erase_person(
    person_id: UUID,
    body: Erasure,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """Crypto-shred the person's name, phone and ID (their key is deleted)."""
    with _commands():
        return accepted(
            _service(request).erase_person(person_id, _guard(principal), reason=body.reason)
        )


# ---- batch import (R3.3) ------------------------------------------------------


async def _import(
    request: Request, principal: Principal, estate_id: UUID, what: str
) -> ImportReport:
    service = _service(request)
    try:
        kind = file_kind(request.headers.get("content-type"))
    except ImportRejected as wrong:
        raise Problem(415, wrong.errors[0].message, title="Unsupported media type") from None
    content = await request.body()
    with _commands():
        run = service.import_units if what == "units" else service.import_residents
        done: ImportDone = await run_in_threadpool(run, estate_id, _guard(principal), content, kind)
    return ImportReport(
        rows=done.rows,
        units=done.units,
        buildings=done.buildings,
        people=done.people,
        position=done.position,
    )


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


@router.post(
    "/estates/{estate_id}/imports/units",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMPORT_BODY,
)
async def import_units(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> ImportReport:
    """Register the units of a CSV or xlsx file (the body), and the buildings it names.

    Columns: building, number, floor, gross_area, internal_area, and optionally
    use and building_name. Any bad row refuses the whole file with a 422 whose
    ``errors`` list each row, column and message; nothing is stored then.
    """
    return await _import(request, principal, estate_id, "units")


@router.post(
    "/estates/{estate_id}/imports/residents",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMPORT_BODY,
)
async def import_residents(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> ImportReport:
    """Register people and move them into existing units, from a CSV or xlsx file.

    Columns: building, unit, name, relation, moved_in_on, and optionally phone,
    national_id and co_owner. All rows or none, as for units.
    """
    return await _import(request, principal, estate_id, "residents")
