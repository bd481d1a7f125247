"""What a compliance run looks at (:class:`Scope`), what a check yields
(:class:`CheckResult`), and the queries the checks share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from domain.finance.accounts import PAYMENT_ACCOUNTS

CAP = 100
CASH_ACCOUNTS = sorted(set(PAYMENT_ACCOUNTS.values()))


@dataclass(frozen=True)
class Scope:
    """What one run looks at: estates (None: all), the period, the position, parameters."""

    estate_ids: list[UUID] | None
    date_from: date
    date_to: date
    position: int
    threshold: Decimal
    currency: str

    def where(self, alias: str, *, dates: bool = True, upto: bool = False) -> tuple[str, list[Any]]:
        """Rows of ``alias`` (with estate_id, booked_on, position) in scope: in the
        period, or (``upto``) on or before its end; at or before the position."""
        clauses: list[str] = [f"{alias}.position <= %s"]
        params: list[Any] = [self.position]
        if self.estate_ids is not None:
            clauses.append(f"{alias}.estate_id = ANY(%s)")
            params.append(list(self.estate_ids))
        if upto:
            clauses.append(f"{alias}.booked_on <= %s")
            params.append(self.date_to)
        elif dates:
            clauses.append(f"{alias}.booked_on BETWEEN %s AND %s")
            params += [self.date_from, self.date_to]
        return " AND ".join(clauses), params


@dataclass
class CheckResult:
    """One check's outcome: a summary when clean, and its findings (capped)."""

    name: str
    summary: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        detail: str,
        *,
        subject_id: Any = None,
        subject: str = "",
        estate_id: Any = None,
        severity: str = "error",
    ) -> None:
        self.count += 1
        if len(self.findings) < CAP:
            self.findings.append(
                {
                    "check": self.name,
                    "severity": severity,
                    "subject_id": subject_id,
                    "subject": subject,
                    "estate_id": estate_id,
                    "detail": detail,
                }
            )

    @property
    def passed(self) -> bool:
        return not any(f["severity"] == "error" for f in self.findings)

    def as_check(self) -> dict[str, Any]:
        if self.count == 0:
            detail = self.summary
        else:
            kept = "" if self.count <= CAP else f", the first {CAP} recorded"
            detail = f"{self.count} finding(s){kept}; the first: {self.findings[0]['detail']}"
        return {"name": self.name, "passed": self.passed, "detail": detail, "count": self.count}


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
