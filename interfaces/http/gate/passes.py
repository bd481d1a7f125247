"""Visitor passes: a resident issues one for a unit they occupy, the front desk
for a unit of its estate; whoever issued it (or staff) revokes it; its
visitor, with an account, reads it and its QR token."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.gate import commands as c
from application.gate.service import GateService, PassNotFound
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute, read_moment
from interfaces.http.consistency import reached, serving
from interfaces.http.cursors import decode_cursor
from interfaces.http.gate.schemas import (
    NewPass,
    PassCreated,
    PassStatus,
    PassToken,
    PassView,
    Revocation,
)
from interfaces.http.reads import query_off_loop as read
from interfaces.http.schemas import Accepted, Cursor, Page, accepted, paged
from interfaces.http.security import Principal, container, requires
from projections.gate import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["gate"])
PROJECTION = "gate"


def handlers(request: Request) -> GateService:
    return container(request).gate


@router.post("/visitor-passes", status_code=status.HTTP_201_CREATED)
def issue_visitor_pass(
    body: NewPass,
    request: Request,
    principal: Principal = requires(Permission.VISITORS_INVITE_OWN),
) -> PassCreated:
    """A resident lets a visitor in to a unit they occupy; the front desk to a unit
    of its estate. The answer's token is the pass's QR code."""
    if not principal.may("visitors:invite", owner_id=None, estate_id=body.estate_id):
        serving(request, "registry")  # a resident's units are read from the registry
    pass_id, position, token = handlers(request).issue_pass(
        c.IssuePass(actor=principal, **body.model_dump())
    )
    return PassCreated(id=pass_id, position=position, token=token)


@router.get("/visitor-passes")
async def list_visitor_passes(
    request: Request,
    principal: Principal = requires(Permission.VISITORS_READ_OWN),
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    status_: Annotated[PassStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[PassView]:
    """Passes of the caller's estates (staff), those they issued (residents) or
    were issued (visitors), newest first."""
    await reached(request, PROJECTION, after)
    rows = await read(
        request,
        queries.passes,
        principal.reach("visitors:read"),
        estate_id=estate_id,
        unit_id=unit_id,
        status=status_,
        limit=limit + 1,
        before_id=decode_cursor(cursor, UUID)[0] if cursor else None,
        at=await read_moment(request),
    )
    return paged(rows, limit, PassView.model_validate, lambda r: (r["pass_id"],))


@router.get("/visitor-passes/{pass_id}")
async def get_visitor_pass(
    pass_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.VISITORS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> PassView:
    """One pass, with its entries used and whether its visitor is inside."""
    await reached(request, PROJECTION, after)
    at = await read_moment(request)
    row = await read(request, queries.visitor_pass, principal.reach("visitors:read"), pass_id, at)
    if row is None:
        raise PassNotFound()
    return PassView.model_validate(row)


@router.get("/visitor-passes/{pass_id}/token")
async def get_visitor_pass_token(
    pass_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.VISITORS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> PassToken:
    """The pass's QR token again (the same text every time), for whoever reads the pass."""
    await reached(request, PROJECTION, after)
    row = await read(request, queries.visitor_pass, principal.reach("visitors:read"), pass_id)
    if row is None:
        raise PassNotFound()
    token = handlers(request).token_for(
        row["pass_id"], row["estate_id"], row["valid_from"], row["valid_until"]
    )
    return PassToken(id=pass_id, token=token)


@router.post(
    "/visitor-passes/{pass_id}/revoke", response_model=Accepted, summary="Revoke a visitor pass"
)
def revoke_visitor_pass(
    pass_id: UUID,
    request: Request,
    body: Revocation | None = None,
    principal: Principal = requires(Permission.VISITORS_INVITE_OWN),
) -> Response:
    """Whoever issued the pass, or staff of its estate: the gate refuses it from now on
    (a visitor inside is still let out)."""
    reason = body.reason if body else None
    return accepted(handlers(request).revoke_pass(c.RevokePass(principal, pass_id, reason)))
