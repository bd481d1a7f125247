"""HTTP routes of operating the service: incidents in four levels (R6.2) and
the administrators' alert inbox.

Administrators read and handle incidents, auditors read them; the alert
inbox is each administrator's own (``alert_inbox``), acknowledged once for
all of them. The handlers are in ``application/operations/service.py``, the
queries in ``projections/operations/``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from application.operations import commands as c
from domain.identity.policy import Permission
from domain.operations.incidents import NOTE_LONGEST
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor, encode_cursor
from interfaces.http.reads import query_off_loop as read
from interfaces.http.schemas import Accepted, Command, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine
from interfaces.http.views import from_view
from projections.operations import alerts, incidents
from projections.operations.alerts import AlertRow
from projections.operations.incidents import IncidentRow

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["operations"])

Note = Annotated[str, MultiLine(NOTE_LONGEST)]


@from_view(IncidentRow, rename={"incident_id": "id", "place": "where"})
class IncidentView(BaseModel):
    pass


class IncidentPage(BaseModel):
    items: list[IncidentView]
    next_cursor: str | None


class Resolution(Command):
    cause: Note
    action: Note


@from_view(AlertRow, rename={"alert_id": "id"})
class AlertView(BaseModel):
    pass


class AlertPage(BaseModel):
    items: list[AlertView]
    next_cursor: str | None


@router.get("/incidents")
async def list_incidents(
    request: Request,
    principal: Principal = requires(Permission.INCIDENTS_READ),
    status_: Annotated[
        Literal["open", "recorded", "acknowledged", "resolved"] | None, Query(alias="status")
    ] = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> IncidentPage:
    """Incidents, most recently seen first; ``status=open`` is every unresolved one,
    ``level`` 1 (system crash) to 4 (minor error)."""
    await reached(request, "incidents", after)
    rows = await read(
        request,
        incidents.search_incidents,
        status=status_,
        level=level,
        before_key=tuple(decode_cursor(cursor, datetime, UUID)) if cursor else None,
        limit=limit + 1,
    )
    last = rows[limit - 1] if len(rows) > limit else None
    return IncidentPage(
        items=[IncidentView.model_validate(r) for r in rows[:limit]],
        next_cursor=encode_cursor(last["last_seen"], last["incident_id"]) if last else None,
    )


@router.get("/incidents/{incident_id}")
async def get_incident(
    incident_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.INCIDENTS_READ),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> IncidentView:
    """One incident: its current episode, how often it was seen, who handled it."""
    await reached(request, "incidents", after)
    return IncidentView.model_validate(await read(request, incidents.incident, incident_id))


@router.post("/incidents/{incident_id}/acknowledge", response_model=Accepted)
def acknowledge_incident(
    incident_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.INCIDENTS_MANAGE),
) -> Response:
    """Take the incident on (409 unless it is newly recorded)."""
    command = c.AcknowledgeIncident(principal, incident_id)
    return accepted(container(request).operations.acknowledge_incident(command))


@router.post("/incidents/{incident_id}/resolve", response_model=Accepted)
def resolve_incident(
    incident_id: UUID,
    body: Resolution,
    request: Request,
    principal: Principal = requires(Permission.INCIDENTS_MANAGE),
) -> Response:
    """Record the cause and the action taken (409 if already resolved); the
    same failure seen again opens a new episode."""
    command = c.ResolveIncident(principal, incident_id, cause=body.cause, action=body.action)
    return accepted(container(request).operations.resolve_incident(command))


@router.get("/alerts")
async def list_alerts(
    request: Request,
    principal: Principal = requires(Permission.ALERTS_READ),
    acknowledged: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> AlertPage:
    """The caller's alert inbox, newest first; ``acknowledged=false`` is what
    nobody has acknowledged yet."""
    await reached(request, "admin_alerts", after)
    rows = await read(
        request,
        alerts.inbox,
        principal.user_id,
        acknowledged=acknowledged,
        before=decode_cursor(cursor, int)[0] if cursor else None,
        limit=limit + 1,
    )
    last = rows[limit - 1] if len(rows) > limit else None
    return AlertPage(
        items=[AlertView.model_validate(r) for r in rows[:limit]],
        next_cursor=encode_cursor(last["raised_position"]) if last else None,
    )


@router.post("/alerts/{alert_id}/acknowledge", response_model=Accepted)
def acknowledge_alert(
    alert_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ALERTS_MANAGE),
) -> Response:
    """Acknowledge the alert for every administrator (409 the second time)."""
    command = c.AcknowledgeAlert(principal, alert_id)
    return accepted(container(request).operations.acknowledge_alert(command))
