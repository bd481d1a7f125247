"""HTTP routes of the equipment context: equipment, telemetry, alarms,
the device status board and the facility archive (R4.3, R4.5, R7.1, R7.4).

Staff see and act on the equipment and alarms of the estates they serve; a
record of another estate answers 404, as a missing one does, and never shows
in a list.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field, model_validator

from application.equipment.service import NotFound
from domain.equipment.rules import EquipmentKind, Metric, Reading
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.consistency import reached, serving
from interfaces.http.cursors import decode_cursor, encode_cursor
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Command, Created, DecimalInput, Patch, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, SingleLine
from projections.equipment import alarms as alarm_model
from projections.equipment import archive as archive_model
from projections.equipment import listing
from projections.reach import clause as reach_clause

router = APIRouter(prefix="/api/v1", tags=["equipment"])

Text = Annotated[str, SingleLine(200)]
StateCode = Annotated[str, SingleLine(64, pattern=r"^[a-z][a-z0-9_]{0,63}$")]
MAX_BATCH = 5000
SIX_PLACES = Decimal("0.000001")


# ---- bodies and views -------------------------------------------------------


class NewEquipment(Command):
    estate_id: UUID
    kind: EquipmentKind
    name: Text
    model: Text | None = None
    serial_number: Text | None = None
    location: Annotated[str, SingleLine(500, min_length=0)] | None = None
    building_id: UUID | None = None
    unit_id: UUID | None = None
    installed_on: date | None = None
    vendor: Text | None = None
    warranty_until: date | None = None


class DetailsChange(Patch):
    clearable = frozenset(
        {"model", "serial_number", "location", "building_id", "unit_id", "installed_on"}
        | {"vendor", "warranty_until"}
    )

    name: Text | None = None
    model: Text | None = None
    serial_number: Text | None = None
    location: Annotated[str, SingleLine(500, min_length=0)] | None = None
    building_id: UUID | None = None
    unit_id: UUID | None = None
    installed_on: date | None = None
    vendor: Text | None = None
    warranty_until: date | None = None


class StatusChange(Command):
    status: Literal["in_service", "out_of_service", "decommissioned"]
    reason: Annotated[str, MultiLine(500)]


class ReadingIn(Command):
    equipment_id: UUID
    at: datetime
    metric: Metric
    value: Annotated[DecimalInput, Field(allow_inf_nan=False, ge=-(10**12), le=10**12)] | None = (
        None
    )
    state: StateCode | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ReadingIn:
        if self.at.tzinfo is None:
            raise ValueError("at needs a timezone, e.g. 2026-01-01T00:00:00Z")
        if self.metric == Metric.STATE:
            if self.state is None or self.value is not None:
                raise ValueError("a state reading carries a state code and no value")
        elif self.value is None or self.state is not None:
            raise ValueError(f"a {self.metric} reading carries a value and no state")
        return self


class TelemetryBatch(Command):
    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=MAX_BATCH)]


class Rejected(BaseModel):
    index: int
    equipment_id: UUID
    reason: str


class IngestAnswer(BaseModel):
    received: int
    stored: int
    duplicates: int
    late: int
    rejected: list[Rejected]
    alarms_raised: list[UUID]
    alarms_returned_to_normal: list[UUID]
    events: int
    position: int


class WorkOrderRequest(Command):
    title: Text | None = None
    description: Annotated[str, MultiLine(4000)] | None = None


class EquipmentView(BaseModel):
    id: UUID
    estate_id: UUID
    kind: str
    name: str
    model: str | None
    serial_number: str | None
    location: str | None
    building_id: UUID | None
    unit_id: UUID | None
    installed_on: date | None
    age_years: float | None
    vendor: str | None
    warranty_until: date | None
    under_warranty: bool | None
    status: str
    state: str | None
    state_at: datetime | None
    active_conditions: list[str]
    repair_count: int
    maintenance_count: int
    last_repaired_at: datetime | None
    last_serviced_at: datetime | None
    stale_reminded_at: datetime | None
    registered_at: datetime
    updated_at: datetime
    version: int


class EquipmentPage(BaseModel):
    items: list[EquipmentView]
    next_cursor: str | None


class AlarmView(BaseModel):
    id: UUID
    estate_id: UUID
    equipment_id: UUID
    code: str
    severity: str
    message: str
    status: str
    level: int
    condition_active: bool
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: UUID | None
    escalated_at: datetime | None
    next_escalation_at: datetime | None
    returned_to_normal_at: datetime | None
    cleared_at: datetime | None
    cleared_by: UUID | None
    work_order_id: UUID | None
    updated_at: datetime


class AlarmPage(BaseModel):
    items: list[AlarmView]
    next_cursor: str | None


class ArchiveEntry(BaseModel):
    position: int
    at: datetime
    category: str
    event_type: str
    summary: str
    ref_id: UUID | None
    details: dict[str, Any]


class ArchivePage(BaseModel):
    equipment: EquipmentView
    items: list[ArchiveEntry]
    next_cursor: int | None


class BoardRow(BaseModel):
    equipment_id: UUID
    estate_id: UUID
    kind: str
    name: str
    location: str | None
    status: str
    state: str | None
    connectivity: Literal["online", "offline"]
    condition: Literal["normal", "alarm"]
    active_conditions: list[str]
    open_alarms: int
    worst_severity: str | None
    last_reading_at: datetime | None
    latest: dict[str, Any]


# ---- helpers ----------------------------------------------------------------

SEVERITY_BY_RANK = {4: "critical", 3: "major", 2: "minor", 1: "warning"}


def _visible(principal: Principal, action: str) -> Any:
    return lambda estate_id: principal.may(action, None, estate_id)


def _equipment_view(row: tuple[Any, ...], today: date) -> EquipmentView:
    data = dict(zip(listing.COLUMNS, row, strict=True))
    data["id"] = data.pop("equipment_id")
    installed = data["installed_on"]
    data["age_years"] = round((today - installed).days / 365.25, 2) if installed else None
    warranty = data["warranty_until"]
    data["under_warranty"] = (warranty >= today) if warranty else None
    data["active_conditions"] = list(data["active_conditions"] or [])
    return EquipmentView(**data)


def _alarm_view(row: tuple[Any, ...]) -> AlarmView:
    data = dict(zip(alarm_model.COLUMNS, row, strict=True))
    data["id"] = data.pop("alarm_id")
    return AlarmView(**data)


@contextmanager
def _found() -> Iterator[None]:
    """A record the service cannot find, or may not show, answers 404."""
    try:
        yield
    except NotFound:
        raise Problem(404, "no such record, or not yours to see") from None


def _check_building(request: Request, building_id: UUID | None, estate_id: UUID) -> None:
    """A building named on equipment must be of the equipment's estate (R7.4)."""
    if building_id is None:
        return
    serving(request, "registry")
    rows = reads.rows(
        request, "SELECT estate_id FROM registry_buildings WHERE building_id = %s", [building_id]
    )
    if not rows or rows[0][0] != estate_id:
        raise Problem(422, "building_id: no such building on this estate")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


# ---- equipment --------------------------------------------------------------


@router.post("/equipment", status_code=status.HTTP_201_CREATED)
def register_equipment(
    body: NewEquipment,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_MANAGE_ESTATE),
) -> Created:
    """Register a piece of equipment on an estate the caller manages."""
    principal.check("equipment:manage", None, body.estate_id)
    _check_building(request, body.building_id, body.estate_id)
    data = body.model_dump()
    data["kind"] = str(body.kind)
    equipment_id, position = container(request).equipment.register(**data)
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
) -> EquipmentPage:
    """Search the equipment of the caller's estates by kind, age and repair history."""
    await reached(request, "equipment", after)
    where, params = reach_clause(principal.reach("equipment:read"), "estate_id")
    clauses = [where]
    today = datetime.now(UTC).date()
    if min_age_years is not None:
        cutoff = today - timedelta(days=round(min_age_years * 365.25))
        installed_before = min(installed_before or cutoff, cutoff)
    for column, op, value in (
        ("estate_id", "=", estate_id),
        ("kind", "=", str(kind) if kind else None),
        ("status", "=", status_),
        ("installed_on", "<=", installed_before),
        ("installed_on", ">=", installed_after),
        ("repair_count", ">=", min_repairs),
        ("repair_count", "<=", max_repairs),
    ):
        if value is not None:
            clauses.append(f"{column} {op} %s")
            params.append(value)
    if q:
        clauses.append("(name ILIKE %s OR model ILIKE %s OR location ILIKE %s)")
        params += [_like(q)] * 3
    if cursor:
        clauses.append("(name, equipment_id) > (%s, %s)")
        params += decode_cursor(cursor, str, UUID)
    sql = (
        f"SELECT {', '.join(listing.COLUMNS)} FROM equipment_list WHERE {' AND '.join(clauses)} "
        "ORDER BY name, equipment_id LIMIT %s"
    )
    rows = await anyio.to_thread.run_sync(reads.rows, request, sql, [*params, limit + 1])
    items = [_equipment_view(r, today) for r in rows[:limit]]
    more = len(rows) > limit
    return EquipmentPage(
        items=items, next_cursor=encode_cursor(items[-1].name, items[-1].id) if more else None
    )


@router.get("/equipment/board")
async def status_board(
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_READ_ESTATE),
    estate_id: UUID | None = None,
    kind: EquipmentKind | None = None,
    offline_after_minutes: Annotated[int, Query(ge=1, le=10080)] = 15,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[BoardRow]:
    """Every device in service: state, open alarms, last reading; worst first.

    A device is ``offline`` when it reports the state ``offline`` or has sent
    nothing for ``offline_after_minutes``.
    """
    await reached(request, "equipment", after)
    await reached(request, "alarms", after)
    where, params = reach_clause(principal.reach("equipment:read"), "e.estate_id")
    clauses = [where, "e.status <> 'decommissioned'"]
    if estate_id:
        clauses.append("e.estate_id = %s")
        params.append(estate_id)
    if kind:
        clauses.append("e.kind = %s")
        params.append(str(kind))
    sql = (
        "SELECT e.equipment_id, e.estate_id, e.kind, e.name, e.location, e.status, e.state, "
        "e.active_conditions, coalesce(a.open, 0), a.worst, r.last_at, r.latest "
        "FROM equipment_list e "
        "LEFT JOIN LATERAL (SELECT count(*) AS open, max(severity_rank) AS worst "
        "  FROM equipment_alarms WHERE equipment_id = e.equipment_id AND status <> 'cleared') a "
        "  ON true "
        "LEFT JOIN LATERAL (SELECT max(at) AS last_at, "
        "  jsonb_object_agg(metric, coalesce(value::text, state)) AS latest "
        "  FROM equipment_latest_readings WHERE equipment_id = e.equipment_id) r ON true "
        f"WHERE {' AND '.join(clauses)} "
        "ORDER BY a.worst DESC NULLS LAST, e.name LIMIT %s"
    )
    rows = await anyio.to_thread.run_sync(reads.rows, request, sql, [*params, limit])
    stale_before = datetime.now(UTC) - timedelta(minutes=offline_after_minutes)
    board = []
    for r in rows:
        last_at = r[10]
        offline = r[6] == "offline" or last_at is None or last_at < stale_before
        board.append(
            BoardRow(
                equipment_id=r[0],
                estate_id=r[1],
                kind=r[2],
                name=r[3],
                location=r[4],
                status=r[5],
                state=r[6],
                connectivity="offline" if offline else "online",
                condition="alarm" if r[8] else "normal",
                active_conditions=list(r[7] or []),
                open_alarms=r[8],
                worst_severity=SEVERITY_BY_RANK.get(r[9]) if r[9] else None,
                last_reading_at=last_at,
                latest=r[11] or {},
            )
        )
    return board


@router.get("/equipment/stale")
async def stale_records(
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_READ_ESTATE),
    days: Annotated[int, Query(ge=1, le=3650)] = 180,
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[EquipmentView]:
    """Equipment with no completed repair or maintenance in ``days`` (oldest first)."""
    await reached(request, "equipment", after)
    where, params = reach_clause(principal.reach("equipment:read"), "estate_id")
    since = "coalesce(last_serviced_at, installed_on::timestamptz, registered_at)"
    clauses = [where, "status <> 'decommissioned'", f"{since} < %s"]
    params.append(datetime.now(UTC) - timedelta(days=days))
    if estate_id:
        clauses.append("estate_id = %s")
        params.append(estate_id)
    sql = (
        f"SELECT {', '.join(listing.COLUMNS)} FROM equipment_list WHERE {' AND '.join(clauses)} "
        f"ORDER BY {since}, name LIMIT %s"
    )
    rows = await anyio.to_thread.run_sync(reads.rows, request, sql, [*params, limit])
    today = datetime.now(UTC).date()
    return [_equipment_view(r, today) for r in rows]


async def _one_equipment(
    request: Request, principal: Principal, equipment_id: UUID
) -> EquipmentView:
    rows = await anyio.to_thread.run_sync(
        reads.rows,
        request,
        f"SELECT {', '.join(listing.COLUMNS)} FROM equipment_list WHERE equipment_id = %s",
        [equipment_id],
    )
    if not rows:
        raise Problem(404, "no such equipment")
    view = _equipment_view(rows[0], datetime.now(UTC).date())
    principal.check("equipment:read", None, view.estate_id)
    return view


@router.get("/equipment/{equipment_id}")
async def get_equipment(
    equipment_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> EquipmentView:
    await reached(request, "equipment", after)
    return await _one_equipment(request, principal, equipment_id)


@router.patch("/equipment/{equipment_id}", response_model=Accepted)
def change_equipment(
    equipment_id: UUID,
    body: DetailsChange,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_MANAGE_ESTATE),
) -> Response:
    """Correct the specification: model, location, vendor, dates..."""
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise Problem(422, "name at least one field to change")
    if "name" in changes and changes["name"] is None:
        raise Problem(422, "name cannot be removed")
    visible = _visible(principal, "equipment:manage")
    with _found():
        if changes.get("building_id"):
            # Visibility first: another estate's equipment is missing, not misplaced.
            equipment = container(request).equipment.get(equipment_id, visible)
            _check_building(request, changes["building_id"], equipment.estate_id)
        return accepted(container(request).equipment.change_details(equipment_id, changes, visible))


@router.post("/equipment/{equipment_id}/status", response_model=Accepted)
def change_equipment_status(
    equipment_id: UUID,
    body: StatusChange,
    request: Request,
    principal: Principal = requires(Permission.EQUIPMENT_MANAGE_ESTATE),
) -> Response:
    """Take equipment out of service, back in, or decommission it (final)."""
    with _found():
        return accepted(
            container(request).equipment.change_status(
                equipment_id, body.status, body.reason, _visible(principal, "equipment:manage")
            )
        )


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
    cursor: Annotated[int | None, Query(ge=0, description="position to continue after")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ArchivePage:
    """The equipment's whole history: alarms, repairs, maintenance, energy (R4.5)."""
    await reached(request, "equipment", after)
    await reached(request, "facility_archive", after)
    view = await _one_equipment(request, principal, equipment_id)
    clauses = ["equipment_id = %s"]
    params: list[Any] = [equipment_id]
    for clause, value in (
        ("category = %s", category),
        ("at >= %s", since),
        ("at < %s", until),
        ("position > %s", cursor),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    columns = [c for c in archive_model.COLUMNS if c != "equipment_id"]
    sql = (
        f"SELECT {', '.join(columns)} FROM equipment_archive WHERE {' AND '.join(clauses)} "
        "ORDER BY position LIMIT %s"
    )
    rows = await anyio.to_thread.run_sync(reads.rows, request, sql, [*params, limit + 1])
    items = [ArchiveEntry(**dict(zip(columns, r, strict=True))) for r in rows[:limit]]
    return ArchivePage(
        equipment=view,
        items=items,
        next_cursor=items[-1].position if len(rows) > limit else None,
    )


# ---- telemetry --------------------------------------------------------------


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
    result = container(request).equipment.ingest(readings, _visible(principal, "telemetry:ingest"))
    return IngestAnswer(**vars(result))


# ---- alarms -----------------------------------------------------------------


@router.get("/alarms")
async def list_alarms(
    request: Request,
    principal: Principal = requires(Permission.ALARMS_READ_ESTATE),
    status_: Annotated[
        str | None,
        Query(alias="status", pattern="^(open|raised|acknowledged|escalated|cleared)$"),
    ] = None,
    severity: Annotated[str | None, Query(pattern="^(critical|major|minor|warning)$")] = None,
    estate_id: UUID | None = None,
    equipment_id: UUID | None = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> AlarmPage:
    """Alarms of the caller's estates, newest first; ``status=open`` is every uncleared one."""
    await reached(request, "alarms", after)
    where, params = reach_clause(principal.reach("alarms:read"), "estate_id")
    clauses = [where]
    if status_ == "open":
        clauses.append("status <> 'cleared'")
    elif status_:
        clauses.append("status = %s")
        params.append(status_)
    for column, value in (
        ("severity", severity),
        ("estate_id", estate_id),
        ("equipment_id", equipment_id),
        ("code", code),
    ):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if since:
        clauses.append("raised_at >= %s")
        params.append(since)
    if cursor:
        clauses.append("(raised_at, alarm_id) < (%s, %s)")
        params += decode_cursor(cursor, datetime, UUID)
    sql = (
        f"SELECT {', '.join(alarm_model.COLUMNS)} FROM equipment_alarms "
        f"WHERE {' AND '.join(clauses)} ORDER BY raised_at DESC, alarm_id DESC LIMIT %s"
    )
    rows = await anyio.to_thread.run_sync(reads.rows, request, sql, [*params, limit + 1])
    items = [_alarm_view(r) for r in rows[:limit]]
    more = len(rows) > limit
    return AlarmPage(
        items=items,
        next_cursor=encode_cursor(items[-1].raised_at, items[-1].id) if more else None,
    )


@router.get("/alarms/{alarm_id}")
async def get_alarm(
    alarm_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ALARMS_READ_ESTATE),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> AlarmView:
    await reached(request, "alarms", after)
    rows = await anyio.to_thread.run_sync(
        reads.rows,
        request,
        f"SELECT {', '.join(alarm_model.COLUMNS)} FROM equipment_alarms WHERE alarm_id = %s",
        [alarm_id],
    )
    if not rows:
        raise Problem(404, "no such alarm")
    view = _alarm_view(rows[0])
    principal.check("alarms:read", None, view.estate_id)
    return view


@router.post("/alarms/{alarm_id}/acknowledge", response_model=Accepted)
def acknowledge_alarm(
    alarm_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ALARMS_HANDLE_ESTATE),
) -> Response:
    """Someone has seen the alarm: escalation stops; if the condition has
    already returned to normal, the alarm is cleared too."""
    with _found():
        return accepted(
            container(request).equipment.acknowledge(
                alarm_id, principal.user_id, _visible(principal, "alarms:handle")
            )
        )


@router.post("/alarms/{alarm_id}/clear", response_model=Accepted)
def clear_alarm(
    alarm_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.ALARMS_HANDLE_ESTATE),
) -> Response:
    """Clear an alarm whose condition has returned to normal (409 while it is active)."""
    with _found():
        return accepted(
            container(request).equipment.clear(
                alarm_id, principal.user_id, _visible(principal, "alarms:handle")
            )
        )


@router.post("/alarms/{alarm_id}/work-order", status_code=status.HTTP_201_CREATED)
def open_work_order(
    alarm_id: UUID,
    request: Request,
    body: WorkOrderRequest | None = None,
    principal: Principal = requires(Permission.ALARMS_HANDLE_ESTATE),
) -> Created:
    """Open a repair work order for the alarm's equipment (once per alarm)."""
    body = body or WorkOrderRequest()
    with _found():
        order_id, position = container(request).equipment.open_work_order(
            alarm_id,
            principal.user_id,
            title=body.title,
            description=body.description,
            visible=_visible(principal, "alarms:handle"),
        )
    return Created(id=order_id, position=position)
