"""HTTP routes of the approvals context: policies, the approval list, decisions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from application.approvals.service import ApprovalNotFound
from domain.approvals.approval import Approval
from domain.errors import NotEntitled
from domain.identity.policy import Permission, Scope, widest_scope
from interfaces.http.consistency import reached
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Command, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import JsonRule, MultiLine, SingleLine
from projections.approvals import queries
from projections.reach import clause as reach_clause

router = APIRouter(prefix="/api/v1", tags=["approvals"])

Kind = Annotated[str, SingleLine(40, pattern=r"^[a-z][a-z0-9_]{1,39}$")]
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


class StepView(BaseModel):
    position: int
    step: str
    level: int | None
    level_name: str | None
    actor_id: UUID | None
    delegate_id: UUID | None
    note: str | None
    at: datetime


class ApprovalView(BaseModel):
    approval_id: UUID
    kind: str
    subject_id: UUID
    subject_type: str | None
    estate_id: UUID
    status: str
    current_level: int | None = Field(description="1-based, among the levels still required")
    level_name: str | None
    decider_role: str | None
    delegate_id: UUID | None
    levels: list[dict[str, str]]
    requested_by: UUID
    summary: str
    amount: Decimal | None
    currency: str | None
    urgency: str
    note: str | None = Field(description="the last reason or comment")
    opened_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    position: int
    steps: list[StepView] = []


COLUMNS = (
    "approval_id, kind, subject_id, subject_type, estate_id, status, current_level, level_name, "
    "decider_role, delegate_id, levels, requested_by, summary, amount, currency, urgency, note, "
    "opened_at, updated_at, decided_at, position"
)
NAMES = [c.strip() for c in COLUMNS.split(",")]


@contextmanager
def decisions() -> Iterator[None]:
    """A missing approval is 404; a step the caller may not take is 403."""
    try:
        yield
    except ApprovalNotFound:
        raise Problem(404, "no such approval, or not yours to see") from None
    except NotEntitled as exc:
        raise Problem(403, exc.detail, title=exc.title) from None


# ---- policies ---------------------------------------------------------------


@router.get("/approval-policies/{kind}")
def get_policy(
    kind: str, request: Request, principal: Principal = requires(Permission.APPROVALS_READ_ESTATE)
) -> PolicyView:
    """The levels and pre-screening rules in force for ``kind`` (defaults if never set).

    Company configuration for the staff who take part in approvals: its
    thresholds say which claims pass unseen, so residents do not read it.
    """
    if widest_scope(principal.permissions, "approvals:read") not in (Scope.ANY, Scope.ESTATE):
        raise Problem(403, "this needs the permission approvals:read:estate")
    c = container(request)
    policy = c.approvals.policy(kind)
    terms = policy.terms if policy else c.approvals.terms(kind)
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
    kind: Kind,
    body: PolicyBody,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_CONFIGURE),
) -> Any:
    """Set the ordered levels and the rules of ``kind`` (see docs/approvals.md)."""
    levels = [level.model_dump() for level in body.levels]
    return accepted(container(request).approvals.configure(kind, levels, body.rules))


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
    decider_role: str | None = None,
    to_decide: Annotated[
        bool, Query(description="only pending approvals the caller may decide now")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, description="position cursor")] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[ApprovalView]:
    """Approvals the caller may see, newest change first: of their estates, or their own."""
    c = container(request)
    await reached(request, "approvals", after)
    where, params = reach_clause(
        principal.reach("approvals:read"), "estate_id", ("requested_by", "delegate_id")
    )
    if to_decide:
        decidable, more = queries.to_decide(c.approvals.decider(principal.user_id))
        where = f"{where} AND {decidable}"
        params += more
    sql = f"SELECT {COLUMNS} FROM approvals WHERE {where}"
    for column, value in (
        ("status", status),
        ("kind", kind),
        ("estate_id", estate_id),
        ("decider_role", decider_role),
    ):
        if value is not None:
            sql += f" AND {column} = %s"
            params.append(value)
    if before:
        sql += " AND position < %s"
        params.append(before)
    sql += " ORDER BY position DESC LIMIT %s"
    params.append(limit)
    with c.pool.connection() as conn:
        rows = conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
    return [ApprovalView(**dict(zip(NAMES, r, strict=True))) for r in rows]


@router.get("/approvals/{approval_id}")
async def get_approval(
    approval_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> ApprovalView:
    """One approval with every step taken so far."""
    c = container(request)
    await reached(request, "approvals", after)
    with c.pool.connection() as conn:
        row = conn.execute(
            f"SELECT {COLUMNS} FROM approvals WHERE approval_id = %s", [approval_id]
        ).fetchone()
        if row is None:
            raise Problem(404, "no such approval, or not yours to see")
        view = ApprovalView(**dict(zip(NAMES, row, strict=True)))
        principal.check(
            "approvals:read",
            owner_id={view.requested_by, view.delegate_id},
            estate_id=view.estate_id,
        )
        steps = conn.execute(
            "SELECT position, step, level, level_name, actor_id, delegate_id, note, at "
            "FROM approvals_steps WHERE approval_id = %s ORDER BY position",
            [approval_id],
        ).fetchall()
    view.steps = [StepView(**dict(zip(StepView.model_fields, s, strict=True))) for s in steps]
    return view


def _decidable(request: Request, principal: Principal, approval_id: UUID) -> Approval:
    """The approval, if the caller may decide in its estate or it was handed to them."""
    with decisions():
        approval = container(request).approvals.get(approval_id)
    if principal.user_id != approval.delegate_id:
        principal.check("approvals:decide", owner_id=None, estate_id=approval.estate_id)
    return approval


@router.post("/approvals/{approval_id}/approve", response_model=Accepted)
def approve(
    approval_id: UUID,
    request: Request,
    body: Decision | None = None,
    principal: Principal = requires(Permission.APPROVALS_DECIDE_ESTATE),
) -> Any:
    """Approve the current level: the next level decides, or the request is approved."""
    _decidable(request, principal, approval_id)
    with decisions():
        position = container(request).approvals.approve(
            approval_id, principal.user_id, body.comment if body else None
        )
    return accepted(position)


@router.post("/approvals/{approval_id}/reject", response_model=Accepted)
def reject(
    approval_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_DECIDE_ESTATE),
) -> Any:
    _decidable(request, principal, approval_id)
    with decisions():
        position = container(request).approvals.reject(approval_id, principal.user_id, body.reason)
    return accepted(position)


@router.post("/approvals/{approval_id}/return", response_model=Accepted)
def return_for_changes(
    approval_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_DECIDE_ESTATE),
) -> Any:
    """Send the request back to its requester, who resubmits it through its subject."""
    _decidable(request, principal, approval_id)
    with decisions():
        position = container(request).approvals.return_for_changes(
            approval_id, principal.user_id, body.reason
        )
    return accepted(position)


@router.post("/approvals/{approval_id}/delegate", response_model=Accepted)
def delegate(
    approval_id: UUID,
    body: Delegation,
    request: Request,
    principal: Principal = requires(Permission.APPROVALS_DECIDE_ESTATE),
) -> Any:
    """Hand the current level to a named user who decides for this estate."""
    _decidable(request, principal, approval_id)
    with decisions():
        position = container(request).approvals.delegate(approval_id, principal.user_id, body.to)
    return accepted(position)
