"""Routes of people: registration, contact details, login links, erasure, occupancy."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from application.registry import commands as c
from application.registry.service import RegistryService
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import serving
from interfaces.http.cursors import decode_cursor
from interfaces.http.registry.common import PROJECTION, handlers, read, record
from interfaces.http.registry.schemas import (
    AccountLink,
    After,
    ContactChange,
    Erasure,
    Limit,
    NewPerson,
    OccupancyView,
    PersonView,
)
from interfaces.http.routes import Commands
from interfaces.http.schemas import Accepted, Created, Cursor, Page, accepted, paged
from interfaces.http.security import Principal, requires
from projections.registry import views

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["registry"])
send = Commands(router, handlers, Permission.REGISTRY_MANAGE_ESTATE)


@router.post("/estates/{estate_id}/people", status_code=status.HTTP_201_CREATED)
def create_person(
    estate_id: UUID,
    body: NewPerson,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Created:
    """Register an owner or resident; name, phone and ID are sealed before storing."""
    if body.user_id is not None:
        serving(request, PROJECTION)  # the login's links are read from it
    done = handlers(request).register_person(
        c.RegisterPerson(principal, estate_id, **body.model_dump())
    )
    return Created(id=done.id, position=done.position)


@router.get("/people")
async def list_people(
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    estate_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 200,
    after: After = None,
) -> Page[PersonView]:
    """People the caller may see (masked), in ID order, a page at a time; an
    owner or resident sees only themselves."""
    last = decode_cursor(cursor, UUID)[0] if cursor else None
    rows = await read(
        request, principal, after, views.people, estate_id=estate_id, cursor=last, limit=limit + 1
    )
    return paged(rows, limit, PersonView.model_validate, lambda r: (r["id"],))


record(
    router,
    "/people/{person_id}",
    PersonView,
    views.person,
    name="get_person",
    doc="One person, masked.",
)
record(
    router,
    "/people/{person_id}/occupancy",
    OccupancyView,
    views.person_occupancy,
    name="person_occupancy",
    doc="Every unit the person has occupied, oldest first.",
    many=True,
)
send(
    "PATCH",
    "/people/{person_id}",
    RegistryService.change_contact,
    body=ContactChange,
    doc="Correct a person's name, phone or national ID.",
)


@router.post("/people/{person_id}/account", response_model=Accepted)
def link_account(
    person_id: UUID,
    body: AccountLink,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """Link the person to the login account they use: their units open to it."""
    serving(request, PROJECTION)  # the login's links are read from it
    command = c.LinkAccount(principal, person_id, body.user_id)
    return accepted(handlers(request).link_account(command))


send(
    "DELETE",
    "/people/{person_id}/account",
    RegistryService.unlink_account,
    doc="Unlink the person from their login account.",
)
send(
    "POST",
    "/people/{person_id}/erasure",
    RegistryService.erase_person,
    body=Erasure,
    doc="Crypto-shred the person's name, phone and ID (their key is deleted).",
)
