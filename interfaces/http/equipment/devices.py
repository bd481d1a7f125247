"""HTTP routes of equipment: register, search, the device status board, stale
records, changes of details and status, the facility archive (R4.3, R4.5, R7.4).

Staff see and act on the equipment of the estates they serve; a record of
another estate answers 404, as a missing one does, and never shows in a list.
The handlers (``application/equipment/service.py``) decide on the loaded
record; the queries (``projections/equipment/queries.py``) filter by reach.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Annotated
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request, Response, status

from application.equipment import commands as c
from domain.equipment.rules import EquipmentKind
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute, moment_of, reading_as_of
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.equipment.schemas import (
    ArchiveEntry,
    ArchivePage,
    BoardRow,
    DetailsChange,
    EquipmentView,
    NewEquipment,
    StatusChange,
    equipment_view,
)
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Accepted, Created, Cursor, Page, accepted, paged
from interfaces.http.security import Principal, container, requires
from projections.equipment import board_past, queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["equipment"])


def _today() -> date:
    return datetime.now(UTC).date()


@router.post("/equipment", status_code=status.HTTP_201_CREATED)
def register_equipment(
    body: NewEquipment,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_MANAGE_ESTATE),
) -> Created:
    """Register a piece of equipment on an estate the caller manages."""
    data = body.model_dump()
    data["kind"] = str(body.kind)
    equipment_id, position = container(request).equipment.register(
        c.RegisterEquipment(actor=principal, **data)
    )
    return Created(id=equipment_id, position=position)


@router.get("/equipment")
async def list_equipment(
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_READ_ESTATE),
    estate_id: UUID | None = None,
    kind: EquipmentKind | None = None,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(in_service|out_of_service|decommissioned)$")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="name, model, location")] = None,
    installed_before: date | None = None,
    installed_after: date | None = None,
    min_age_years: Annotated[float | None, Query(ge=0, le=200)] = None,
    min_repairs: Annotated[int | None, Query(ge=0)] = None,
    max_repairs: Annotated[int | None, Query(ge=0)] = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[EquipmentView]:
    """Search the equipment of the caller's estates by kind, age and repair history."""
    await reached(request, "equipment", after)
    today = _today()
    rows = await query_off_loop(
        request,
        queries.search_equipment,
        principal.reach("equipment:read"),
        estate_id=estate_id,
        kind=str(kind) if kind else None,
        status=status_,
        installed_before=installed_before,
        installed_after=installed_after,
        min_age_years=min_age_years,
        today=today,
        min_repairs=min_repairs,
        max_repairs=max_repairs,
        text=q,
        after_key=tuple(decode_cursor(cursor, str, UUID)) if cursor else None,
        limit=limit + 1,
    )
    return paged(
        rows, limit, lambda r: equipment_view(r, today), lambda r: (r["name"], r["equipment_id"])
    )


@router.get("/equipment/board")
async def status_board(
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_READ_ESTATE),
    estate_id: UUID | None = None,
    kind: EquipmentKind | None = None,
    offline_after_minutes: Annotated[int, Query(ge=1, le=10080)] = 15,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[BoardRow]:
    """Every device in service: state, open alarms, last reading; worst first.

    A device is ``offline`` when it reports the state ``offline`` or has sent
    nothing for ``offline_after_minutes``. ``as_of``: the board as it stood
    then, judged at that moment, with the last readings the log kept (the
    state at its last change, each metric's last hourly summary: decision 0055).
    """
    await reached(request, "equipment", after)
    await reached(request, "alarms", after)
    past = reading_as_of(request) is not None
    moment = await anyio.to_thread.run_sync(moment_of, request) if past else datetime.now(UTC)
    rows = await query_off_loop(
        request,
        board_past.board if past else queries.board,
        principal.reach("equipment:read"),
        estate_id=estate_id,
        kind=str(kind) if kind else None,
        offline_before=moment - timedelta(minutes=offline_after_minutes),
        after_key=decode_cursor(cursor, int, str, UUID) if cursor else None,
        limit=limit + 1,
    )
    return paged(
        rows,
        limit,
        lambda r: BoardRow(**r),
        lambda r: (r["worst_rank"], r["name"], r["equipment_id"]),
    )


@router.get("/equipment/stale")
async def stale_records(
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_READ_ESTATE),
    days: Annotated[int, Query(ge=1, le=3650)] = 180,
    estate_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[EquipmentView]:
    """Equipment with no completed repair or maintenance in ``days`` (oldest first)."""
    await reached(request, "equipment", after)
    rows = await query_off_loop(
        request,
        queries.stale_equipment,
        principal.reach("equipment:read"),
        cared_for_before=datetime.now(UTC) - timedelta(days=days),
        estate_id=estate_id,
        after_id=decode_cursor(cursor, UUID)[0] if cursor else None,
        limit=limit + 1,
    )
    today = _today()
    return paged(rows, limit, lambda r: equipment_view(r, today), lambda r: (r["equipment_id"],))


@router.get("/equipment/{equipment_id}")
async def get_equipment(
    equipment_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> EquipmentView:
    """One piece of equipment with its specification and state."""
    await reached(request, "equipment", after)
    row = await query_off_loop(request, queries.visible_equipment, principal, equipment_id)
    return equipment_view(row, _today())


@router.patch("/equipment/{equipment_id}", response_model=Accepted)
def change_equipment(
    equipment_id: UUID,
    body: DetailsChange,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_MANAGE_ESTATE),
) -> Response:
    """Correct the specification: model, location, vendor, dates..."""
    changes = body.model_dump(exclude_unset=True)
    cmd = c.ChangeDetails(principal, equipment_id, changes)
    return accepted(container(request).equipment.change_details(cmd))


@router.post("/equipment/{equipment_id}/status", response_model=Accepted)
def change_equipment_status(
    equipment_id: UUID,
    body: StatusChange,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_MANAGE_ESTATE),
) -> Response:
    """Take equipment out of service, back in, or decommission it (final)."""
    cmd = c.ChangeStatus(principal, equipment_id, body.status, body.reason)
    return accepted(container(request).equipment.change_status(cmd))


@router.get("/equipment/{equipment_id}/archive")
async def facility_archive(
    equipment_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_READ_ESTATE),
    category: Annotated[
        str | None,
        Query(pattern="^(specification|state|alarm|repair|maintenance|energy|telemetry|reminder)$"),
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ArchivePage:
    """The equipment's whole history: alarms, repairs, maintenance, energy (R4.5)."""
    await reached(request, "equipment", after)
    await reached(request, "facility_archive", after)
    row = await query_off_loop(request, queries.visible_equipment, principal, equipment_id)
    rows = await query_off_loop(
        request,
        partial(queries.archive, category=category, since=since, until=until),
        equipment_id,
        after_position=decode_cursor(cursor, int)[0] if cursor else None,
        limit=limit + 1,
    )
    page = paged(rows, limit, ArchiveEntry.model_validate, lambda r: (r["position"],))
    return ArchivePage(
        equipment=equipment_view(row, _today()), items=page.items, next_cursor=page.next_cursor
    )
