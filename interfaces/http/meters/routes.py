"""Routes of meters and their readings (抄表): the register, entry, submission,
confirmation, replacement and import.

Managers install meters and record replacements; technicians and customer
service enter, import, confirm and reject readings; an occupant reads their
unit's meters and submits a reading with a photo. The routes parse and
format; ``application/meters`` authorizes and decides, and
``projections/meters/queries.py`` reads.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from application.meters import commands as c
from application.meters.service import MeterNotFound, MeterService
from application.registry.importing import ImportRejected
from domain.identity.policy import Permission
from domain.meters.values import MeterKind, ReadingStatus
from interfaces.http import reads
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached, serving
from interfaces.http.cursors import decode_cursor
from interfaces.http.meters.schemas import (
    Decision,
    ImportDone,
    JumpRuleIn,
    JumpRuleView,
    MeterView,
    NewMeter,
    NewReading,
    ReadingCreated,
    ReadingView,
    Rejection,
    Replacement,
    Submission,
    UnreadView,
)
from interfaces.http.problems import Problem
from interfaces.http.registry.imports import IMPORT_BODY, NOT_A_TABLE
from interfaces.http.schemas import Accepted, Created, Cursor, Page, Period, accepted, paged
from interfaces.http.security import Principal, container, requires
from interfaces.importfiles import file_kind, read_table
from projections.meters import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["meters"])
PROJECTION = "meters"
READ, READ_ESTATE = Permission.METERS_READ_OWN, Permission.METERS_READ_ESTATE
RECORD, SUBMIT = Permission.METERS_RECORD_ESTATE, Permission.METERS_RECORD_OWN
MANAGE = Permission.METERS_MANAGE_ESTATE
Limit = Annotated[int, Query(ge=1, le=500)]
After = Annotated[int | None, Query(ge=0)]


def handlers(request: Request) -> MeterService:
    return container(request).meters


def _before(cursor: str | None) -> UUID | None:
    return decode_cursor(cursor, UUID)[0] if cursor else None  # type: ignore[no-any-return]


# ---- meters -------------------------------------------------------------------------------


@router.post("/meters", status_code=status.HTTP_201_CREATED)
def install_meter(
    body: NewMeter, request: Request, principal: Principal = requires(MANAGE)
) -> Created:
    """Install a meter of a unit (``unit_id``), or a shared meter of a common ``area``."""
    fields = body.model_dump()
    fields["kind"] = str(body.kind)
    meter_id, position = handlers(request).install(c.InstallMeter(actor=principal, **fields))
    return Created(id=meter_id, position=position)


@router.get("/meters")
async def list_meters(
    request: Request,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    kind: MeterKind | None = None,
    limit: Limit = 100,
    after: After = None,
    cursor: Cursor = None,
    principal: Principal = requires(READ),
) -> Page[MeterView]:
    """Meters of the caller's estates (staff) or of the units they occupy, newest first."""
    await reached(request, PROJECTION, after)
    rows = await reads.query_off_loop(
        request,
        queries.meters,
        principal.reach(READ.action),
        estate_id=estate_id,
        unit_id=unit_id,
        kind=str(kind) if kind else None,
        limit=limit + 1,
        before_id=_before(cursor),
    )
    return paged(rows, limit, lambda r: MeterView.model_validate(r), lambda r: (r["meter_id"],))


@router.get("/meters/{meter_id}")
async def get_meter(
    meter_id: UUID, request: Request, after: After = None, principal: Principal = requires(READ)
) -> MeterView:
    """One meter: its serial, last reading, register and readings waiting."""
    await reached(request, PROJECTION, after)
    row = await reads.query_off_loop(request, queries.meter, principal.reach(READ.action), meter_id)
    if row is None:
        raise MeterNotFound()
    return MeterView.model_validate(row)


@router.get("/meters/{meter_id}/readings")
async def meter_readings(
    meter_id: UUID,
    request: Request,
    limit: Limit = 100,
    after: After = None,
    cursor: Cursor = None,
    principal: Principal = requires(READ),
) -> Page[ReadingView]:
    """The meter's readings and replacements, newest first."""
    await reached(request, PROJECTION, after)
    reach = principal.reach(READ.action)
    if await reads.query_off_loop(request, queries.meter, reach, meter_id) is None:
        raise MeterNotFound()
    rows = await reads.query_off_loop(
        request, queries.readings, reach, meter_id=meter_id, limit=limit + 1,
        before_id=_before(cursor),
    )  # fmt: skip
    return paged(rows, limit, lambda r: ReadingView.model_validate(r), lambda r: (r["reading_id"],))


@router.post("/meters/{meter_id}/readings", status_code=status.HTTP_201_CREATED)
def enter_reading(
    meter_id: UUID, body: NewReading, request: Request, principal: Principal = requires(RECORD)
) -> ReadingCreated:
    """Enter a reading (on a round, or at the desk): it is recorded and billed,
    or held for confirmation when its usage jumps beyond the estate's jump
    factor times the meter's average (by default 3 times the last 6 usages).
    A reading older than the last, or below it, is refused (422)."""
    cmd = c.EnterReading(actor=principal, meter_id=meter_id, **body.model_dump())
    reading_id, state, position = handlers(request).enter(cmd)
    return ReadingCreated(id=reading_id, status=ReadingStatus(state), position=position)


@router.post("/meters/{meter_id}/submissions", status_code=status.HTTP_201_CREATED)
def submit_reading(
    meter_id: UUID, body: Submission, request: Request, principal: Principal = requires(SUBMIT)
) -> ReadingCreated:
    """An occupant submits a reading of their unit's meter with a photo
    reference; staff confirm or reject it."""
    serving(request, "registry")  # who lives where: a stopped read model answers 503
    cmd = c.SubmitReading(actor=principal, meter_id=meter_id, **body.model_dump())
    reading_id, state, position = handlers(request).submit(cmd)
    return ReadingCreated(id=reading_id, status=ReadingStatus(state), position=position)


@router.post("/meters/{meter_id}/confirm", response_model=Accepted)
def confirm_reading(
    meter_id: UUID, body: Decision, request: Request, principal: Principal = requires(RECORD)
) -> Response:
    """Confirm a held or submitted reading: it is recorded and billed."""
    cmd = c.ConfirmReading(actor=principal, meter_id=meter_id, reading_id=body.reading_id)
    return accepted(handlers(request).confirm(cmd))


@router.post("/meters/{meter_id}/reject", response_model=Accepted)
def reject_reading(
    meter_id: UUID, body: Rejection, request: Request, principal: Principal = requires(RECORD)
) -> Response:
    """Reject a held or submitted reading, saying why."""
    cmd = c.RejectReading(actor=principal, meter_id=meter_id, **body.model_dump())
    return accepted(handlers(request).reject(cmd))


@router.post("/meters/{meter_id}/replace", response_model=Accepted)
def replace_meter(
    meter_id: UUID, body: Replacement, request: Request, principal: Principal = requires(MANAGE)
) -> Response:
    """Record a replacement (a new serial) or a reset: the old meter's final
    reading and the new initial one. Usage across it is final minus last
    plus new minus initial."""
    fields = body.model_dump()
    fields["reason"] = str(body.reason)
    return accepted(handlers(request).replace(c.ReplaceMeter(principal, meter_id, **fields)))


# ---- readings of an estate ------------------------------------------------------------------


@router.get("/meter-readings")
async def list_readings(
    request: Request,
    estate_id: UUID | None = None,
    status_: Annotated[ReadingStatus | None, Query(alias="status")] = None,
    period: Annotated[Period | None, Query()] = None,
    limit: Limit = 100,
    after: After = None,
    cursor: Cursor = None,
    principal: Principal = requires(READ),
) -> Page[ReadingView]:
    """Readings of the caller's estates or units, newest first; ``status=held``
    or ``submitted``: what waits for staff to confirm."""
    await reached(request, PROJECTION, after)
    rows = await reads.query_off_loop(
        request,
        queries.readings,
        principal.reach(READ.action),
        estate_id=estate_id,
        status=str(status_) if status_ else None,
        period=period,
        limit=limit + 1,
        before_id=_before(cursor),
    )
    return paged(rows, limit, lambda r: ReadingView.model_validate(r), lambda r: (r["reading_id"],))


@router.get("/estates/{estate_id}/unread-meters")
async def unread_meters(
    estate_id: UUID,
    request: Request,
    period: Annotated[Period, Query()],
    limit: Limit = 100,
    after: After = None,
    cursor: Cursor = None,
    principal: Principal = requires(READ_ESTATE),
) -> Page[UnreadView]:
    """The estate's meters with no recorded reading of ``period``, by unit:
    what the billing run would miss (``waiting``: readings held or submitted)."""
    principal.check(READ_ESTATE.action, None, estate_id)
    await reached(request, PROJECTION, after)
    last = decode_cursor(cursor, str, UUID) if cursor else None
    rows = await reads.query_off_loop(
        request, queries.unread, estate_id, period, limit=limit + 1, after=last
    )
    return paged(
        rows, limit, lambda r: UnreadView.model_validate(r), lambda r: (r["place"], r["meter_id"])
    )


@router.post(
    "/estates/{estate_id}/imports/meter-readings",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMPORT_BODY,
    responses=NOT_A_TABLE,
)
async def import_readings(
    estate_id: UUID,
    request: Request,
    period: Annotated[Period, Query(description="the billing month the readings are for")],
    principal: Principal = requires(RECORD),
) -> ImportDone:
    """A period's readings from a CSV (UTF-8 or GBK) or xlsx file: columns
    房号 (unit), 楼栋 (building, where numbers repeat), 表类型 (水表, 电表,
    燃气表), 读数 (reading), 抄表日期 (read_on). All rows or none: a bad row
    refuses the file with a 422 listing each row, column and message."""
    try:
        kind = file_kind(request.headers.get("content-type"))
    except ImportRejected as wrong:
        raise Problem(415, wrong.errors[0].message, title="Unsupported media type") from None
    content = await request.body()
    read = partial(read_table, content, kind)
    try:
        rows, held, position = await run_in_threadpool(
            handlers(request).import_readings, principal, estate_id, period, read
        )
    except ImportRejected as rejected:
        raise Problem(
            422,
            f"{len(rejected.errors)} error(s) in the file; nothing was imported",
            title="Import refused",
            rows=rejected.rows,
            errors=rejected.report(),
        ) from None
    return ImportDone(rows=rows, held=held, position=position)


@router.get("/estates/{estate_id}/meter-jump-rule")
async def jump_rule(
    estate_id: UUID,
    request: Request,
    after: After = None,
    principal: Principal = requires(READ_ESTATE),
) -> JumpRuleView:
    """When the estate's readings are held as jumps: usage above ``factor`` times
    the average of the meter's last ``window`` usages (by default 3 and 6)."""
    principal.check(READ_ESTATE.action, None, estate_id)
    await reached(request, PROJECTION, after)
    row = await reads.query_off_loop(request, queries.jump_rule, estate_id)
    if row is None:
        raise MeterNotFound()
    return JumpRuleView.model_validate(row)


@router.put("/estates/{estate_id}/meter-jump-rule", response_model=Accepted)
def set_jump_rule(
    estate_id: UUID, body: JumpRuleIn, request: Request, principal: Principal = requires(MANAGE)
) -> Response:
    """Set when the estate's readings are held as jumps, from now on: a reading
    held before keeps its reason, which names the rule it was held by."""
    cmd = c.SetJumpRule(actor=principal, estate_id=estate_id, **body.model_dump())
    return accepted(handlers(request).set_jump_rule(cmd))
