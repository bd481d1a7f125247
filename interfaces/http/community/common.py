"""What the community's route modules share: the handlers, and the reads of
``projections/community/queries.py`` that are the same for every kind of record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from application.community.service import CommunityService, RecordNotFound
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.community.schemas import Listed
from interfaces.http.consistency import reached
from interfaces.http.routes import add
from interfaces.http.security import Principal, container, requires

PROJECTION = "community"


def handlers(request: Request) -> CommunityService:
    return container(request).community


def listing(
    router: APIRouter,
    path: str,
    view: type[BaseModel],
    query: Callable[..., Any],
    *,
    permission: Permission,
    action: str,
    name: str,
    doc: str | None = None,
) -> None:
    """``GET path``: the records of ``query`` within the caller's reach for
    ``action``, filtered and paged as :data:`Listed` says."""

    async def endpoint(
        request: Request, listed: Listed, principal: Principal = requires(permission)
    ) -> Any:
        await reached(request, PROJECTION, listed.after)
        rows = await reads.query_off_loop(request, query, principal.reach(action), **listed.filters)
        return [view(**r) for r in rows]

    add(router, "GET", path, endpoint, name=name, doc=doc, response_model=list[view])  # type: ignore[valid-type]


def record(
    router: APIRouter,
    path: str,
    view: type[BaseModel],
    query: Callable[..., Any],
    *,
    permission: Permission,
    action: str,
    name: str,
) -> None:
    """``GET path``: the record the path names, if the caller's reach for
    ``action`` holds it (404 otherwise, as for a missing one)."""

    async def endpoint(
        request: Request,
        principal: Principal = requires(permission),
        after: Annotated[int | None, Query(ge=0)] = None,
        **ids: Any,
    ) -> Any:
        await reached(request, PROJECTION, after)
        row = await reads.query_off_loop(request, query, principal.reach(action), *ids.values())
        if row is None:
            raise RecordNotFound()
        return view(**row)

    add(router, "GET", path, endpoint, name=name, response_model=view)
