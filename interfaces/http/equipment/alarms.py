"""HTTP routes of telemetry and alarms: ingest readings; list, read, acknowledge
and clear alarms; open a repair order from one (R4.3, R7.4).

Staff act on the alarms of the estates they serve; an alarm of another
estate answers 404. The handlers (``application/equipment/service.py``)
decide on the loaded alarm; the queries filter by reach.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.equipment import commands as c
from domain.equipment.rules import Reading
from domain.equipment.severity import SEVERITY_PATTERN
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.equipment.schemas import (
    AlarmView,
    IngestAnswer,
    TelemetryBatch,
    WorkOrderRequest,
)
from interfaces.http.reads import query_off_loop as read
from interfaces.http.schemas import Accepted, Created, Cursor, Page, accepted, paged
from interfaces.http.security import Principal, container, requires
from projections.equipment import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["equipment"])

SIX_PLACES = Decimal("0.000001")


@router.post("/telemetry")
def ingest_telemetry(
    body: TelemetryBatch,
    request: Request,
    principal: Principal = requires(Permission.TELEMETRY_INGEST_ESTATE),
) -> IngestAnswer:
    """Take a batch of readings; readings of equipment the caller may not feed are
    rejected one by one, the rest are stored and evaluated against the rules."""
    readings = [
        Reading(
            equipment_id=r.equipment_id,
            at=r.at.astimezone(UTC),
            metric=r.metric,
            # floats from devices carry noise digits (0.30000000000000004): keep six places
            value=None if r.value is None else r.value.quantize(SIX_PLACES),
            state=r.state,
        )
        for r in body.readings
    ]
    result = container(request).equipment.ingest(c.IngestReadings(principal, readings))
    return IngestAnswer(**vars(result))


@router.get("/alarms")
async def list_alarms(
    request: Request,
    principal: Principal = requires(Permission.ALARMS_READ_ESTATE),
    status_: Annotated[
        str | None,
        Query(alias="status", pattern="^(open|raised|acknowledged|escalated|cleared)$"),
    ] = None,
    severity: Annotated[str | None, Query(pattern=SEVERITY_PATTERN)] = None,
    estate_id: UUID | None = None,
    equipment_id: UUID | None = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[AlarmView]:
    """Alarms of the caller's estates, newest first; ``status=open`` is every uncleared one."""
    await reached(request, "alarms", after)
    rows = await read(
        request,
        queries.search_alarms,
        principal.reach("alarms:read"),
        status=status_,
        severity=severity,
        estate_id=estate_id,
        equipment_id=equipment_id,
        code=code,
        since=since,
        before_key=tuple(decode_cursor(cursor, datetime, UUID)) if cursor else None,
        limit=limit + 1,
    )
    return paged(rows, limit, AlarmView.model_validate, lambda r: (r["raised_at"], r["alarm_id"]))


@router.get("/alarms/{alarm_id}")
async def get_alarm(
    alarm_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ALARMS_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> AlarmView:
    """One alarm with its readings and handling."""
    await reached(request, "alarms", after)
    return AlarmView.model_validate(await read(request, queries.visible_alarm, principal, alarm_id))


@router.post(
    "/alarms/{alarm_id}/acknowledge", response_model=Accepted, summary="Acknowledge an alarm"
)
def acknowledge_alarm(
    alarm_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ALARMS_HANDLE_ESTATE),
) -> Response:
    """Someone has seen the alarm: escalation stops; if the condition has
    already returned to normal, the alarm is cleared too."""
    return accepted(container(request).equipment.acknowledge(c.HandleAlarm(principal, alarm_id)))


@router.post("/alarms/{alarm_id}/clear", response_model=Accepted)
def clear_alarm(
    alarm_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ALARMS_HANDLE_ESTATE),
) -> Response:
    """Clear an alarm whose condition has returned to normal (409 while it is active)."""
    return accepted(container(request).equipment.clear(c.HandleAlarm(principal, alarm_id)))


@router.post("/alarms/{alarm_id}/work-order", status_code=status.HTTP_201_CREATED)
def open_work_order(
    alarm_id: UUID,
    request: Request,
    body: WorkOrderRequest | None = None,
    principal: Principal = requires(Permission.ALARMS_HANDLE_ESTATE),
) -> Created:
    """Open a repair work order for the alarm's equipment (once per alarm)."""
    body = body or WorkOrderRequest()
    order_id, position = container(request).equipment.open_work_order(
        c.OpenAlarmWorkOrder(principal, alarm_id, title=body.title, description=body.description)
    )
    return Created(id=order_id, position=position)
