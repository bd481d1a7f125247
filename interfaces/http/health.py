"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from interfaces.http.security import container, public
from projections.positions import progress

router = APIRouter(tags=["health"])


@router.get("/health", dependencies=[public("liveness probe")])
async def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/ready", dependencies=[public("readiness probe")])
async def ready(request: Request) -> JSONResponse:
    """PostgreSQL and Redis answer, the background threads of this process run (under
    ``estatelog serve``), and how far each read model is behind the log."""
    c = container(request)

    def check() -> dict[str, object]:
        checks: dict[str, object] = {}
        try:
            with c.pool.connection() as conn:
                head, positions = progress(conn)
            checks["postgres"] = "ok"
            checks["log_head"] = head
            checks["projections"] = {
                name: {"position": pos, "behind": head - pos, "error": err}
                for name, (pos, err) in positions.items()
            }
        except Exception as e:
            checks["postgres"] = f"error: {type(e).__name__}"
        try:
            c.redis.ping()
            checks["redis"] = "ok"
        except Exception as e:
            checks["redis"] = f"error: {type(e).__name__}"
        return checks

    checks = await anyio.to_thread.run_sync(check)
    runner = getattr(request.app.state, "runner", None)  # set by ``serve`` when it runs one
    stopped = runner.problems() if runner is not None else []
    checks["background"] = stopped or "ok"
    ok = checks.get("postgres") == "ok" and checks.get("redis") == "ok" and not stopped
    return JSONResponse(
        {"status": "ready" if ok else "not ready", **checks}, status_code=200 if ok else 503
    )
