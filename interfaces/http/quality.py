"""HTTP routes of the data-quality report (R7.5): the checks' counts, the failing
records, the runs and their trend per month, and running the checks now.

Reading needs ``quality:read`` for the estate (auditors every estate, with
``as_of``: decision 0051); running ``quality:run`` (the estate's managers,
administrators). An estate outside the caller's reach answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from application.actor import HIDDEN
from application.errors import NotFound
from application.quality.commands import RunQualityChecks
from application.quality.ports import CheckScope
from application.quality.service import QualityService
from domain.errors import ValidationFailed
from domain.identity.policy import Permission
from domain.quality.checks import (
    READ_MODELS,
    SPECS,
    CheckName,
    month_bounds,
    months_before,
    stale_days_of,
)
from interfaces.http.asof import AsOfRoute, read_moment
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.problems import Problem
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import Command, Cursor, Page, Period, paged
from interfaces.http.security import Principal, container, requires
from interfaces.http.views import from_view
from projections.events import to_json
from projections.failing import FailingRow, typed_key
from projections.quality import checks as queries
from projections.quality import runs

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["quality"])

READ = "quality:read"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
LONGEST_TREND = 120  # months
NOT_A_CURSOR = "cursor: not a cursor of this list; pass next_cursor of the previous page"
Month = Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM; default this month")]
StaleDays = Annotated[
    int | None,
    Query(
        ge=1,
        le=3660,
        description="days without telemetry or service that make a "
        "facility record stale; default 30",
    ),
]
After = Annotated[int | None, Query(ge=0, description="wait for this position")]


class NewQualityRun(Command):
    month: Annotated[Period | None, Field(description="YYYY-MM; default this month")] = None
    stale_days: Annotated[int, Field(ge=1, le=3660)] | None = None


@from_view(queries.CheckRow)
class Check(BaseModel):
    """One check of the table (docs/quality.md) and how many records fail it now."""


class QualityReport(BaseModel):
    """Every check over the estate's records now, in the table's order."""

    estate_id: UUID
    month: str
    stale_days: int
    failing: int = Field(description="failing records over every check")
    checks: list[Check]


@from_view(FailingRow, drop=("key",))
class FailingRecord(BaseModel):
    """A record failing a check: its ID, a name people know it by, what is wrong."""


@from_view(runs.CountRow)
class CheckCount(BaseModel):
    """A check's severity and how many records failed it in the run."""


@from_view(runs.RunRow, rename={"run_id": "id"}, retype={"counts": list[CheckCount]})
class QualityRunView(BaseModel):
    """A recorded run: per check, its severity and count."""


async def _scope(
    request: Request, estate_id: UUID, month: str | None, days: int | None
) -> CheckScope:
    """What the read judges: its month (default the read moment's) and staleness, at
    the read's moment (now, or the moment of the position read as of)."""
    now = await read_moment(request)
    return CheckScope(estate_id, month or f"{now:%Y-%m}", now, stale_days_of(days))


async def _reached(request: Request, names: tuple[str, ...], after: int | None) -> None:
    for name in names:
        await reached(request, name, after)


def _json(body: Any, status_code: int = 200) -> Response:
    return Response(to_json(body), status_code=status_code, media_type="application/json")


@router.get("/estates/{estate_id}/quality", response_model=QualityReport)
async def quality_report(
    estate_id: UUID,
    request: Request,
    month: Month = None,
    stale_days: StaleDays = None,
    after: After = None,
    principal: Principal = requires(Permission.QUALITY_READ_ESTATE),
) -> Response:
    """Every data-quality check over the estate's records as they are now: what it
    finds, its severity, the read models it reads and how many records fail it."""
    await _reached(request, READ_MODELS, after)
    scope = await _scope(request, estate_id, month, stale_days)
    found = await query_off_loop(request, queries.report, principal.reach(READ), scope)
    if found is None:
        raise NotFound(HIDDEN)
    return _json(
        {
            "estate_id": estate_id,
            "month": scope.month,
            "stale_days": scope.stale_days,
            "failing": sum(c["count"] for c in found),
            "checks": found,
        }
    )


@router.get("/estates/{estate_id}/quality/checks/{check}/records")
async def failing_records(
    estate_id: UUID,
    check: CheckName,
    request: Request,
    month: Month = None,
    stale_days: StaleDays = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: After = None,
    principal: Principal = requires(Permission.QUALITY_READ_ESTATE),
) -> Page[FailingRecord]:
    """The estate's records failing one check now, a page at a time, in the
    check's own order (a unit's building and number, equipment by name, bills
    newest first...)."""
    spec = queries.QUERIES[check.value]
    await _reached(request, SPECS[check].read_models, after)
    key = decode_cursor(cursor, *(str for _ in spec.keys)) if cursor else None
    if key is not None:
        try:
            typed_key(spec, key)  # a cursor of another check's keys: refused, not cast
        except ValueError:
            raise Problem(400, NOT_A_CURSOR) from None
    scope = await _scope(request, estate_id, month, stale_days)
    found = await query_off_loop(
        request, queries.records, principal.reach(READ), check.value, scope, key, limit + 1
    )
    if found is None:
        raise NotFound(HIDDEN)
    return paged(found, limit, FailingRecord.model_validate, lambda r: tuple(r["key"]))


@router.post(
    "/estates/{estate_id}/quality/runs",
    status_code=status.HTTP_201_CREATED,
    response_model=QualityRunView,
)
def run_quality_checks(
    estate_id: UUID,
    body: NewQualityRun,
    request: Request,
    principal: Principal = requires(Permission.QUALITY_RUN_ESTATE),
) -> Response:
    """Run every check over the estate now and record the counts as a run (an
    event: ``QualityRun.Recorded``); 409 "Read models behind" if a read model a
    check reads has not reached the log's head within 20 s."""
    service: QualityService = container(request).quality
    done = service.run(RunQualityChecks(principal, estate_id, body.month, body.stale_days))
    return _json(done.view(), status_code=201)


@router.get("/estates/{estate_id}/quality/runs")
async def quality_runs(
    estate_id: UUID,
    request: Request,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: After = None,
    principal: Principal = requires(Permission.QUALITY_READ_ESTATE),
) -> Page[QualityRunView]:
    """The estate's recorded runs (scheduled and on demand), newest first."""
    await reached(request, runs.NAME, after)
    before = decode_cursor(cursor, datetime, UUID) if cursor else None
    found = await query_off_loop(
        request, runs.runs, principal.reach(READ), estate_id, before, limit + 1
    )
    if found is None:
        raise NotFound(HIDDEN)
    return paged(
        found,
        limit,
        lambda r: QualityRunView.model_validate(r),
        lambda r: (r["run_at"], r["run_id"]),
    )


@router.get("/estates/{estate_id}/quality/trend")
async def quality_trend(
    estate_id: UUID,
    request: Request,
    from_: Annotated[
        str | None,
        Query(alias="from", pattern=MONTH, description="YYYY-MM; default 11 months before to"),
    ] = None,
    to: Annotated[
        str | None, Query(pattern=MONTH, description="YYYY-MM; default this month")
    ] = None,
    after: After = None,
    principal: Principal = requires(Permission.QUALITY_READ_ESTATE),
) -> Page[QualityRunView]:
    """Per month from ``from`` to ``to`` (at most 120), the month's last run, oldest
    first; a month without a run has no item. One page (``next_cursor`` null)."""
    to = to or f"{await read_moment(request):%Y-%m}"
    from_ = from_ or months_before(to, 11)
    first, last = month_bounds(from_)[0], month_bounds(to)[0]
    if first > last:
        raise ValidationFailed("from: on or before to")
    if (last.year - first.year) * 12 + last.month - first.month >= LONGEST_TREND:
        raise ValidationFailed(f"to: at most {LONGEST_TREND} months after from")
    await reached(request, runs.NAME, after)
    found = await query_off_loop(request, runs.trend, principal.reach(READ), estate_id, from_, to)
    if found is None:
        raise NotFound(HIDDEN)
    return Page(items=[QualityRunView.model_validate(r) for r in found], next_cursor=None)
