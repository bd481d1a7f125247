"""Compliance checks (R5.5): what an auditor runs over the books, and the findings' life.

A run covers a scope (one estate, or every estate), a period
[``date_from``, ``date_to``] and a log position: only events at or before it
count, so a check "as of" a past moment (:func:`statements.position_at`) sees
the books as they stood then. Before checking, the service waits for every
read model it reads to reach the head of the log. Each check yields one
finding per offending record (at most :data:`CAP` kept, the count in the
check's detail); the run, its checks and findings are recorded as a
:class:`ComplianceReview`, whose findings the estate rectifies and an auditor
closes.

The read models are current state; where a check must see the past it joins
them to the ledger's entries, whose number is their log position, and keeps
from the current rows only what never changes after the record is created
(a claim's approval, a spending's basis).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.finance import expenses as ex
from domain.finance import fund
from domain.finance.accounts import CUSTOMER_CREDIT, PAYMENT_ACCOUNTS, RECEIVABLES
from domain.finance.books import Books, books_id, period_end, period_start
from domain.finance.compliance import ComplianceReview, check_parameters
from projections.finance import statements
from projections.runtime import wait_for_position

CAP = 100
WAIT_SECONDS = 20.0
# Every read model a check reads; a run waits until each has reached the head.
READ_MODELS = (
    "finance_ledger",
    "finance_accounts",
    "finance_expenses",
    "finance_fund",
    "approvals",
)
CASH_ACCOUNTS = sorted(set(PAYMENT_ACCOUNTS.values()))
APPROVING_STEPS = ("approved", "pre_screened:approve")


class ComplianceRecordNotFound(DomainError):
    title = "No such record"


class ReadModelsBehind(InvalidTransition):
    title = "Read models behind"


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


@dataclass(frozen=True)
class ReviewRun:
    review: ComplianceReview
    position: int


def _rows(conn: psycopg.Connection[Any], sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, list(params))
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _estates(conn: psycopg.Connection[Any], s: Scope) -> list[UUID]:
    """The estates with ledger lines in scope (the given ones, if any)."""
    if s.estate_ids is not None:
        return list(s.estate_ids)
    rows = conn.execute(
        "SELECT DISTINCT estate_id FROM finance_ledger_lines WHERE position <= %s "
        "ORDER BY estate_id",
        [s.position],
    ).fetchall()
    return [r[0] for r in rows]


def _approved_by(
    conn: psycopg.Connection[Any], approval_ids: Iterable[UUID], position: int
) -> dict[UUID, dict[str, Any]]:
    """Per approval: its kind and how it was approved at or before ``position``
    (``approved``: by a person's final step; ``pre_screened``: by a rule; absent: not)."""
    ids = list(set(approval_ids))
    if not ids:
        return {}
    out: dict[UUID, dict[str, Any]] = {}
    for row in _rows(
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


# ---- the checks ----------------------------------------------------------------------


def entries_balance(conn: psycopg.Connection[Any], s: Scope, _: Any) -> CheckResult:
    """Every entry balances per currency; every line is one positive side."""
    r = CheckResult("entries_balance")
    where, params = s.where("e")
    for row in _rows(
        conn,
        "SELECT e.position, e.estate_id, e.aggregate, e.event, e.originator_id, l.currency, "
        "sum(l.debit) AS debit, sum(l.credit) AS credit "
        "FROM finance_ledger_entries e JOIN finance_ledger_lines l USING (position) "
        f"WHERE {where} GROUP BY e.position, e.estate_id, e.aggregate, e.event, "
        "e.originator_id, l.currency HAVING sum(l.debit) <> sum(l.credit) ORDER BY e.position",
        params,
    ):
        r.add(
            f"entry {row['position']} ({row['aggregate']}.{row['event']}) does not balance in "
            f"{row['currency']}: debits {row['debit']}, credits {row['credit']}",
            subject_id=row["originator_id"],
            subject=f"position {row['position']}",
            estate_id=row["estate_id"],
        )
    where, params = s.where("l")
    for row in _rows(
        conn,
        "SELECT l.position, l.line_no, l.estate_id, l.account, l.debit, l.credit, "
        "e.originator_id FROM finance_ledger_lines l "
        "LEFT JOIN finance_ledger_entries e USING (position) "
        f"WHERE {where} AND NOT ((l.debit > 0 AND l.credit = 0) OR (l.credit > 0 AND l.debit = 0)) "
        "ORDER BY l.position, l.line_no",
        params,
    ):
        r.add(
            f"line {row['line_no']} of entry {row['position']} on {row['account']} is not one "
            f"positive side: debit {row['debit']}, credit {row['credit']}",
            subject_id=row["originator_id"],
            subject=f"position {row['position']}",
            estate_id=row["estate_id"],
        )
    where, params = s.where("e")
    for row in _rows(
        conn,
        "SELECT e.position, e.estate_id, e.originator_id FROM finance_ledger_entries e "
        f"WHERE {where} AND NOT EXISTS "
        "(SELECT 1 FROM finance_ledger_lines l WHERE l.position = e.position)",
        params,
    ):
        r.add(
            f"entry {row['position']} has no lines",
            subject_id=row["originator_id"],
            subject=f"position {row['position']}",
            estate_id=row["estate_id"],
        )
    r.summary = "every entry of the period balances per currency, one positive side a line"
    return r


def trial_balance_zero(conn: psycopg.Connection[Any], s: Scope, _: Any) -> CheckResult:
    """Per estate and currency: opening and closing sum to zero, debits equal credits."""
    r = CheckResult("trial_balance_zero")
    for estate in _estates(conn, s):
        tb = statements.trial_balance(conn, [estate], s.date_from, s.date_to, s.position)
        for currency, t in sorted(tb["totals"].items()):
            if not t["balanced"]:
                r.add(
                    f"the trial balance of estate {estate} in {currency} does not balance: "
                    f"opening {t['opening']}, debits {t['debit']}, credits {t['credit']}, "
                    f"closing {t['closing']}",
                    subject=f"estate {estate} {currency}",
                    estate_id=estate,
                )
    r.summary = "the trial balance sums to zero per estate and currency"
    return r


def accounting_equation(conn: psycopg.Connection[Any], s: Scope, _: Any) -> CheckResult:
    """Assets = liabilities + equity + the unclosed result, at the period's end."""
    r = CheckResult("accounting_equation")
    for estate in _estates(conn, s):
        sheet = statements.balance_sheet(conn, [estate], s.date_to, s.position)
        for currency, t in sorted(sheet["totals"].items()):
            if not t["balanced"]:
                r.add(
                    f"estate {estate} on {s.date_to} in {currency}: assets {t['assets']} <> "
                    f"liabilities {t['liabilities']} + equity {t['equity']} + result "
                    f"{t['result']} = {t['liabilities_equity_and_result']}",
                    subject=f"estate {estate} {currency}",
                    estate_id=estate,
                )
    r.summary = f"assets = liabilities + equity + result on {s.date_to}"
    return r


def aging_equals_control(conn: psycopg.Connection[Any], s: Scope, _: Any) -> CheckResult:
    """The aged bills add up to the receivables control account; each 1122 line names a bill."""
    r = CheckResult("aging_equals_control")
    for estate in _estates(conn, s):
        aging = statements.receivables_aging(conn, [estate], s.date_to, s.position)["totals"]
        control = statements.receivables_control(conn, [estate], s.date_to, s.position)
        for currency in sorted(set(aging) | set(control)):
            aged = aging.get(currency, {}).get("total", Decimal(0))
            held = control.get(currency, Decimal(0))
            if aged != held:
                r.add(
                    f"estate {estate} on {s.date_to} in {currency}: the aging totals {aged}, "
                    f"the receivables control account {RECEIVABLES} holds {held}",
                    subject=f"estate {estate} {currency}",
                    estate_id=estate,
                )
    where, params = s.where("l", upto=True)
    for row in _rows(
        conn,
        "SELECT l.position, l.line_no, l.estate_id, l.debit, l.credit, e.originator_id "
        "FROM finance_ledger_lines l LEFT JOIN finance_ledger_entries e USING (position) "
        f"WHERE {where} AND l.account = %s AND l.bill_id IS NULL ORDER BY l.position",
        [*params, RECEIVABLES],
    ):
        r.add(
            f"line {row['line_no']} of entry {row['position']} on {RECEIVABLES} names no bill "
            f"(debit {row['debit']}, credit {row['credit']})",
            subject_id=row["originator_id"],
            subject=f"position {row['position']}",
            estate_id=row["estate_id"],
        )
    r.summary = f"the receivables aging equals account {RECEIVABLES} on {s.date_to}"
    return r


def payments_matched(conn: psycopg.Connection[Any], s: Scope, _: Any) -> CheckResult:
    """Every payment's cash = its bills + its credit, in the books and in the payment
    records; no bill is paid beyond what it charged."""
    r = CheckResult("payments_matched")
    where, params = s.where("e")
    for row in _rows(
        conn,
        "SELECT e.position, e.estate_id, e.originator_id, p.payment_id, "
        "coalesce(sum(l.debit) FILTER (WHERE l.account = ANY(%s)), 0) AS cash, "
        "coalesce(sum(l.credit) FILTER (WHERE l.account = %s AND l.bill_id IS NOT NULL), 0) "
        "  AS bills, "
        "count(*) FILTER (WHERE l.account = %s AND l.bill_id IS NULL) AS unnamed, "
        "coalesce(sum(l.credit) FILTER (WHERE l.account = %s), 0) AS credit "
        "FROM finance_ledger_entries e JOIN finance_ledger_lines l USING (position) "
        "LEFT JOIN finance_payments p ON p.position = e.position "
        f"WHERE {where} AND e.aggregate = 'UnitAccount' AND e.event = 'PaymentReceived' "
        "GROUP BY e.position, e.estate_id, e.originator_id, p.payment_id ORDER BY e.position",
        [CASH_ACCOUNTS, RECEIVABLES, RECEIVABLES, CUSTOMER_CREDIT, *params],
    ):
        if row["cash"] != row["bills"] + row["credit"] or row["unnamed"]:
            r.add(
                f"payment entry {row['position']}: cash {row['cash']} <> bills {row['bills']} "
                f"+ credit {row['credit']}"
                + (f"; {row['unnamed']} receivable line(s) name no bill" if row["unnamed"] else ""),
                subject_id=row["payment_id"] or row["originator_id"],
                subject=f"payment {row['payment_id'] or row['position']}",
                estate_id=row["estate_id"],
            )
    where, params = s.where("p", dates=False)
    for row in _rows(
        conn,
        "SELECT p.payment_id, p.estate_id, p.amount, p.to_credit, "
        "(SELECT coalesce(sum((a->>'amount')::numeric), 0) "
        " FROM jsonb_array_elements(p.allocations) a) AS allocated "
        f"FROM finance_payments p WHERE {where} AND p.received_on BETWEEN %s AND %s "
        "ORDER BY p.position",
        [*params, s.date_from, s.date_to],
    ):
        if row["allocated"] + row["to_credit"] != row["amount"]:
            r.add(
                f"payment {row['payment_id']} of {row['amount']} allocates {row['allocated']} "
                f"to bills and {row['to_credit']} to credit",
                subject_id=row["payment_id"],
                subject=f"payment {row['payment_id']}",
                estate_id=row["estate_id"],
            )
    where, params = s.where("l", upto=True)
    for row in _rows(
        conn,
        "SELECT l.bill_id, l.estate_id, max(l.unit_id::text) AS unit_id, l.currency, "
        "sum(l.debit) AS charged, sum(l.credit) AS cleared, "
        "(SELECT array_agg(p.payment_id::text ORDER BY p.position) FROM finance_payments p "
        " WHERE p.position <= %s AND p.allocations @> "
        " jsonb_build_array(jsonb_build_object('bill_id', l.bill_id::text))) AS payments "
        f"FROM finance_ledger_lines l WHERE {where} AND l.account = %s "
        "AND l.bill_id IS NOT NULL GROUP BY l.bill_id, l.estate_id, l.currency "
        "HAVING sum(l.debit - l.credit) < 0 ORDER BY l.bill_id",
        [s.position, *params, RECEIVABLES],
    ):
        over = row["cleared"] - row["charged"]
        paid_by = ", ".join(row["payments"] or []) or "no recorded payment"
        r.add(
            f"bill {row['bill_id']} (unit {row['unit_id']}) is overpaid by "
            f"{statements.money(over, row['currency'])} {row['currency']}: charged "
            f"{statements.money(row['charged'], row['currency'])}, cleared "
            f"{statements.money(row['cleared'], row['currency'])} (payments: {paid_by})",
            subject_id=row["bill_id"],
            subject=f"bill {row['bill_id']}",
            estate_id=row["estate_id"],
        )
    r.summary = "payments match their bills and credit; no bill is paid twice or overpaid"
    return r


class _Events:
    """The stored events at given positions (a refund's or waiver's approval)."""

    def __init__(self, event_log: Any) -> None:
        self.event_log = event_log

    def at(self, position: int) -> Any:
        notes = self.event_log.read(position - 1, 1)
        if not notes or notes[0].id != position:
            return None
        event, _ = self.event_log.mapper_with_metadata.decode(notes[0])
        return event


def approvals_present(conn: psycopg.Connection[Any], s: Scope, events: _Events) -> CheckResult:
    """Refunds, waivers, large expenses and fund spending carry the approvals they need."""
    r = CheckResult("approvals_present")
    where, params = s.where("e")
    # Refunds and waivers: the approval named by the event, approved.
    moved = _rows(
        conn,
        "SELECT e.position, e.estate_id, e.event, e.originator_id FROM finance_ledger_entries e "
        f"WHERE {where} AND e.aggregate = 'UnitAccount' AND e.event IN ('Refunded', 'BillWaived') "
        "ORDER BY e.position",
        params,
    )
    carried: list[tuple[dict[str, Any], Any, Any]] = []
    for row in moved:
        event = events.at(row["position"])
        kind = "refund" if row["event"] == "Refunded" else "waiver"
        carried.append(
            (row, getattr(event, "approval_id", None), getattr(event, f"{kind}_id", None))
        )
    approvals = _approved_by(conn, [a for _, a, _ in carried if a is not None], s.position)
    for row, approval_id, subject in carried:
        kind = "refund" if row["event"] == "Refunded" else "waiver"
        found = approvals.get(approval_id) if approval_id else None
        if found is None or not found["approved"] or found["kind"] != kind:
            why = (
                "carries no approval"
                if approval_id is None
                else f"approval {approval_id} is not an approved {kind} approval"
            )
            r.add(
                f"{kind} {subject} (entry {row['position']}) {why}",
                subject_id=subject,
                subject=f"{kind} {subject}",
                estate_id=row["estate_id"],
            )
    # Large expenses: decided by people, not by a pre-screening rule.
    claims = _rows(
        conn,
        "SELECT x.claim_id, x.estate_id, x.amount, x.currency, x.approval_id, x.approval_kind "
        "FROM finance_ledger_entries e JOIN finance_expenses x ON x.claim_id = e.originator_id "
        f"WHERE {where} AND e.aggregate = 'ExpenseClaim' AND e.event = 'Approved' "
        "AND x.currency = %s AND x.amount >= %s ORDER BY e.position",
        [*params, s.currency, s.threshold],
    )
    approvals = _approved_by(conn, [c["approval_id"] for c in claims], s.position)
    for c in claims:
        found = approvals.get(c["approval_id"])
        if found is None or not found["by_people"]:
            how = (
                "has no approval"
                if found is None
                else "was approved by a pre-screening rule, not by people"
                if found["approved"]
                else "has no approved decision"
            )
            r.add(
                f"expense claim {c['claim_id']} of {c['amount']} {c['currency']} (at or above "
                f"{s.threshold}) {how} (approval {c['approval_id']})",
                subject_id=c["claim_id"],
                subject=f"claim {c['claim_id']}",
                estate_id=c["estate_id"],
            )
    # Fund disbursements: approved, on a resolution or a documented emergency.
    spendings = _rows(
        conn,
        "SELECT f.spending_id, f.estate_id, f.amount, f.currency, f.basis, f.approval_id, "
        "f.resolution IS NOT NULL AS has_resolution, "
        "coalesce(jsonb_array_length(f.emergency->'evidence'), 0) AS evidence "
        "FROM finance_ledger_entries e JOIN finance_fund_spendings f "
        "ON f.spending_id = e.originator_id "
        f"WHERE {where} AND e.aggregate = 'FundSpending' AND e.event = 'Disbursed' "
        "ORDER BY e.position",
        params,
    )
    approvals = _approved_by(conn, [f["approval_id"] for f in spendings], s.position)
    for f in spendings:
        found = approvals.get(f["approval_id"])
        problems = []
        if found is None or not found["approved"] or found["kind"] != fund.APPROVAL_KIND:
            problems.append(f"approval {f['approval_id']} is not an approved fund approval")
        if f["basis"] == "resolution" and not f["has_resolution"]:
            problems.append("no owners' resolution is recorded")
        elif f["basis"] == "emergency" and not f["evidence"]:
            problems.append("the emergency is not documented")
        elif f["basis"] not in ("resolution", "emergency"):
            problems.append(f"unknown basis {f['basis']!r}")
        if problems:
            r.add(
                f"fund spending {f['spending_id']} of {f['amount']} {f['currency']}: "
                + "; ".join(problems),
                subject_id=f["spending_id"],
                subject=f"spending {f['spending_id']}",
                estate_id=f["estate_id"],
            )
    r.summary = (
        f"{len(moved)} refund(s) and waiver(s), {len(claims)} expense(s) of at least "
        f"{s.threshold} {s.currency} and {len(spendings)} fund disbursement(s) carry their "
        "approvals"
    )
    return r


def _budget_lines(
    conn: psycopg.Connection[Any], event_log: Any, keys: set[tuple[UUID, int]], s: Scope
) -> dict[tuple[UUID, int, str], Decimal]:
    """The budget lines of each (estate, year) as they stood at the position: the
    budget aggregate at its last version recorded by then."""
    # The log tells which version a position had reached; no read model keeps
    # the history of budget lines.
    lines: dict[tuple[UUID, int, str], Decimal] = {}
    for estate, year in sorted(keys, key=str):
        budget_id = ex.budget_id(estate, year)
        version = event_log.version_at(budget_id, s.position)
        if version is None:
            continue
        budget = event_log.repository.get(budget_id, version=version)
        for category, amount in budget.lines.items():
            lines[(estate, year, category)] = amount
    return lines


def budgets_within(conn: psycopg.Connection[Any], s: Scope, events: _Events) -> CheckResult:
    """Committed spending stays within each budget line of the years the period touches,
    unless every claim that took a line over was approved as over budget."""
    r = CheckResult("budgets_within")
    years = list(range(s.date_from.year, s.date_to.year + 1))
    only = "AND x.estate_id = ANY(%s)" if s.estate_ids is not None else ""
    extra = [list(s.estate_ids)] if s.estate_ids is not None else []
    claims = _rows(
        conn,
        "SELECT x.claim_id, x.estate_id, x.year, x.category, x.amount, x.currency, "
        "x.approval_id, x.approval_kind, e.position FROM finance_expenses x "
        "JOIN finance_ledger_entries e ON e.originator_id = x.claim_id "
        "AND e.aggregate = 'ExpenseClaim' AND e.event = 'Approved' "
        f"WHERE e.position <= %s AND x.year = ANY(%s) {only} "
        "ORDER BY x.estate_id, x.year, x.category, e.position",
        [s.position, years, *extra],
    )
    lines = _budget_lines(conn, events.event_log, {(c["estate_id"], c["year"]) for c in claims}, s)
    approvals = _approved_by(conn, [c["approval_id"] for c in claims], s.position)
    committed: dict[tuple[Any, int, str], Decimal] = defaultdict(Decimal)
    over_lines = 0
    for c in claims:
        key = (c["estate_id"], c["year"], c["category"])
        committed[key] += c["amount"]
        budget = lines.get(key, Decimal(0))
        if committed[key] <= budget:
            continue
        if committed[key] - c["amount"] <= budget:
            over_lines += 1
        found = approvals.get(c["approval_id"])
        if (
            c["approval_kind"] == ex.OVER_BUDGET_KIND
            and found is not None
            and found["approved"]
            and found["kind"] == ex.OVER_BUDGET_KIND
        ):
            continue
        r.add(
            f"claim {c['claim_id']} of {c['amount']} {c['currency']} took the {c['year']} "
            f"{c['category']} line of estate {c['estate_id']} to {committed[key]} over its "
            f"budget of {budget} without an approved {ex.OVER_BUDGET_KIND} approval",
            subject_id=c["claim_id"],
            subject=f"claim {c['claim_id']}",
            estate_id=c["estate_id"],
        )
    r.summary = f"committed spending is within budget for {', '.join(map(str, years))}" + (
        f"; {over_lines} line(s) over budget with approval" if over_lines else ""
    )
    return r


def closed_periods_unchanged(
    conn: psycopg.Connection[Any], s: Scope, event_log: Any
) -> CheckResult:
    """A closed period's digest, recomputed now, is the one recorded at closing."""
    r = CheckResult("closed_periods_unchanged")
    checked = 0
    for row in statements.closed_periods(conn, s.estate_ids):
        period, estate = row["period"], row["estate_id"]
        if row["position"] > s.position:
            continue
        if period_start(period) > s.date_to or period_end(period) < s.date_from:
            continue
        checked += 1
        books = find(event_log, books_id(estate), Books)
        logged = books.closed.get(period) if books is not None else None
        subject: dict[str, Any] = {"subject_id": books_id(estate), "subject": f"period {period}"}
        if logged is None or logged["digest"] != row["digest"]:
            r.add(
                f"period {period} of estate {estate}: the closed-period record of the read model "
                "differs from the close in the log",
                estate_id=estate,
                **subject,
            )
        recorded = logged["digest"] if logged is not None else row["digest"]
        through = logged["through_position"] if logged is not None else row["through_position"]
        now = statements.period_digest(conn, estate, period, through)
        if now != recorded:
            r.add(
                f"period {period} of estate {estate}: its ledger lines through position "
                f"{through} no longer give the digest recorded at closing ({recorded[:12]}..., "
                f"now {now[:12]}...): the books of a closed period were changed",
                estate_id=estate,
                **subject,
            )
            continue
        later = statements.period_digest(conn, estate, period, s.position)
        if later != recorded:
            r.add(
                f"period {period} of estate {estate}: entries were booked into it after it "
                f"closed at position {through}",
                estate_id=estate,
                **subject,
            )
    r.summary = f"{checked} closed period(s) in the period keep their digest"
    return r


def event_chain_verifies(conninfo: str) -> CheckResult:
    """The log's hash chain verifies from the first event to the head."""
    from replay.verify import verify_chain  # replay builds on the projections

    r = CheckResult("event_chain_verifies")
    report = verify_chain(conninfo)
    if not report.ok:
        r.add(
            f"the hash chain breaks at position {report.first_broken_position}: {report.problem}",
            subject=f"position {report.first_broken_position}",
        )
    r.summary = (
        f"the hash chain verifies over {report.events_checked} event(s) "
        f"up to position {report.head_position}"
    )
    return r


CHECKS: tuple[Callable[[psycopg.Connection[Any], Scope, Any], CheckResult], ...] = (
    entries_balance,
    trial_balance_zero,
    accounting_equation,
    aging_equals_control,
    payments_matched,
    approvals_present,
    budgets_within,
)


class ComplianceService:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def scheduled(self) -> list[ScheduledJob]:
        return []

    def review(self, review_id: UUID) -> ComplianceReview:
        return load(
            self.deps.event_log,
            review_id,
            ComplianceReview,
            ComplianceRecordNotFound("no such compliance review"),
        )

    def position(self, as_of: datetime | None, as_of_position: int | None) -> int:
        """The position a run is drawn at: given, found from a moment, or the head."""
        head = self.deps.event_log.head()
        if as_of is not None and as_of_position is not None:
            raise ValidationFailed("give as_of or as_of_position, not both")
        if as_of is not None:
            if as_of.tzinfo is None:
                raise ValidationFailed("as_of: a moment with its time zone")
            return statements.position_at(self.deps.event_log, as_of)
        if as_of_position is not None:
            if not 0 <= as_of_position <= head:
                raise ValidationFailed(f"as_of_position: between 0 and the head ({head})")
            return as_of_position
        return head

    def check(
        self,
        *,
        estate_id: UUID | None,
        date_from: date,
        date_to: date,
        position: int,
        parameters: dict[str, Any],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Run every check; (checks, findings). Waits for the read models first."""
        if date_from > date_to:
            raise ValidationFailed("from: on or before to")
        head = self.deps.event_log.head()
        for name in READ_MODELS:
            if not wait_for_position(self.deps.pool, name, head, WAIT_SECONDS):
                raise ReadModelsBehind(f"the {name} read model is behind the log; retry shortly")
        scope = Scope(
            estate_ids=None if estate_id is None else [estate_id],
            date_from=date_from,
            date_to=date_to,
            position=position,
            threshold=parameters["large_expense_threshold"],
            currency=parameters["currency"],
        )
        results: list[CheckResult] = []
        events = _Events(self.deps.event_log)
        with self.deps.pool.connection() as conn:
            for run in CHECKS:
                results.append(run(conn, scope, events))
            results.append(closed_periods_unchanged(conn, scope, self.deps.event_log))
        results.append(event_chain_verifies(str(self.deps.pool.conninfo)))
        checks = [r.as_check() for r in results]
        findings = [f for r in results for f in r.findings]
        return checks, findings

    def run(
        self,
        *,
        estate_id: UUID | None,
        date_from: date,
        date_to: date,
        as_of: datetime | None = None,
        as_of_position: int | None = None,
        large_expense_threshold: Decimal | None = None,
        currency: str | None = None,
        run_by: UUID | None,
    ) -> ReviewRun:
        """Run the checks and record them, with their findings, as a review."""
        parameters = check_parameters(large_expense_threshold, currency)
        position = self.position(as_of, as_of_position)
        checks, findings = self.check(
            estate_id=estate_id,
            date_from=date_from,
            date_to=date_to,
            position=position,
            parameters=parameters,
        )
        review = ComplianceReview.run(
            estate_id=estate_id,
            date_from=date_from,
            date_to=date_to,
            as_of_position=position,
            parameters=parameters,
            checks=checks,
            findings=findings,
            run_by=run_by,
            at=self.deps.clock(),
        )
        return ReviewRun(review, self.deps.event_log.save_and_position(review))

    def rectify(self, review_id: UUID, finding_id: UUID, note: str, by: UUID) -> int:
        review = self.review(review_id)
        review.rectify(finding_id, note, by, self.deps.clock())
        return self.deps.event_log.save_and_position(review)

    def close_finding(self, review_id: UUID, finding_id: UUID, note: str, by: UUID) -> int:
        review = self.review(review_id)
        review.close_finding(finding_id, by, note, self.deps.clock())
        return self.deps.event_log.save_and_position(review)
