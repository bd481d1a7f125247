"""What every request leaves for operators: a metric sample and one JSON log line.

The line carries the route template, never the raw path or query (which can
hold IDs, names or phone numbers), and nothing of the body or the headers:
a login's password or a resident's phone number cannot reach the log by it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.context import current_context
from domain.identity.policy import Permission
from infrastructure.metrics import UNMATCHED, Metrics
from interfaces.http.asof import AsOfRoute
from interfaces.http.security import container, operator_or

#: The request log; ``estatelog serve`` replaces uvicorn's access log by it.
REQUEST_LOG = "estatelog.requests"
request_log = logging.getLogger(REQUEST_LOG)

router = APIRouter(route_class=AsOfRoute, tags=["operations"])


@router.get(
    "/metrics",
    summary="The service's metrics for Prometheus",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
    dependencies=[operator_or(Permission.PROJECTIONS_READ)],
)
async def metrics(request: Request) -> Response:
    """Prometheus text: requests by route, pools, events appended, read-model lag,
    outboxes and queues, login failures and lockouts (docs/operations.md). For the
    scraper's bearer token (``ESTATELOG_METRICS_TOKEN``) or an operator's session."""
    text = await anyio.to_thread.run_sync(container(request).metrics.exposition)
    return Response(text, media_type=CONTENT_TYPE_LATEST)


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/users/{user_id}``)."""
    route: Any = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED


class ObservedRequestsMiddleware:
    """Times each request and records it: a latency and a count by route
    template and status, and the request's log line. Inside the request
    context (``RequestContextMiddleware``): its request id and actor are known."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the context middleware answers an error that escapes

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            if request_log.isEnabledFor(logging.INFO):
                context = current_context()
                request_log.info(
                    "request",
                    extra={
                        "request_id": context.request_id,
                        "actor": str(context.actor_id) if context.actor_id else None,
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                    },
                )
