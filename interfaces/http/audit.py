"""The audit trail (R2.5, R3.5): query, export, and the integrity of the log."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from starlette.background import BackgroundTask

from application.audit.exports import RecordExport
from bootstrap import Container
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute, as_of_position
from interfaces.http.audit_files import csv_chunks, titles, xlsx_chunks
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.language import LangQuery, export_language, in_language
from interfaces.http.problems import Problem
from interfaces.http.reads import query, query_off_loop, streamed
from interfaces.http.schemas import Cursor, Page, paged
from interfaces.http.security import Principal, container, requires
from projections.audit.trail import (
    COLUMNS,
    TrailFilters,
    export_extent,
    trail_batches,
    trail_rows,
)
from replay.attestation import key_id, public_key_text, write_signed_export
from replay.verify import check_chain

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1/audit", tags=["audit"])

EXPORT_LIMIT = 100_000


class AuditEvent(BaseModel):
    position: int
    occurred_at: datetime
    aggregate_type: str
    event_type: str
    aggregate_id: UUID
    aggregate_version: int
    actor_id: UUID | None
    actor_role: str | None
    client_ip: str | None
    user_agent: str | None
    request_id: str | None
    correlation_id: UUID | None
    causation_id: UUID | None
    actor_name: str | None  # masked as the user directory shows it; "erased person"
    estate_id: UUID | None
    estate_name: str | None
    unit_id: UUID | None
    unit_number: str | None
    details: dict[str, Any]


class AuditPage(Page[AuditEvent]):
    """A page of the trail, and the position it was read as of (if asked)."""

    as_of_position: int | None = None


def filters(
    actor_id: UUID | None = None,
    aggregate_id: UUID | None = None,
    event_type: Annotated[str | None, Query(max_length=100)] = None,
    aggregate_type: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[datetime | None, Query(description="inclusive, ISO 8601")] = None,
    until: Annotated[datetime | None, Query(description="exclusive, ISO 8601")] = None,
) -> TrailFilters:
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise Problem(422, "since/until need a timezone, e.g. 2026-01-01T00:00:00Z")
    return TrailFilters(
        actor_id=actor_id,
        aggregate_id=aggregate_id,
        event_type=event_type,
        aggregate_type=aggregate_type,
        since=since,
        until=until,
    )


def _select(
    request: Request, f: TrailFilters, cursor: int | None, limit: int, upto: int | None = None
) -> list[tuple[Any, ...]]:
    mapper = container(request).event_log.mapper_with_metadata
    return query(
        request,
        trail_rows,
        lambda note: mapper.decode(note)[0],
        f,
        cursor=cursor,
        upto=upto,
        limit=limit,
    )


@router.get("/events")
async def audit_events(
    request: Request,
    principal: Principal = requires(Permission.AUDIT_READ),
    f: TrailFilters = Depends(filters),
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[int | None, Query(ge=0, description="wait for this position")] = None,
    as_of: Annotated[
        str | None,
        Query(
            max_length=64,
            description="the trail as it stood then: a position, or an ISO 8601 moment "
            "with a timezone (the last position recorded at or before it)",
        ),
    ] = None,
) -> AuditPage:
    """Every recorded event with who, when, from where; oldest first, by position.

    The trail as of position P is exactly its rows with position <= P: each row
    is inserted for its own event and never changed or removed, so ``as_of``
    filters the live table (the property tests hold it equal to a replay)
    instead of reading an as-of build."""
    upto = None
    if as_of is not None:
        upto = await anyio.to_thread.run_sync(as_of_position, container(request), as_of)
    # The trail must hold everything up to then before a prefix of it is the past.
    await reached(request, "audit_trail", after, at_least=upto or 0)
    last = decode_cursor(cursor, int)[0] if cursor else None
    rows = await anyio.to_thread.run_sync(_select, request, f, last, limit + 1, upto)
    page = paged(
        rows, limit, lambda r: AuditEvent(**dict(zip(COLUMNS, r, strict=True))), lambda r: (r[0],)
    )
    return AuditPage(items=page.items, next_cursor=page.next_cursor, as_of_position=upto)


@router.get("/events/export")
async def export_audit_events(
    request: Request,
    principal: Principal = requires(Permission.AUDIT_EXPORT),
    f: TrailFilters = Depends(filters),
    format: Literal["csv", "xlsx"] = "csv",
    after: Annotated[int | None, Query(ge=0)] = None,
    lang: LangQuery = None,
) -> Response:
    """The same query as a CSV or Excel file (at most 100,000 rows), streamed. Its
    header row is in Chinese unless ``Accept-Language`` or ``lang`` asks for English."""
    c = container(request)
    language = export_language(request, lang)
    await reached(request, "audit_trail", after)
    upto, rows = await query_off_loop(request, export_extent, f, EXPORT_LIMIT)
    export = RecordExport(
        principal, dataset="audit_trail", file_format=format, rows=rows, filters=_jsonable(f)
    )
    position = await anyio.to_thread.run_sync(c.exports.record, export)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    media = (
        "text/csv; charset=utf-8"
        if format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # A sync iterator: Starlette runs each step on a worker thread, so neither
    # the query nor the writing holds the event loop.
    mapper = c.event_log.mapper_with_metadata
    batches = streamed(
        request,
        trail_batches,
        lambda note: mapper.decode(note)[0],
        f,
        upto=upto,
        limit=EXPORT_LIMIT,
    )
    answer = StreamingResponse(
        (csv_chunks if format == "csv" else xlsx_chunks)(titles(COLUMNS, language), batches),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="audit-{stamp}.{format}"',
            "X-Estatelog-Position": str(position),
        },
    )
    return in_language(answer, language)


def _jsonable(f: TrailFilters) -> dict[str, Any]:
    """The filters given, as the JSON of the query string."""
    return to_jsonable_python({k: v for k, v in vars(f).items() if v is not None})  # type: ignore[no-any-return]


class Integrity(BaseModel):
    ok: bool
    events_checked: int
    head_position: int | None
    head_hash: str | None
    first_broken_position: int | None
    problem: str | None
    verified_from: int


@router.get("/integrity")
async def integrity(
    request: Request,
    principal: Principal = requires(Permission.AUDIT_VERIFY),
    full: Annotated[
        bool, Query(description="recompute from the first event, not from the last checkpoint")
    ] = False,
) -> Integrity:
    """Recompute the hash chain after the last verified checkpoint (the whole
    log with ``full=true``); name the first broken position (a level-1 incident)."""
    c = container(request)
    report = await anyio.to_thread.run_sync(
        lambda: check_chain(c.database_url, c.incidents, full=full)
    )
    return Integrity(**report.as_dict())


class SigningKey(BaseModel):
    """The key that signs exports of the log; give it to auditors apart from any file."""

    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key: str  # base64 of the 32 raw bytes
    key_id: str


def _signing_key(c: Container) -> Ed25519PrivateKey:
    if c.signing_key is None:
        raise Problem(503, "exports cannot be signed: the service has no signing key")
    return c.signing_key


@router.get("/signing-key")
def signing_key(
    request: Request, principal: Principal = requires(Permission.AUDIT_VERIFY)
) -> SigningKey:
    """The public key that verifies signed exports (``estatelog verify --export``)."""
    public = _signing_key(container(request)).public_key()
    return SigningKey(public_key=public_key_text(public), key_id=key_id(public))


@router.get(
    "/exports/signed",
    response_class=FileResponse,
    responses={200: {"content": {"application/gzip": {}}}},
)
async def signed_log_export(
    request: Request,
    principal: Principal = requires(Permission.AUDIT_EXPORT),
    as_of: Annotated[
        str | None,
        Query(description="a position, or an ISO 8601 moment with a timezone; default: now"),
    ] = None,
) -> FileResponse:
    """The log up to ``as_of`` with its chain head signed by the service: verifiable
    offline with ``estatelog verify --export FILE --public-key KEY``, restorable
    into a database of the auditor's own. Personal data in it is ciphertext only."""
    c = container(request)
    key = _signing_key(c)
    position = as_of_position(c, as_of) if as_of is not None else c.event_log.head()
    folder = Path(tempfile.mkdtemp(prefix="estatelog-export-"))
    out = folder / f"estatelog-log-{position}.elb"
    try:
        signed = await anyio.to_thread.run_sync(
            write_signed_export, c.database_url, out, position, key
        )
        export = RecordExport(
            principal,
            dataset="signed_log",
            file_format="elb",
            rows=signed.events,
            filters={"as_of": as_of, "position": signed.position},
        )
        recorded = await anyio.to_thread.run_sync(c.exports.record, export)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        out,
        media_type="application/gzip",
        filename=out.name,
        headers={
            "X-Estatelog-Position": str(recorded),
            "X-Estatelog-Head-Hash": signed.head_hash,
            "X-Estatelog-Key-Id": signed.key_id,
        },
        background=BackgroundTask(shutil.rmtree, folder, True),
    )
