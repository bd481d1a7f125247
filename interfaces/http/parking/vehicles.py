"""Routes of vehicles, their passes, and parking sessions (reads and the payment at the exit)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from application.finance.online.commands import PlaceParkingOrder
from application.finance.online.ports import NotificationRefused
from application.parking import commands as c
from application.parking.service import ParkingService
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.finance.online import OrderPlaced, refused_problem
from interfaces.http.parking.schemas import (
    NewPass,
    Paid,
    Payment,
    Release,
    SessionView,
    VehicleView,
)
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Accepted, Created, Cursor, Page, paged
from interfaces.http.security import Principal, container, requires
from projections.parking import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["parking"])

PROJECTION = "parking"
READ = "parking:read"
After = Annotated[int | None, Query(ge=0, description="wait for this position")]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _service(request: Request) -> ParkingService:
    return container(request).parking  # type: ignore[no-any-return]


# ---- vehicles and passes ---------------------------------------------------------------


@router.get("/vehicles")
async def list_vehicles(
    request: Request,
    principal: Principal = requires(Permission.PARKING_READ_OWN),
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    plate: Annotated[str | None, Query(max_length=20)] = None,
    blocked: bool | None = None,
    inside: bool | None = None,
    cursor: Cursor = None,
    limit: Limit = 500,
    after: After = None,
) -> Page[VehicleView]:
    """Vehicles the caller may see, by estate and plate (``blocked=true``: the blocklist)."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)  # the units an owner occupies
    key = tuple(decode_cursor(cursor, UUID, str, UUID)) if cursor else None
    rows = await query_off_loop(
        request,
        queries.vehicles,
        principal.reach(READ),
        estate_id=estate_id,
        unit_id=unit_id,
        plate=plate,
        blocked=blocked,
        inside=inside,
        after_key=key,
        limit=limit + 1,
    )
    return paged(
        rows,
        limit,
        VehicleView.model_validate,
        lambda r: (r["estate_id"], r["plate"], r["vehicle_id"]),
    )


@router.get("/vehicles/{vehicle_id}")
async def get_vehicle(
    vehicle_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PARKING_READ_OWN),
    after: After = None,
) -> VehicleView:
    """One vehicle with its passes."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    reach = principal.reach(READ)
    row: dict[str, Any] = dict(await query_off_loop(request, queries.vehicle, reach, vehicle_id))
    row["passes"] = await query_off_loop(request, queries.passes, reach, vehicle_id)
    return VehicleView.model_validate(row)


@router.post("/vehicles/{vehicle_id}/unblock", response_model=Accepted)
def unblock_vehicle(
    vehicle_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PARKING_MANAGE_ESTATE),
) -> Accepted:
    """Take the vehicle off the blocklist."""
    return Accepted(position=_service(request).unblock(c.UnblockVehicle(principal, vehicle_id)))


@router.post("/vehicles/{vehicle_id}/passes", status_code=status.HTTP_201_CREATED)
def issue_pass(
    vehicle_id: UUID,
    body: NewPass,
    request: Request,
    principal: Principal = requires(Permission.PARKING_MANAGE_ESTATE),
) -> Created:
    """A monthly pass: billed to the unit's account with its space, or prepaid for N months."""
    command = c.IssuePass(actor=principal, vehicle_id=vehicle_id, **body.model_dump())
    pass_id, position = _service(request).issue_pass(command)
    return Created(id=pass_id, position=position)


@router.post("/vehicles/{vehicle_id}/passes/{parking_pass_id}/cancel", response_model=Accepted)
def cancel_pass(
    vehicle_id: UUID,
    parking_pass_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PARKING_MANAGE_ESTATE),
) -> Accepted:
    """End a pass early: the vehicle then pays as a temporary one."""
    return Accepted(
        position=_service(request).cancel_pass(c.CancelPass(principal, vehicle_id, parking_pass_id))
    )


# ---- sessions ----------------------------------------------------------------------------


@router.get("/parking-sessions")
async def list_sessions(
    request: Request,
    principal: Principal = requires(Permission.PARKING_READ_OWN),
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    plate: Annotated[str | None, Query(max_length=20)] = None,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(inside|awaiting_payment|paid|left)$")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 500,
    after: After = None,
) -> Page[SessionView]:
    """Parking sessions the caller may see, newest entry first."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    key = tuple(decode_cursor(cursor, datetime, UUID)) if cursor else None
    rows = await query_off_loop(
        request,
        queries.sessions,
        principal.reach(READ),
        estate_id=estate_id,
        unit_id=unit_id,
        plate=plate,
        status=status_,
        before_key=key,
        limit=limit + 1,
    )
    return paged(
        rows, limit, SessionView.model_validate, lambda r: (r["entered_at"], r["session_id"])
    )


@router.get("/parking-sessions/{session_id}")
async def get_session(
    session_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.PARKING_READ_OWN),
    after: After = None,
) -> SessionView:
    """One parking session: entry, exit, fee, payment."""
    await reached(request, PROJECTION, after)
    await reached(request, "registry", None)
    row = await query_off_loop(request, queries.session, principal.reach(READ), session_id)
    return SessionView.model_validate(row)


@router.post("/parking-sessions/{session_id}/payment")
def pay_session(
    session_id: UUID,
    body: Payment,
    request: Request,
    principal: Principal = requires(Permission.GATE_OPERATE_ESTATE),
) -> Paid:
    """The fee paid at the exit (cash, or online with its reference); the barrier may open."""
    command = c.PayParking(principal, session_id, body.method, body.reference)
    position, state = _service(request).pay(command)
    return Paid(position=position, status=state)


@router.post("/parking-sessions/{session_id}/release", response_model=Accepted)
def release_session(
    session_id: UUID,
    body: Release,
    request: Request,
    principal: Principal = requires(Permission.GATE_OPERATE_ESTATE),
) -> Accepted:
    """Close a session the barrier cannot: the camera missed the exit, or the guard
    waives the fee (saying why). Nothing is owed; the car may enter again."""
    command = c.ReleaseSession(principal, session_id, body.reason)
    return Accepted(position=_service(request).release(command))


@router.post("/parking-sessions/{session_id}/payment-orders", status_code=status.HTTP_201_CREATED)
def place_parking_payment_order(
    session_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.GATE_OPERATE_ESTATE),
) -> OrderPlaced:
    """A provider order of the fee the session owes at the exit: the driver scans its
    code and pays; the provider's notification pays the session and the order (they
    clear in 1012 like a bill's). 503 when online payments are not configured."""
    online = container(request).finance.online
    try:
        placed = online.place_parking_order(PlaceParkingOrder(principal, session_id))
    except NotificationRefused as refusal:
        raise refused_problem(refusal) from None
    return OrderPlaced.of(placed)
