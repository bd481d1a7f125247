"""Routes of people: registration, contact details, login links, erasure, occupancy."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.registry import commands as c
from domain.identity.policy import Permission
from interfaces.http.consistency import serving
from interfaces.http.registry.common import PROJECTION, handlers, read
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
from interfaces.http.schemas import Accepted, Created, accepted
from interfaces.http.security import Principal, requires
from projections.registry import views

router = APIRouter(prefix="/api/v1", tags=["registry"])


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
    cursor: Annotated[UUID | None, Query()] = None,
    limit: Limit = 200,
    after: After = None,
) -> list[PersonView]:
    """People the caller may see (masked); an owner or resident sees only themselves."""
    rows = await read(
        request, principal, after, views.people, estate_id=estate_id, cursor=cursor, limit=limit
    )
    return [PersonView(**r) for r in rows]


@router.get("/people/{person_id}")
async def get_person(
    person_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> PersonView:
    return PersonView(**await read(request, principal, after, views.person, person_id))


@router.get("/people/{person_id}/occupancy")
async def person_occupancy(
    person_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_READ_OWN),
    after: After = None,
) -> list[OccupancyView]:
    """Every unit the person has occupied, oldest first."""
    rows = await read(request, principal, after, views.person_occupancy, person_id)
    return [OccupancyView(**r) for r in rows]


@router.patch("/people/{person_id}", response_model=Accepted)
def change_contact(
    person_id: UUID,
    body: ContactChange,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    command = c.ChangeContact(principal, person_id, **body.model_dump(exclude_none=True))
    return accepted(handlers(request).change_contact(command))


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


@router.delete("/people/{person_id}/account", response_model=Accepted)
def unlink_account(
    person_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    return accepted(handlers(request).unlink_account(c.UnlinkAccount(principal, person_id)))


@router.post("/people/{person_id}/erasure", response_model=Accepted)
def erase_person(
    person_id: UUID,
    body: Erasure,
    request: Request,
    principal: Principal = requires(Permission.REGISTRY_MANAGE_ESTATE),
) -> Response:
    """Crypto-shred the person's name, phone and ID (their key is deleted)."""
    command = c.ErasePerson(principal, person_id, body.reason)
    return accepted(handlers(request).erase_person(command))
