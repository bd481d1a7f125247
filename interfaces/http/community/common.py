"""What the community's route modules share: the handlers, and the reads of
``projections/community/queries.py`` that are the same for every kind of record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from application.community.service import CommunityService, RecordNotFound
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.community.schemas import Listed, NumberedListed
from interfaces.http.consistency import reached, serving
from interfaces.http.routes import add
from interfaces.http.schemas import NumberedCreated, Page, paged
from interfaces.http.security import Principal, container, requires

PROJECTION = "community"


def handlers(request: Request) -> CommunityService:
    return container(request).community


def residence_read(request: Request, principal: Principal, estate_id: UUID) -> None:
    """A resident's residence is read from the registry's read model: a stopped
    one may still show a unit they left, so the command answers 503. Staff
    acting for their estate do not read it. (The handler decides who may act.)"""
    if not principal.may("services:request", owner_id=None, estate_id=estate_id):
        serving(request, "registry")


def filed(
    request: Request,
    principal: Principal,
    body: BaseModel,
    command: Callable[..., Any],
    handle: Callable[[CommunityService, Any], tuple[UUID, int, str]],
) -> NumberedCreated:
    """A new record a resident files for their estate (or staff for theirs):
    ``command`` with the body's fields, sent to the handler ``handle``."""
    residence_read(request, principal, body.estate_id)  # type: ignore[attr-defined]
    record_id, position, number = handle(
        handlers(request), command(actor=principal, **body.model_dump())
    )
    return NumberedCreated(id=record_id, position=position, number=number)


def listing(
    router: APIRouter,
    path: str,
    view: type[BaseModel],
    query: Callable[..., Any],
    permission: Permission,
    *,
    key: str,
    name: str,
    statuses: type[StrEnum],
    doc: str | None = None,
    with_number: bool = False,
) -> None:
    """``GET path``: the records of ``query`` within the caller's reach for
    the ``permission`` the route declares, filtered and paged as
    :data:`Listed` says; the cursor holds the last record's ``key``.
    ``status=`` is one of ``statuses``, the record's own (422 otherwise)."""

    async def plain(
        request: Request,
        listed: Listed,
        principal: Principal = requires(permission),
        status_: Any = None,
    ) -> Any:
        listed = replace(listed, status=str(status_) if status_ else None)
        await reached(request, PROJECTION, listed.after)
        rows = await reads.query_off_loop(
            request, query, principal.reach(permission.action), **listed.filters
        )
        return paged(rows, listed.limit, lambda r: view(**r), lambda r: (r[key],))

    async def numbered(
        request: Request,
        listed: NumberedListed,
        principal: Principal = requires(permission),
        status_: Any = None,
    ) -> Any:
        return await plain(request, listed, principal, status_)

    endpoint = numbered if with_number else plain  # number= finds one (decision 0050)
    # An object, not a string (this module's annotations are): each list its own set.
    endpoint.__annotations__["status_"] = Annotated[statuses | None, Query(alias="status")]

    add(router, "GET", path, endpoint, name=name, doc=doc, response_model=Page[view])  # type: ignore[valid-type]


def record(
    router: APIRouter,
    path: str,
    view: type[BaseModel],
    query: Callable[..., Any],
    permission: Permission,
    *,
    name: str,
    doc: str,
) -> None:
    """``GET path``: the record the path names, if the caller's reach for the
    ``permission`` the route declares holds it (404 otherwise, as for a
    missing one)."""

    async def endpoint(
        request: Request,
        principal: Principal = requires(permission),
        after: Annotated[int | None, Query(ge=0)] = None,
        **ids: Any,
    ) -> Any:
        await reached(request, PROJECTION, after)
        reach = principal.reach(permission.action)
        row = await reads.query_off_loop(request, query, reach, *ids.values())
        if row is None:
            raise RecordNotFound()
        return view(**row)

    add(router, "GET", path, endpoint, name=name, doc=doc, response_model=view)
