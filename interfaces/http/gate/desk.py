"""The gate (门岗): a guard scans a pass's token to check its visitor in or out,
asks whether it is good, sees who is inside and the day's log; door and gate
controllers (门禁) report their events through the telemetry API.

A pass of another estate is refused with 403 "Pass of another estate"; an
expired, revoked or used-up one with 409 and a title naming why
(``domain/gate/visitor_pass.py: PassRefused``).
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from application.actor import HIDDEN
from application.errors import NotFound
from application.estate_time import day_bounds, local_day
from application.gate import commands as c
from domain.gate.visitor_pass import VisitorPass
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute, read_moment
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.gate.passes import PROJECTION, handlers
from interfaces.http.gate.schemas import (
    AccessAnswer,
    AccessBatch,
    GateMovementView,
    PassCheck,
    PassKey,
    PassView,
    Scan,
    Scanned,
)
from interfaces.http.reads import query_off_loop as read
from interfaces.http.schemas import Cursor, Day, Page, paged
from interfaces.http.security import Principal, container, requires
from projections.gate import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["gate"])


def _check(visitor_pass: VisitorPass, status: str, position: int | None = None) -> PassCheck:
    return PassCheck(
        id=visitor_pass.id,
        estate_id=visitor_pass.estate_id,
        unit_id=visitor_pass.unit_id,
        plate=visitor_pass.plate,
        status=status,  # type: ignore[arg-type]
        entries_used=visitor_pass.entries_used,
        entries_allowed=visitor_pass.entries_allowed,
        valid_from=visitor_pass.valid_from,
        valid_until=visitor_pass.valid_until,
        position=position,
    )


@router.post("/gate/verify")
def verify_pass(
    body: Scanned,
    request: Request,
    principal: Principal = requires(Permission.GATE_OPERATE_ESTATE),
) -> PassCheck:
    """Check whether a scanned pass is good now.

    A device that verified the token offline asks this for what only the
    service knows: revoked, entries used, inside."""
    visitor_pass, status = handlers(request).verify(principal, body.token)
    return _check(visitor_pass, status)


@router.post("/gate/check-in")
def check_in(
    body: Scan,
    request: Request,
    principal: Principal = requires(Permission.GATE_OPERATE_ESTATE),
) -> PassCheck:
    """Let the pass's visitor in: one of its entries, within its window."""
    visitor_pass, position = handlers(request).check_in(
        c.CheckIn(principal, body.token, body.controller_id)
    )
    return _check(visitor_pass, "inside", position)


@router.post("/gate/check-out")
def check_out(
    body: Scan,
    request: Request,
    principal: Principal = requires(Permission.GATE_OPERATE_ESTATE),
) -> PassCheck:
    """Let the pass's visitor out (even once the pass is revoked or expired)."""
    visitor_pass, position = handlers(request).check_out(
        c.CheckOut(principal, body.token, body.controller_id)
    )
    status = visitor_pass.status(container(request).clock())
    return _check(visitor_pass, status, position)


@router.get("/gate/pass-key")
def pass_key(
    request: Request, principal: Principal = requires(Permission.GATE_OPERATE_ESTATE)
) -> PassKey:
    """The public key pass tokens are signed with, for gate devices to verify offline."""
    return PassKey(algorithm="Ed25519", public_key=handlers(request).signer.public_key())


def _estate(principal: Principal, estate_id: UUID) -> None:
    """Staff of the estate (or company-wide) read its gate; anyone else finds nothing."""
    if not principal.may("visitors:read", owner_id=None, estate_id=estate_id):
        raise NotFound(HIDDEN)


@router.get("/estates/{estate_id}/visitors/inside")
async def visitors_inside(
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.VISITORS_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[PassView]:
    """The visitors inside the estate now, who came in first first (one page)."""
    _estate(principal, estate_id)
    await reached(request, PROJECTION, after)
    rows = await read(request, queries.inside, estate_id, await read_moment(request))
    return Page[PassView](items=[PassView.model_validate(r) for r in rows], next_cursor=None)


@router.get("/estates/{estate_id}/visitors/log")
async def gate_log(
    estate_id: UUID,
    request: Request,
    day: Annotated[
        Day | None, Query(description="the estate's local day; default its today")
    ] = None,
    principal: Principal = requires(Permission.VISITORS_READ_ESTATE),
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[GateMovementView]:
    """The gate's log of one day of the estate's (its local midnight to midnight;
    default today, or the as-of moment's day): every check-in, check-out and door
    opened by a pass, in order."""
    _estate(principal, estate_id)
    await reached(request, PROJECTION, after)
    since, until = day_bounds(day or local_day(await read_moment(request), estate_id), estate_id)
    rows = await read(
        request,
        queries.movements,
        estate_id,
        since=since,
        until=until,
        limit=limit + 1,
        after_position=decode_cursor(cursor, int)[0] if cursor else None,
    )
    return paged(rows, limit, GateMovementView.model_validate, lambda r: (r["position"],))


@router.post("/telemetry/access")
def report_access(
    body: AccessBatch,
    request: Request,
    principal: Principal = requires(Permission.TELEMETRY_INGEST_ESTATE),
) -> AccessAnswer:
    """Door and gate controllers' events: opened by card or pass, forced open, held
    open, closed. Forced and held-open (beyond 60 s) raise alarms; an opening by
    pass is recorded against the pass; events of equipment that is no controller
    of the caller's estates are rejected one by one."""
    events = [
        c.AccessReport(e.equipment_id, e.at.astimezone(UTC), e.event, e.open_seconds, e.token)
        for e in body.events
    ]
    result = handlers(request).report_access(c.ReportAccess(principal, events))
    return AccessAnswer(**vars(result))
