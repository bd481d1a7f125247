"""What the compliance checks share: the scope as SQL, rows as dicts, approvals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import psycopg

from application.finance.compliance.scope import Scope
from domain.finance.accounts import PAYMENT_ACCOUNTS

CASH_ACCOUNTS = sorted(set(PAYMENT_ACCOUNTS.values()))


def in_scope(
    s: Scope, alias: str, *, dates: bool = True, upto: bool = False
) -> tuple[str, list[Any]]:
    """Rows of ``alias`` (with estate_id, booked_on, position) in scope: in the
    period, or (``upto``) on or before its end; at or before the position."""
    clauses: list[str] = [f"{alias}.position <= %s"]
    params: list[Any] = [s.position]
    if s.estate_ids is not None:
        clauses.append(f"{alias}.estate_id = ANY(%s)")
        params.append(list(s.estate_ids))
    if upto:
        clauses.append(f"{alias}.booked_on <= %s")
        params.append(s.date_to)
    elif dates:
        clauses.append(f"{alias}.booked_on BETWEEN %s AND %s")
        params += [s.date_from, s.date_to]
    return " AND ".join(clauses), params


def query_rows(
    conn: psycopg.Connection[Any], sql: str, params: Sequence[Any]
) -> list[dict[str, Any]]:
    cur = conn.execute(sql, list(params))
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def estates_in_scope(conn: psycopg.Connection[Any], s: Scope) -> list[UUID]:
    """The estates with ledger lines in scope (the given ones, if any)."""
    if s.estate_ids is not None:
        return list(s.estate_ids)
    rows = conn.execute(
        "SELECT DISTINCT estate_id FROM finance_ledger_lines WHERE position <= %s "
        "ORDER BY estate_id",
        [s.position],
    ).fetchall()
    return [r[0] for r in rows]


def approved_by(
    conn: psycopg.Connection[Any], approval_ids: Iterable[UUID], position: int
) -> dict[UUID, dict[str, Any]]:
    """Per approval: its kind and how it was approved at or before ``position``
    (``approved``: by a person's final step; ``pre_screened``: by a rule; absent: not)."""
    ids = list(set(approval_ids))
    if not ids:
        return {}
    out: dict[UUID, dict[str, Any]] = {}
    for row in query_rows(
        conn,
        "SELECT a.approval_id, a.kind, a.status, "
        "bool_or(s.step = 'approved' AND s.actor_id IS NOT NULL AND s.position <= %s) "
        "  AS by_people, "
        "bool_or(s.step = 'pre_screened:approve' AND s.position <= %s) AS by_rule "
        "FROM approvals a LEFT JOIN approvals_steps s USING (approval_id) "
        "WHERE a.approval_id = ANY(%s) GROUP BY a.approval_id, a.kind, a.status",
        [position, position, ids],
    ):
        by_rule = bool(row["by_rule"])
        out[row["approval_id"]] = {
            "kind": row["kind"],
            "approved": bool(row["by_people"]) or by_rule,
            "by_people": bool(row["by_people"]) and not by_rule,
        }
    return out
