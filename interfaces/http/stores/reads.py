"""What the stores' routes share to read: the reader's permission, the paging
parameters, one record in the caller's reach, and a newest-first page."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request

from application.stores.service import StoresRecordNotFound, StoresService
from domain.identity.policy import Permission
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.security import Principal, container
from projections.stores.readmodel import NAME as PROJECTION

After = Annotated[int | None, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=500)]
READ = Permission.STORES_READ_ESTATE


def _stores(request: Request) -> StoresService:
    return container(request).stores


async def one(
    request: Request, principal: Principal, after: int | None, query: Any, key: UUID, what: str
) -> Any:
    """The record ``query`` finds in the caller's reach once the read model is at ``after``."""
    await reached(request, PROJECTION, after)
    found = await query_off_loop(request, query, principal.reach(READ.action), key)
    if found is None:
        raise StoresRecordNotFound(f"no such {what}, or not one of your estates")
    return found


async def newest(
    request: Request,
    principal: Principal,
    after: int | None,
    cursor: str | None,
    limit: int,
    query: Any,
    **filters: Any,
) -> Any:
    """A page (``limit`` + 1 rows) of a newest-first list, after the cursor's
    (position, id) of its last page."""
    await reached(request, PROJECTION, after)
    key = decode_cursor(cursor, int, UUID) if cursor else None
    reach = principal.reach(READ.action)
    return await query_off_loop(request, query, reach, **filters, before_key=key, limit=limit + 1)


def _at(column: str) -> Any:
    """A newest-first row's cursor: its position ``column`` and its ID."""
    return lambda row: (row[column], row["id"])
