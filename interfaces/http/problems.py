"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import psycopg
import redis
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from application.errors import Forbidden, NotFound
from application.identity.errors import UsernameTaken
from application.operations.recorder import IncidentRecorder
from domain.errors import DomainError, InvalidTransition, NotEntitled, ValidationFailed
from domain.finance.books import ControlAccountLine
from domain.identity.passwords import WeakPassword
from domain.operations.incidents import Level, Source
from infrastructure.idempotency import DuplicateRequest

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
    504: "Timed out",
}


#: The database cannot be reached now (stopped, restarting, no connection free
#: within the pool's wait, a lock not granted in time): the request changed
#: nothing and may be sent again. The library raises its own classes, the
#: read-model pool psycopg's (``psycopg_pool.PoolTimeout`` among them).
UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    # Redis away: a save of a user cannot tell the other processes (decision 0035).
    redis.ConnectionError,
    redis.TimeoutError,
)
RETRY_AFTER = "2"
UNAVAILABLE_DETAIL = "the database is not reachable at the moment; retry shortly"


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title or TITLES.get(status, "Error")
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return Response(
        orjson.dumps(body, default=str),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def problem_bytes(status: int, detail: str) -> bytes:
    return orjson.dumps(
        {
            "type": "about:blank",
            "title": TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
        }
    )


def unavailable(exc: BaseException) -> bool:
    """Is ``exc`` an outage of the database rather than a fault of the request?"""
    return isinstance(exc, UNAVAILABLE)


def install(app: FastAPI) -> None:
    def path(request: Request) -> str:
        return request.url.path

    async def _unavailable(request: Request, exc: Exception) -> Response:
        record_incident(request.scope, exc)
        return problem_response(
            503, UNAVAILABLE_DETAIL, instance=path(request), headers={"Retry-After": RETRY_AFTER}
        )

    for error in UNAVAILABLE:
        app.add_exception_handler(error, _unavailable)

    @app.exception_handler(DuplicateRequest)
    async def _duplicate(request: Request, exc: DuplicateRequest) -> Response:
        return problem_response(
            409,
            "a request with this Idempotency-Key is still being processed",
            instance=path(request),
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(
            exc.status,
            exc.detail,
            title=exc.title,
            instance=path(request),
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return problem_response(
            exc.status_code,
            str(exc.detail) if exc.detail else None,
            instance=path(request),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return problem_response(
            422, "the request does not match the schema", instance=path(request), errors=errors
        )

    @app.exception_handler(ValidationFailed)
    async def _invalid(request: Request, exc: ValidationFailed) -> Response:
        return problem_response(422, exc.detail, title=exc.title, instance=path(request))

    @app.exception_handler(ControlAccountLine)
    async def _control_account(request: Request, exc: ControlAccountLine) -> Response:
        return problem_response(
            422,
            exc.detail,
            title=exc.title,
            instance=path(request),
            account=exc.account,
            sub_ledger=exc.sub_ledger.key,
        )

    @app.exception_handler(WeakPassword)
    async def _weak_password(request: Request, exc: WeakPassword) -> Response:
        return problem_response(
            422, exc.detail, title=exc.title, instance=path(request), rule=str(exc.rule)
        )

    @app.exception_handler(InvalidTransition)
    async def _transition(request: Request, exc: InvalidTransition) -> Response:
        return problem_response(409, exc.detail, title=exc.title, instance=path(request))

    @app.exception_handler(NotEntitled)
    async def _not_entitled(request: Request, exc: NotEntitled) -> Response:
        return problem_response(403, exc.detail, title=exc.title, instance=path(request))

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return problem_response(422, exc.detail, title=exc.title, instance=path(request))

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, exc: IntegrityError) -> Response:
        return problem_response(
            409,
            "the record was changed by someone else at the same time; reload and retry",
            title="Concurrent change",
            instance=path(request),
        )

    @app.exception_handler(UsernameTaken)
    async def _taken(request: Request, exc: UsernameTaken) -> Response:
        return problem_response(409, f"username {exc} is taken", instance=path(request))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return problem_response(404, str(exc) or "no such record", instance=path(request))

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return problem_response(403, str(exc) or None, instance=path(request))


def install_fallback(app: FastAPI) -> None:
    """Unexpected errors still answer in problem+json, without internals."""

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        record_incident(request.scope, exc)
        return problem_response(
            500, "an unexpected error occurred; it has been logged", instance=request.url.path
        )


def record_incident(scope: Scope, exc: BaseException) -> None:
    """Count the incident a request ran into (never raises, never waits).

    The database or Redis away is level 1, one incident per server, recorded
    when the database answers again (the recorder keeps it until then); any
    other unexpected error is level 4 (this request failed, the service
    works), under the exception's type and the route's template only: its
    message may quote the request."""
    try:
        incidents: IncidentRecorder | None = getattr(
            getattr(scope["app"].state, "container", None), "incidents", None
        )
        if incidents is None:
            return
        kind = type(exc).__name__
        if unavailable(exc):
            redis_away = isinstance(exc, (redis.ConnectionError, redis.TimeoutError))
            server = "redis" if redis_away else "postgresql"
            summary = f"{kind}: {server} did not answer a request"
            level = Level.SYSTEM_CRASH
            incidents.record(level, Source.API, f"{server}_unavailable", server, summary)
            return
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        where = f"{scope.get('method', '')} {route}"
        incidents.record(Level.MINOR_ERROR, Source.API, kind, where, f"{kind} in {where}")
    except Exception:
        log.exception("could not count an incident")
