"""The read models themselves, for operators: how far each one is, and whether it is stuck."""

from __future__ import annotations

from datetime import datetime

import anyio
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.schemas import Page
from interfaces.http.security import Principal, container, requires

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1/projections", tags=["operations"])


class ProjectionView(BaseModel):
    name: str
    position: int = Field(description="last position applied")
    head: int = Field(description="last position in the log")
    lag_events: int
    lag_seconds: float = Field(description="age of the oldest event not yet applied")
    state: str = Field(description="running, failed, or retrying (transient failure)")
    failed_position: int | None
    error: str | None
    updated_at: datetime | None


@router.get("")
async def list_projections(
    request: Request, principal: Principal = requires(Permission.PROJECTIONS_READ)
) -> Page[ProjectionView]:
    """Every read model and follower: position, lag in events and seconds, state;
    ``snapshots`` is the snapshotter (decision 0032), which follows the log too."""
    c = container(request)
    statuses = await anyio.to_thread.run_sync(c.projector.status)
    snapshots = await anyio.to_thread.run_sync(c.snapshotter.status)
    # the read models the code has: a fixed few, one page
    views = [ProjectionView(**vars(s)) for s in [*statuses, snapshots]]
    return Page(items=views, next_cursor=None)
