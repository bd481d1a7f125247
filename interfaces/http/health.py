"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bootstrap import Container
from interfaces.http.asof import AsOfRoute
from interfaces.http.security import container, is_operator, public

router = APIRouter(route_class=AsOfRoute, tags=["health"])


class Health(BaseModel):
    status: str = Field(description="ok")


class ReadModelLag(BaseModel):
    position: int
    behind: int = Field(description="events not yet applied")
    lag_seconds: float
    state: str


class Readiness(BaseModel):
    """The verdict; the checks only for operators (the metrics token, or
    ``projections:read:any``)."""

    status: str = Field(description="ready, or not ready")
    postgres: str | None = None
    redis: str | None = None
    background: str | list[str] | None = None
    read_models: str | dict[str, list[str]] | None = None
    log_head: int | None = None
    projections: dict[str, ReadModelLag] | None = None


@router.get("/health", dependencies=[public("liveness probe")])
async def health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/ready",
    dependencies=[public("readiness probe")],
    summary="Whether this process may take traffic",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: the same document"}},
)
async def ready(request: Request) -> JSONResponse:
    """200 when this process may take traffic: PostgreSQL and Redis answer, its
    background threads run (under ``estatelog serve``), no read model has failed
    and none lags more than ``ESTATELOG_READY_MAX_LAG_SECONDS``; 503 otherwise.

    Anyone gets the verdict alone; the scraper's token or an operator's session
    (``projections:read:any``) gets what it was made of as well."""
    c = container(request)
    checks = await anyio.to_thread.run_sync(_checks, c)
    runner = getattr(request.app.state, "runner", None)  # set by ``serve`` when it runs one
    stopped = runner.problems() if runner is not None else []
    checks["background"] = stopped or "ok"
    ok = not stopped and all(checks[k] == "ok" for k in ("postgres", "redis", "read_models"))
    answer: dict[str, Any] = {"status": "ready" if ok else "not ready"}
    if await anyio.to_thread.run_sync(is_operator, request):
        answer.update(checks)
    return JSONResponse(answer, status_code=200 if ok else 503)


def _checks(c: Container) -> dict[str, Any]:
    checks: dict[str, Any] = {"read_models": "unknown"}
    try:
        statuses = c.projector.status()
        checks["postgres"] = "ok"
    except Exception as e:
        checks["postgres"] = f"error: {type(e).__name__}"
    else:
        limit = c.settings.ready_max_lag_seconds
        checks["log_head"] = statuses[0].head if statuses else c.event_log.head()
        checks["projections"] = {
            s.name: {
                "position": s.position,
                "behind": s.lag_events,
                "lag_seconds": s.lag_seconds,
                "state": s.state,
            }
            for s in statuses
        }
        failing = sorted(s.name for s in statuses if s.state == "failed" or s.lag_seconds > limit)
        checks["read_models"] = "ok" if not failing else {"failed_or_lagging": failing}
    try:
        c.redis.ping()
        checks["redis"] = "ok"
    except Exception as e:
        checks["redis"] = f"error: {type(e).__name__}"
    return checks
