"""The HTTP API: built from a container, so tests and servers run the same app."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from bootstrap import Container
from interfaces.http import (
    approvals,
    asof,
    audit,
    auth,
    community,
    dashboard,
    docs,
    equipment,
    finance,
    gate,
    health,
    history,
    meters,
    notifications,
    openapi,
    operations,
    parking,
    patrols,
    problems,
    quality,
    readmodels,
    registry,
    stores,
    telemetry,
    users,
    workorders,
)
from interfaces.http.asof import AsOfHeaderMiddleware
from interfaces.http.middleware import (
    BodyLimitMiddleware,
    IdempotencyMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from interfaces.http.security import session_caller
from interfaces.http.stores import invoices as stores_invoices
from interfaces.http.telemetry import ObservedRequestsMiddleware
from interfaces.http.url_rules import UrlRulesMiddleware


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="estatelog",
        version="0.1.0",
        description="Event-sourced back end for property management. Every command is an "
        "event in one append-only, hash-chained log; reads come from projections.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    docs.install(app)
    openapi.install(app)
    problems.install(app)
    problems.install_fallback(app)
    for module in (
        health,
        telemetry,
        auth,
        users,
        audit,
        asof,
        history,
        readmodels,
        registry,
        equipment,
        workorders,
        approvals,
        community,
        notifications,
        operations,
        meters,
        parking,
        stores,
        stores_invoices,
        quality,
        dashboard,
        patrols,
        gate,
    ):
        app.include_router(module.router)
    for router in finance.ROUTERS:
        app.include_router(router)
    # Outermost last: security headers on every answer, then the context, the
    # request's metrics and log line, the size limit, the URL rules and
    # idempotent replay.
    app.add_middleware(
        IdempotencyMiddleware,
        store=container.idempotency,
        caller_of=partial(session_caller, container),
    )
    app.add_middleware(UrlRulesMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=container.settings.max_body_bytes)
    app.add_middleware(ObservedRequestsMiddleware, metrics=container.metrics)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(AsOfHeaderMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
