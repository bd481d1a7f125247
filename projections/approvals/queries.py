"""Queries of the ``approvals`` read model, and who must decide what now.

``to_decide(decider)`` is the WHERE fragment of the ``approvals`` rows the
decider may decide at this moment, the same rule as
``Approval.may_decide``: pending; not their own request; in an estate they
decide for; handed to them, or (not handed to anyone) at a level of one of
their roles; administrators decide every level.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg

from domain.approvals.approval import ADMIN, Decider
from projections import numbers
from projections.reach import Reaching, clause, page

COLUMNS = (
    "approval_id, kind, subject_id, subject_type, estate_id, status, current_level, level_name, "
    "decider_role, delegate_id, levels, requested_by, summary, amount, currency, urgency, note, "
    "opened_at, updated_at, decided_at, position"
)
NAMES = [*(c.strip() for c in COLUMNS.split(",")), "number"]
#: What a row shows, read as ``a`` (its number's estate code is the registry's).
SHOWN = f"{COLUMNS}, {numbers.said('a', 'AP')}"
STEP_COLUMNS = ("position", "step", "level", "level_name", "actor_id", "delegate_id", "note", "at")
#: An approval is its requester's and, once handed over, its delegate's own.
OWNERS = ("requested_by", "delegate_id")


class ApprovalRow(TypedDict):
    approval_id: UUID
    kind: str
    subject_id: UUID
    subject_type: str | None
    estate_id: UUID
    status: str
    current_level: int | None
    level_name: str | None
    decider_role: str | None
    delegate_id: UUID | None
    levels: list[dict[str, str]]  # the policy's levels: name, role
    requested_by: UUID
    summary: str
    amount: Decimal | None
    currency: str | None
    urgency: str
    note: str | None
    opened_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    position: int
    number: str | None  # HVG-AP-2026-000123 (decision 0050)


class StepRow(TypedDict):
    position: int
    step: str
    level: int | None
    level_name: str | None
    actor_id: UUID | None
    delegate_id: UUID | None
    note: str | None
    at: datetime


class ApprovalDetail(ApprovalRow):
    steps: list[StepRow]


def to_decide(decider: Decider) -> tuple[str, list[Any]]:
    """(WHERE fragment, parameters) over the ``approvals`` table."""
    if not decider.decides_anything:
        return "false", []
    where = "status = 'pending' AND requested_by <> %s"
    params: list[Any] = [decider.user_id]
    if not decider.any_estate:
        where += " AND estate_id = ANY(%s)"
        params.append(list(decider.estates))
    if ADMIN in decider.roles:
        return where, params
    where += " AND (delegate_id = %s OR (delegate_id IS NULL AND decider_role = ANY(%s)))"
    params += [decider.user_id, sorted(decider.roles)]
    return where, params


def approvals(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    decider: Decider | None = None,
    filters: dict[str, Any] | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[ApprovalRow]:
    """Approvals the reach admits, newest change first; with ``decider``, only
    those they may decide now; ``filters`` are column = value (None: any).
    Over the reach, a page an estate and a page the requester's and the
    delegate's, merged (``projections/reach.py: page``)."""
    where: list[tuple[str, list[Any]]] = []
    if decider is not None:
        where.append(to_decide(decider))
    for column, value in (filters or {}).items():
        if column == "number" and value is not None:
            where.append(numbers.matching("a", "AP", value))
        elif value is not None:
            where.append((f"a.{column} = %s", [value]))
    if before:
        where.append(("a.position < %s", [before]))
    statement = page(
        reach,
        f"SELECT {SHOWN} FROM approvals a",
        where,
        alias="a",
        order=("position DESC",),
        limit=limit,
        owner_columns=OWNERS,
        estate_id=(filters or {}).get("estate_id"),
    )
    if statement is None:
        return []
    rows = conn.execute(*statement).fetchall()  # type: ignore[call-overload]
    return cast(list[ApprovalRow], [dict(zip(NAMES, r, strict=True)) for r in rows])


def approval(
    conn: psycopg.Connection[Any], reach: Reaching, approval_id: UUID
) -> ApprovalDetail | None:
    """One approval the reach admits, with every step taken so far (``steps``)."""
    where, params = clause(reach, "estate_id", OWNERS)
    row = conn.execute(
        f"SELECT {SHOWN} FROM approvals a WHERE approval_id = %s AND {where}",  # type: ignore[arg-type]
        [approval_id, *params],
    ).fetchone()
    if row is None:
        return None
    steps = conn.execute(
        f"SELECT {', '.join(STEP_COLUMNS)} FROM approvals_steps "  # type: ignore[arg-type]
        "WHERE approval_id = %s ORDER BY position",
        [approval_id],
    ).fetchall()
    found = dict(zip(NAMES, row, strict=True))
    found["steps"] = [dict(zip(STEP_COLUMNS, s, strict=True)) for s in steps]
    return cast(ApprovalDetail, found)
