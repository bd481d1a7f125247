"""HTTP routes of compliance checks (R5.5): run them, read reviews, rectify and close findings.

Running checks needs ``compliance:run``: auditors hold it for every estate
(and may check all estates at once, without ``estate_id``); finance staff
for the estates they serve (``estate_id`` required). Reading needs
``compliance:read``; rectifying a finding ``compliance:rectify`` (the
estate's finance staff and managers); closing a rectified finding
``compliance:run`` again, by someone other than who rectified it. A review
or finding of an estate outside the caller's reach answers 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from application.finance.compliance import (
    CloseFinding,
    ComplianceService,
    RectifyFinding,
    RunChecks,
)
from domain.finance.compliance import ComplianceReview
from domain.identity.policy import Permission
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.schemas import (
    Accepted,
    Amount,
    Command,
    CurrencyCode,
    Cursor,
    Page,
    Position,
    accepted,
    paged,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine
from interfaces.http.views import from_view
from projections.events import to_json
from projections.finance import compliance as queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["finance"])

READ = "compliance:read"
PROJECTION = queries.NAME

Note = Annotated[str, MultiLine(2000)]
After = Annotated[int | None, Query(ge=0, description="wait for this position")]


class NewComplianceRun(Command):
    estate_id: UUID | None = None
    from_: date = Field(alias="from")
    to: date
    as_of: datetime | None = None
    as_of_position: Position | None = None
    large_expense_threshold: Amount | None = None
    currency: CurrencyCode | None = None


class FindingNote(Command):
    note: Note


class CheckResult(BaseModel):
    name: str
    passed: bool
    detail: str
    count: int


class Parameters(BaseModel):
    large_expense_threshold: Decimal | None = None
    currency: str | None = None


class RunFinding(BaseModel):
    id: UUID
    check: str
    severity: str = Field(description="error or warning")
    subject_id: UUID | None
    subject: str
    estate_id: UUID | None
    detail: str
    status: str = Field(description="open, rectified or closed")


class ReviewRun(BaseModel):
    """A review just run: its checks and findings."""

    id: UUID
    position: int
    as_of_position: int
    passed: bool
    parameters: Parameters
    checks: list[CheckResult]
    findings: list[RunFinding]


@from_view(
    queries.ReviewRow,
    rename={"review_id": "id"},
    retype={"parameters": Parameters, "checks": list[CheckResult]},
)
class Review(BaseModel):
    """A review as listed: its counts of findings by status."""


@from_view(queries.FindingRow, rename={"finding_id": "id"})
class Finding(BaseModel):
    """A finding of a review and its rectification."""


@from_view(
    queries.ReviewDetail,
    rename={"review_id": "id"},
    retype={"parameters": Parameters, "checks": list[CheckResult], "findings": list[Finding]},
)
class ReviewWithFindings(BaseModel):
    """A review with every finding, in the order found."""


def _service(request: Request) -> ComplianceService:
    return container(request).finance.compliance  # type: ignore[no-any-return]


def _json(body: Any, status_code: int = 200) -> Response:
    return Response(to_json(body), status_code=status_code, media_type="application/json")


def _findings(review: ComplianceReview) -> list[dict[str, Any]]:
    return [
        {
            "id": f["finding_id"],
            **{k: v for k, v in f.items() if k not in ("rectified_by", "finding_id")},
            "status": str(f["status"]),
        }
        for f in review.findings.values()
    ]


def _named_id(row: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A read model's row as answered: its own ``key`` is ``id`` (decision 0049)."""
    return {"id": row[key], **{k: v for k, v in row.items() if k != key}}


@router.post(
    "/finance/compliance-checks", status_code=status.HTTP_201_CREATED, response_model=ReviewRun
)
def run_checks(
    body: NewComplianceRun,
    request: Request,
    principal: Principal = requires(Permission.COMPLIANCE_RUN_ESTATE),
) -> Response:
    """Run every compliance check over the scope, the period and a position (``as_of``
    or ``as_of_position``; default the head), and record the review with its findings."""
    done = _service(request).run(
        RunChecks(
            actor=principal,
            estate_id=body.estate_id,
            date_from=body.from_,
            date_to=body.to,
            as_of=body.as_of,
            as_of_position=body.as_of_position,
            large_expense_threshold=body.large_expense_threshold,
            currency=body.currency,
        )
    )
    review = done.review
    return _json(
        {
            "id": review.id,
            "position": done.position,
            "as_of_position": review.as_of_position,
            "passed": review.passed,
            "parameters": review.parameters,
            "checks": review.checks,
            "findings": _findings(review),
        },
        status_code=201,
    )


@router.get("/finance/compliance-checks", response_model=Page[Review])
async def list_reviews(
    request: Request,
    principal: Principal = requires(Permission.COMPLIANCE_READ_ESTATE),
    estate_id: UUID | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: After = None,
) -> Response:
    """Reviews the caller may read, newest first (a review of every estate: ``any``
    readers), as a page ``{items, next_cursor}``."""
    await reached(request, PROJECTION, after)
    before_review = decode_cursor(cursor, UUID)[0] if cursor else None
    rows = await query_off_loop(
        request, queries.reviews, principal.reach(READ), estate_id, limit + 1, before_review
    )
    page = paged(rows, limit, lambda r: _named_id(r, "review_id"), lambda r: (r["review_id"],))
    return _json({"items": page.items, "next_cursor": page.next_cursor})


@router.get("/finance/compliance-checks/{review_id}", response_model=ReviewWithFindings)
async def get_review(
    review_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.COMPLIANCE_READ_ESTATE),
    after: After = None,
) -> Response:
    """One review with its checks and every finding, in the order found."""
    await reached(request, PROJECTION, after)
    review = await query_off_loop(request, queries.review, principal.reach(READ), review_id)
    findings = [_named_id(f, "finding_id") for f in review["findings"]]
    return _json({**_named_id(review, "review_id"), "findings": findings})


@router.post(
    "/finance/compliance-checks/{review_id}/findings/{finding_id}/rectification",
    response_model=Accepted,
)
def rectify_finding(
    review_id: UUID,
    finding_id: UUID,
    body: FindingNote,
    request: Request,
    principal: Principal = requires(Permission.COMPLIANCE_RECTIFY_ESTATE),
) -> Response:
    """The estate explains or fixes an open finding (a fix of the books is its own
    correcting event; the note names it). 409 unless the finding is open."""
    command = RectifyFinding(principal, review_id, finding_id, body.note)
    return accepted(_service(request).rectify(command))


@router.post(
    "/finance/compliance-checks/{review_id}/findings/{finding_id}/closure",
    response_model=Accepted,
)
def close_finding(
    review_id: UUID,
    finding_id: UUID,
    body: FindingNote,
    request: Request,
    principal: Principal = requires(Permission.COMPLIANCE_RUN_ESTATE),
) -> Response:
    """The auditor accepts a rectified finding; 409 before it is rectified, or when
    the caller is who rectified it."""
    command = CloseFinding(principal, review_id, finding_id, body.note)
    return accepted(_service(request).close_finding(command))
