"""What the registry's route modules share: the handlers, the reads, and the
routes that are the same for every kind of record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.registry.service import RegistryService
from domain.identity.policy import Permission
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.registry.schemas import After, Limit
from interfaces.http.routes import add
from interfaces.http.schemas import Cursor, Page, paged
from interfaces.http.security import Principal, container, requires

READ = "registry:read"
PROJECTION = "registry"

T = TypeVar("T")


def handlers(request: Request) -> RegistryService:
    return container(request).registry


async def read(
    request: Request,
    principal: Actor,
    after: int | None,
    query: Callable[..., T | None],
    *args: Any,
    **filters: Any,
) -> T:
    """One query of ``projections/registry/views.py``, on what the caller may
    see, once the read model has reached the position they asked for. A record
    they may not see answers as a missing one does."""
    await reached(request, PROJECTION, after)
    answer = await query_off_loop(request, query, principal.reach(READ), *args, **filters)
    if answer is None:
        raise NotFound(HIDDEN)
    return answer


def record(
    router: APIRouter,
    path: str,
    view: type[BaseModel],
    query: Callable[..., Any],
    *,
    name: str,
    doc: str | None = None,
    many: bool = False,
) -> None:
    """``GET path``: what ``query`` answers of the record the path names (a
    list of ``view`` if ``many``: a record's few rows, one page), for a
    caller who may see it."""

    async def endpoint(
        request: Request,
        principal: Principal = requires(Permission.REGISTRY_READ_OWN),
        after: After = None,
        **ids: UUID,
    ) -> Any:
        found = await read(request, principal, after, query, *ids.values())
        return Page(items=[view(**r) for r in found], next_cursor=None) if many else view(**found)

    model = Page[view] if many else view  # type: ignore[valid-type]
    add(router, "GET", path, endpoint, name=name, doc=doc, response_model=model)


def in_estate(
    router: APIRouter,
    path: str,
    view: type[BaseModel],
    query: Callable[..., Any],
    *,
    name: str,
    doc: str,
) -> None:
    """``GET path``: records the caller may see, of one estate or of all, a
    page at a time in (estate, code) order."""

    async def endpoint(
        request: Request,
        principal: Principal = requires(Permission.REGISTRY_READ_OWN),
        estate_id: UUID | None = None,
        cursor: Cursor = None,
        limit: Limit = 500,
        after: After = None,
    ) -> Any:
        key = decode_cursor(cursor, UUID, str) if cursor else None
        rows = await read(
            request, principal, after, query, estate_id=estate_id, after_key=key, limit=limit + 1
        )
        return paged(rows, limit, lambda r: view(**r), lambda r: (r["estate_id"], r["code"]))

    add(router, "GET", path, endpoint, name=name, doc=doc, response_model=Page[view])  # type: ignore[valid-type]
