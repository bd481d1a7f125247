"""``?as_of=``: every read an auditor may make, as it stood at a position (decision 0051).

Routers made with ``route_class=AsOfRoute`` give each of their reads that the
auditor role may call one more dependency, :func:`as_of_gate`: with ``as_of``
(a position, or an ISO 8601 moment with a timezone) it checks the caller may
make this read and holds ``history:read:any``, finds the position, and asks
the as-of builds (``replay/asof_builds.py``) for that position's. Not ready
yet: 503 with Retry-After, the progress and a link to the build's status.
Ready: the request carries the build, and :mod:`interfaces.http.reads` runs
the route's query on its schema (``SET LOCAL search_path``), so the route
itself is unchanged. Such a read waits for no read model (decision 0045) and
answers with the header ``Estatelog-As-Of-Position``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bootstrap import Container
from domain.identity.policy import ROLE_PERMISSIONS, Permission, Role, holds_action
from interfaces.http.problems import Problem, problem_response
from interfaces.http.security import Principal, container, declared_permission, requires
from replay.asof import position_at, recorded_at
from replay.asof_builds import BeyondTheLog, BuildState, TooManyBuilds

HEADER = "Estatelog-As-Of-Position"
STATE = "as_of"
#: Who may read the past: the auditors (and administrators). A build is CPU
#: work for the whole service; a resident's reads have no use for it.
PERMISSION = Permission.HISTORY_READ
#: Retry-After of a read whose build is under way: builds run at thousands
#: of events a second, so most are done within a few of these.
RETRY_SECONDS = 2
#: Reads of the auditor's that are not kept as of a position, each with the
#: reason its ``as_of`` answers 422 (in the 422 and in the OpenAPI document).
_PERSONAL = "personal and live by nature: the caller's own {}, as it is now"
_SERVICE = "the service's own state now, not a read model of the log"
_OUTBOX = "what was sent: the notification outbox, which a replay never rebuilds"
_LOG = "the log itself: /audit/events?as_of= filters the trail by position"
NOT_READ_MODELS: dict[str, str] = {
    "/api/v1/auth/me": _PERSONAL.format("session"),
    "/api/v1/users/{user_id}": _PERSONAL.format("account"),
    "/api/v1/notifications/inbox": _PERSONAL.format("inbox"),
    "/api/v1/notifications/preferences": _PERSONAL.format("preferences"),
    "/api/v1/notifications/reminders": _PERSONAL.format("reminders"),
    "/api/v1/tasks/mine": _PERSONAL.format("to-do list"),
    "/api/v1/notifications/deliveries": _OUTBOX,
    "/api/v1/notifications/deliveries/all": _OUTBOX,
    "/api/v1/audit/events/export": _LOG,
    "/api/v1/audit/integrity": _LOG,
    "/api/v1/audit/signing-key": _SERVICE,
    "/api/v1/audit/exports/signed": _LOG,
    "/api/v1/audit/as-of/{position}": _SERVICE,
    "/api/v1/projections": _SERVICE,
    "/api/v1/incidents": _SERVICE,
    "/api/v1/incidents/{incident_id}": _SERVICE,
    "/metrics": _SERVICE,
}
#: Reads whose answer is the same at every position (fixed in the code): as of
#: any position they answer as they are, and say so.
TIMELESS = frozenset({"/api/v1/finance/accounts"})
_AUDITOR = ROLE_PERMISSIONS[Role.AUDITOR]

AsOfText = Annotated[
    str | None,
    Query(
        max_length=64,
        description="the answer as it stood then: a log position, or an ISO 8601 moment "
        "with a timezone (the last position recorded at or before it). Needs "
        "history:read:any; 503 with Retry-After while the as-of build is made",
    ),
]


@dataclass
class AsOfRead:
    position: int
    schema: str
    read: bool = False  # whether the route read the build (see AsOfHeaderMiddleware)


def as_of_position(c: Container, as_of: str) -> int:
    """A position given as one, or the last position recorded at or before a moment."""
    if as_of.isascii() and as_of.isdigit():
        return int(as_of)
    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        raise Problem(422, "as_of: a position, or an ISO 8601 moment with a timezone") from None
    if moment.tzinfo is None:
        raise Problem(422, "as_of needs a timezone, e.g. 2026-01-01T00:00:00Z")
    return position_at(c.event_log, moment)


def reading_as_of(request: Request) -> AsOfRead | None:
    """The build this request reads from, if it asked for one."""
    return getattr(request.state, STATE, None)


def folding_to(request: Request) -> int | None:
    """The position a route that reads aggregates from the log folds them to
    (decision 0055), marking the as-of read served; None: a read of the present."""
    past = reading_as_of(request)
    if past is None:
        return None
    past.read = True
    return past.position


def moment_of(request: Request) -> datetime:
    """When the read stands: the moment its position was recorded, or now."""
    past = reading_as_of(request)
    if past is not None and past.position:
        found = recorded_at(container(request).event_log, past.position)
        if found is not None:
            return found[1]
    return datetime.now(UTC)


async def read_moment(request: Request) -> datetime:
    """The moment a read judges the clock at (an expiry, a 'today', this month):
    the service's clock now, or, as of a position, that position's moment."""
    if reading_as_of(request) is None:
        return container(request).clock()
    return await anyio.to_thread.run_sync(moment_of, request)


def status_path(position: int) -> str:
    return f"/api/v1/audit/as-of/{position}"


def _not_ready(build: BuildState) -> Problem:
    link = status_path(build.position)
    if build.state == "failed":
        # The error itself stays with operators (GET .../as-of/P): it can quote an event.
        return Problem(
            500,
            f"the as-of build of position {build.position} failed at position "
            f"{build.reached}; it is not tried again until it is dropped",
            title="As-of build failed",
            position=build.position,
            status_url=link,
        )
    return Problem(
        503,
        f"the read models as of position {build.position} are being built: "
        f"{build.reached} of {build.position} positions applied. Retry in a few seconds",
        title="As-of build in progress",
        headers={"Retry-After": str(RETRY_SECONDS), "Link": f'<{link}>; rel="status"'},
        position=build.position,
        reached=build.reached,
        events_done=build.events_done,
        status_url=link,
    )


def ensure(c: Container, position: int) -> BuildState:
    try:
        return c.as_of.ensure(position)
    except BeyondTheLog as e:
        raise Problem(422, f"as_of: {e}", head=e.head) from None
    except TooManyBuilds as e:
        raise Problem(503, str(e), headers={"Retry-After": "30"}) from None


def as_of_gate(route_permission: Permission, timeless: bool = False) -> Any:
    """The dependency an as-of read route gets (see the module's docstring)."""
    admits = requires(route_permission).dependency

    def gate(request: Request, as_of: AsOfText = None) -> None:
        if as_of is None:
            return
        principal = admits(request, None)  # the route's own refusal comes first
        if PERMISSION not in principal.permissions:
            raise Problem(403, f"as_of needs the permission {PERMISSION.value}")
        c = container(request)
        build = ensure(c, as_of_position(c, as_of))
        if not build.ready:
            raise _not_ready(build)
        setattr(request.state, STATE, AsOfRead(build.position, build.schema, read=timeless))

    return Depends(gate)


def _refuse_as_of(reason: str) -> Any:
    """The dependency of a live-only read: ``as_of`` answers 422 naming ``reason``."""

    def refuse(as_of: str | None = None) -> None:
        if as_of is not None:
            raise Problem(
                422, f"as_of: this read is {reason}; it is not kept as of a past position"
            )

    # An object, not a string (this module's annotations are): the description is this route's.
    described = Query(max_length=64, description=f"not kept as of a position ({reason}): 422")
    refuse.__annotations__["as_of"] = Annotated[str | None, described]
    return Depends(refuse)


def _permission_of(endpoint: Any) -> Permission | None:
    for parameter in inspect.signature(endpoint).parameters.values():
        call = getattr(parameter.default, "dependency", None)
        declared = declared_permission(call) if call is not None else None
        if declared is not None and declared in Permission._value2member_map_:
            return Permission(declared)
    return None


def reads_as_of(path: str, methods: Any, endpoint: Any) -> Permission | None:
    """The permission of a route that answers ``as_of`` from a build, or None."""
    if "GET" not in (methods or ()) or path in NOT_READ_MODELS:
        return None
    if "as_of" in inspect.signature(endpoint).parameters:
        return None  # it reads the past by its own means (a filter on positions)
    permission = _permission_of(endpoint)
    if permission is None or not holds_action(_AUDITOR, permission.action):
        return None
    return permission


class AsOfRoute(APIRoute):
    """An APIRoute whose read, if the auditor may make it, takes ``as_of``."""

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        permission = reads_as_of(path, kwargs.get("methods"), endpoint)
        extra = []
        reason = NOT_READ_MODELS.get(path)
        if permission is not None:
            extra = [as_of_gate(permission, timeless=path in TIMELESS)]
            reason = None
        elif reason and "as_of" not in inspect.signature(endpoint).parameters:
            extra = [_refuse_as_of(reason)]  # rather than the present, unlabelled
        else:
            reason = None
        kwargs["dependencies"] = [*(kwargs.get("dependencies") or ()), *extra]
        super().__init__(path, endpoint, **kwargs)
        if reason and "GET" in (self.methods or ()):  # the document says it, as the 422 does
            self.description = f"{self.description}\n\nLive only ({reason}): ``as_of`` is 422."


class AsOfHeaderMiddleware:
    """Names the position on every answer read from an as-of build; and answers
    500 rather than let a route that asked for a build but never read it
    (it read the present some other way) pass the present off as the past."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        refused = False

        async def send_with_position(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the body of the answer replaced below
            read = scope.get("state", {}).get(STATE)
            if message["type"] == "http.response.start" and read is not None:
                if not read.read and message["status"] < 400:
                    refused = True
                    await _unserved(send, read.position)
                    return
                headers = list(message.get("headers", ()))
                headers.append((HEADER.lower().encode(), str(read.position).encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_position)


async def _unserved(send: Send, position: int) -> None:
    response = problem_response(
        500,
        f"this read did not come from the as-of build of position {position}; "
        "it is not kept as of a past position",
        title="Not read as of a position",
    )
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})


# ---- the builds' state -------------------------------------------------------------

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AsOfBuildView(BaseModel):
    position: int
    state: Literal["none", "building", "ready", "failed"]
    reached: int
    events_done: int
    progress: float  # reached / position, 0 to 1
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_read_at: datetime | None = None


@router.get("/as-of/{position}")
async def as_of_build(
    position: Annotated[int, Path(ge=0)],
    request: Request,
    principal: Principal = requires(PERMISSION),
) -> AsOfBuildView:
    """The as-of build of ``position``: ``building`` (with its progress),
    ``ready``, ``failed`` (with the error), or ``none`` (never asked for, or
    dropped since). A read with ``as_of`` starts one; this only looks."""
    build = await anyio.to_thread.run_sync(container(request).as_of.status, position)
    if build is None:
        return AsOfBuildView(position=position, state="none", reached=0, events_done=0, progress=0)
    return AsOfBuildView(
        position=build.position,
        state=build.state,
        reached=build.reached,
        events_done=build.events_done,
        progress=1.0 if build.ready or not build.position else build.reached / build.position,
        error=build.error,
        started_at=build.started_at,
        finished_at=build.finished_at,
        last_read_at=build.used_at,
    )
