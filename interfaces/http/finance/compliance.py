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

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from pydantic import Field

from application.finance.compliance import ComplianceRecordNotFound, ComplianceService
from domain.finance.compliance import ComplianceReview, FindingNotFound
from domain.identity.policy import Permission
from interfaces.http import reads
from interfaces.http.consistency import reached
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Amount, Command, CurrencyCode, Position, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine
from projections.events import to_json
from projections.finance.compliance import NAME as PROJECTION

router = APIRouter(prefix="/api/v1", tags=["finance"])

RUN = "compliance:run"
READ = "compliance:read"
RECTIFY = "compliance:rectify"
NOT_FOUND = "no such record, or not yours to see"

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


def _service(request: Request) -> ComplianceService:
    return container(request).finance.compliance  # type: ignore[no-any-return]


def _json(body: Any, status_code: int = 200) -> Response:
    return Response(to_json(body), status_code=status_code, media_type="application/json")


def _findings(review: ComplianceReview) -> list[dict[str, Any]]:
    return [
        {**{k: v for k, v in f.items() if k != "rectified_by"}, "status": str(f["status"])}
        for f in review.findings.values()
    ]


def _review(request: Request, review_id: UUID) -> ComplianceReview:
    try:
        return _service(request).review(review_id)
    except ComplianceRecordNotFound:
        raise Problem(404, NOT_FOUND) from None


def _finding_estate(review: ComplianceReview, finding_id: UUID) -> UUID | None:
    try:
        return review.finding_estate(finding_id)
    except FindingNotFound:
        raise Problem(404, NOT_FOUND) from None


@router.post("/finance/compliance-checks", status_code=status.HTTP_201_CREATED)
def run_checks(
    body: NewComplianceRun,
    request: Request,
    principal: Principal = requires(Permission.COMPLIANCE_RUN_ESTATE),
) -> Response:
    """Run every compliance check over the scope, the period and a position (``as_of``
    or ``as_of_position``; default the head), and record the review with its findings."""
    if body.estate_id is None:
        if not principal.reach(RUN).everything:
            raise Problem(403, "checking every estate needs compliance:run:any; give estate_id")
    else:
        principal.check(RUN, None, body.estate_id)
    done = _service(request).run(
        estate_id=body.estate_id,
        date_from=body.from_,
        date_to=body.to,
        as_of=body.as_of,
        as_of_position=body.as_of_position,
        large_expense_threshold=body.large_expense_threshold,
        currency=body.currency,
        run_by=principal.user_id,
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


@router.get("/finance/compliance-checks")
async def list_reviews(
    request: Request,
    principal: Principal = requires(Permission.COMPLIANCE_READ_ESTATE),
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: After = None,
) -> Response:
    """Reviews the caller may read, newest first (a review of every estate: ``any`` readers)."""
    await reached(request, PROJECTION, after)
    reach = principal.reach(READ)
    where, params = "true", list[Any]()
    if not reach.everything:
        where, params = "estate_id = ANY(%s)", [list(reach.estates)]
    if estate_id is not None:
        where += " AND estate_id = %s"
        params.append(estate_id)
    rows = await anyio.to_thread.run_sync(
        reads.dict_rows,
        request,
        f"SELECT * FROM finance_compliance_reviews WHERE {where} "
        "ORDER BY run_at DESC, position DESC LIMIT %s",
        [*params, limit],
    )
    return _json(rows)


@router.get("/finance/compliance-checks/{review_id}")
async def get_review(
    review_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.COMPLIANCE_READ_ESTATE),
    after: After = None,
) -> Response:
    """One review with its checks and every finding, in the order found."""
    await reached(request, PROJECTION, after)
    rows = await anyio.to_thread.run_sync(
        reads.dict_rows,
        request,
        "SELECT * FROM finance_compliance_reviews WHERE review_id = %s",
        [review_id],
    )
    if not rows:
        raise Problem(404, NOT_FOUND)
    principal.check(READ, None, rows[0]["estate_id"])
    findings = await anyio.to_thread.run_sync(
        reads.dict_rows,
        request,
        "SELECT * FROM finance_compliance_findings WHERE review_id = %s ORDER BY seq",
        [review_id],
    )
    return _json({**rows[0], "findings": findings})


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
    review = _review(request, review_id)
    principal.check(RECTIFY, None, _finding_estate(review, finding_id))
    position = _service(request).rectify(review_id, finding_id, body.note, principal.user_id)
    return accepted(position)


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
    review = _review(request, review_id)
    principal.check(RUN, None, _finding_estate(review, finding_id))
    position = _service(request).close_finding(review_id, finding_id, body.note, principal.user_id)
    return accepted(position)
