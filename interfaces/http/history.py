"""Any aggregate as it stood at a version or a moment, with the events that made it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.problems import Problem
from interfaces.http.security import Principal, container, requires
from replay.history import aggregate_history

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1/history", tags=["audit"])


class HistoricEventView(BaseModel):
    position: int
    version: int
    aggregate_type: str
    event_type: str
    occurred_at: datetime
    metadata: dict[str, Any]
    details: dict[str, Any]


class HistoryView(BaseModel):
    aggregate_id: UUID
    aggregate_type: str
    version: int
    state: dict[str, Any]
    events: list[HistoricEventView]


@router.get("/{aggregate_id}")
async def history(
    aggregate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.HISTORY_READ),
    version: Annotated[int | None, Query(ge=1, description="state after this version")] = None,
    as_of: Annotated[
        datetime | None, Query(description="state at this moment (ISO 8601 with timezone)")
    ] = None,
) -> HistoryView:
    """The aggregate's state then (no secrets; ciphertext shown as "[encrypted]") and its events."""
    if as_of is not None and as_of.tzinfo is None:
        raise Problem(422, "as_of needs a timezone, e.g. 2026-01-01T00:00:00Z")
    c = container(request)
    found = await anyio.to_thread.run_sync(
        lambda: aggregate_history(c.event_log, c.pool, aggregate_id, version=version, as_of=as_of)
    )
    return HistoryView(
        aggregate_id=found.aggregate_id,
        aggregate_type=found.aggregate_type,
        version=found.version,
        state=found.state,
        events=[HistoricEventView(**vars(e)) for e in found.events],
    )
