"""HTTP routes of the approvals context: policies, the approval list, decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from application.approvals import commands
from application.approvals.commands import (
    Approve,
    ConfigurePolicy,
    Delegate,
    Reject,
    ReturnForChanges,
)
from application.approvals.service import ApprovalNotFound
from domain.identity.policy import Permission, Role
from interfaces.http import reads
from interfaces.http.asof import AsOfRoute, folding_to
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Command, Cursor, NumberQuery, Page, accepted, paged
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import JsonRule, MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.approvals import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1", tags=["approvals"])

Kind = Annotated[str, SingleLine(40, pattern=r"^[a-z][a-z0-9_]{1,39}$")]
# The kinds are those the contexts subscribe at start (ApprovalService.kinds):
# a kind no context opens approvals of is a missing policy (404), not a new one.
PolicyKind = Annotated[
    Kind,
    Path(
        description="a kind of approval: announcement, service_request, rate_change, "
        "expense, expense_over_budget, fund_spending, renovation_forfeit, waiver, refund, "
        "reversal, write_off, journal, period_close, purchase_request, stocktake_difference; "
        "any other answers 404"
    ),
]
Reason = Annotated[str, MultiLine(500)]


class LevelBody(Command):
    name: Annotated[str, SingleLine(40, pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    role: Annotated[str, SingleLine(64)]


class PolicyBody(Command):
    levels: Annotated[list[LevelBody], Field(min_length=1, max_length=6)]
    rules: Annotated[list[Annotated[dict[str, Any], JsonRule()]], Field(max_length=30)] = []


class Decision(Command):
    comment: Annotated[str, MultiLine(500, min_length=0)] | None = None


class WithReason(Command):
    reason: Reason


class Delegation(Command):
    to: UUID


class PolicyView(BaseModel):
    kind: str
    levels: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    updated_at: datetime | None
    configured: bool


@from_view(queries.StepRow)
class StepView(BaseModel):
    pass


@from_view(
    queries.ApprovalRow,
    rename={"approval_id": "id"},
    describe={
        "current_level": "1-based, among the levels still required",
        "note": "the last reason or comment",
    },
    extra={"steps": (list[StepView], [])},
)
class ApprovalView(BaseModel):
    pass


def approval_number(request: Request, approval_id: UUID) -> str:
    """The number of the approval a command just opened (``HVG-AP-2026-000001``)."""
    return container(request).approvals.number_of(approval_id)  # type: ignore[no-any-return]


# ---- policies ---------------------------------------------------------------


@router.get("/approval-policies/{kind}")
def get_policy(
    kind: PolicyKind,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_READ_ESTATE),
) -> PolicyView:
    """The levels and pre-screening rules in force for ``kind`` (defaults if never set);
    ``as_of``: as they stood then, folded from the log."""
    approvals = container(request).approvals
    terms, policy = approvals.policy_in_force(principal, kind, folding_to(request))
    levels, rules = terms.as_dicts()
    return PolicyView(
        kind=kind,
        levels=list(levels),
        rules=rules,
        updated_at=policy.updated_at if policy else None,
        configured=policy is not None,
    )


@router.put("/approval-policies/{kind}", response_model=Accepted)
def configure_policy(
    kind: PolicyKind,
    body: PolicyBody,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_CONFIGURE),
) -> Any:
    """Set the ordered levels and the rules of ``kind`` (see docs/approvals.md)."""
    levels = [level.model_dump() for level in body.levels]
    cmd = ConfigurePolicy(principal, kind, levels, body.rules)
    return accepted(container(request).approvals.configure_policy(cmd))


# ---- approvals ----------------------------------------------------------------


@router.get("/approvals")
async def list_approvals(
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_READ_OWN),
    status: Annotated[
        str | None, Query(pattern="^(pending|returned|approved|rejected|withdrawn)$")
    ] = None,
    kind: Kind | None = None,
    estate_id: UUID | None = None,
    decider_role: Role | None = None,
    to_decide: Annotated[
        bool, Query(description="only pending approvals the caller may decide now")
    ] = False,
    number: NumberQuery = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[ApprovalView]:
    """Approvals the caller may see, newest change first: of their estates, or their own."""
    c = container(request)
    if kind is not None and kind not in c.approvals.kinds():
        raise Problem(
            422, f"kind: no approval kind {kind!r}; one of {', '.join(c.approvals.kinds())}"
        )
    await reached(request, "approvals", after)
    rows = await reads.query_off_loop(
        request,
        queries.approvals,
        principal.reach("approvals:read"),
        decider=c.approvals.decider(principal.user_id) if to_decide else None,
        filters={
            "status": status,
            "kind": kind,
            "estate_id": estate_id,
            "decider_role": decider_role.value if decider_role else None,
            "number": number,
        },
        before=decode_cursor(cursor, int)[0] if cursor else None,
        limit=limit + 1,
    )
    return paged(rows, limit, ApprovalView.model_validate, lambda r: (r["position"],))


@router.get("/approvals/{approval_id}")
async def get_approval(
    approval_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ApprovalView:
    """One approval with every step taken so far."""
    await reached(request, "approvals", after)
    row = await reads.query_off_loop(
        request, queries.approval, principal.reach("approvals:read"), approval_id
    )
    if row is None:
        raise ApprovalNotFound()
    # validated as a whole: pydantic makes the step rows StepViews
    return ApprovalView.model_validate(row)


def _decide(request: Request, decision: commands.Decision) -> Any:
    return accepted(container(request).approvals.decide(decision))


@router.post("/approvals/{approval_id}/approve", response_model=Accepted)
def approve(
    approval_id: UUID,
    request: Request,
    body: Decision | None = None,
    principal: Principal = requires(Permission.APPROVALS_DECIDE_ESTATE),
) -> Any:
    """Approve the current level: the next level decides, or the request is approved."""
    return _decide(request, Approve(principal, approval_id, body.comment if body else None))


@router.post("/approvals/{approval_id}/reject", response_model=Accepted)
def reject(
    approval_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_DECIDE_ESTATE),
) -> Any:
    """Reject the request at the current level, with the reason: it ends."""
    return _decide(request, Reject(principal, approval_id, body.reason))


@router.post("/approvals/{approval_id}/return", response_model=Accepted)
def return_for_changes(
    approval_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_DECIDE_ESTATE),
) -> Any:
    """Send the request back to its requester, who resubmits it through its subject."""
    return _decide(request, ReturnForChanges(principal, approval_id, body.reason))


@router.post("/approvals/{approval_id}/delegate", response_model=Accepted)
def delegate(
    approval_id: UUID,
    body: Delegation,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_DECIDE_ESTATE),
) -> Any:
    """Hand the current level to a named user who decides for this estate."""
    return _decide(request, Delegate(principal, approval_id, body.to))
