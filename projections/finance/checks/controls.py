"""Checks over the controls: payments matched, approvals present, budgets kept."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from application.finance.compliance.scope import CheckResult, Scope
from domain.finance import expense_rules as ex
from domain.finance import fund
from domain.finance.accounts import CUSTOMER_CREDIT, RECEIVABLES
from projections.finance import statements
from projections.finance.checks.queries import CASH_ACCOUNTS, approved_by, in_scope, query_rows


def payments_matched(conn: psycopg.Connection[Any], s: Scope, _: Any) -> CheckResult:
    """Every payment's cash = its bills + its credit, in the books and in the payment
    records; no bill is paid beyond what it charged."""
    r = CheckResult("payments_matched")
    where, params = in_scope(s, "e")
    for row in query_rows(
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
    where, params = in_scope(s, "p", dates=False)
    for row in query_rows(
        conn,
        "SELECT p.payment_id, p.estate_id, p.amount, p.to_credit, "
        "(SELECT coalesce(sum((a->>'amount')::numeric), 0) "
        " FROM jsonb_array_elements(p.allocations) a) AS allocated "
        f"FROM finance_payments p WHERE {where} AND p.booked_on BETWEEN %s AND %s "
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
    where, params = in_scope(s, "l", upto=True)
    for row in query_rows(
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


class EventsAt:
    """The stored events at given positions (a refund's or waiver's approval)."""

    def __init__(self, event_log: Any) -> None:
        self.event_log = event_log

    def at(self, position: int) -> Any:
        notes = self.event_log.read(position - 1, 1)
        if not notes or notes[0].id != position:
            return None
        event, _ = self.event_log.mapper_with_metadata.decode(notes[0])
        return event


# A unit-account event that moves money only once approved: (approval kind, the
# event's field naming what was approved).
_APPROVED_EVENTS = {
    "Refunded": ("refund", "refund_id"),
    "BillWaived": ("waiver", "waiver_id"),
    "LateFeeWaived": ("waiver", "waiver_id"),
    "BillWrittenOff": ("write_off", "request_id"),
}


def approvals_present(conn: psycopg.Connection[Any], s: Scope, events: EventsAt) -> CheckResult:
    """Refunds, waivers, write-offs, large expenses and fund spending carry the approvals
    they need."""
    r = CheckResult("approvals_present")
    where, params = in_scope(s, "e")
    # Refunds, waivers and write-offs: the approval named by the event, approved.
    moved = query_rows(
        conn,
        "SELECT e.position, e.estate_id, e.event, e.originator_id FROM finance_ledger_entries e "
        f"WHERE {where} AND e.aggregate = 'UnitAccount' AND e.event = ANY(%s) "
        "ORDER BY e.position",
        [*params, list(_APPROVED_EVENTS)],
    )
    carried: list[tuple[dict[str, Any], Any, Any]] = []
    for row in moved:
        event = events.at(row["position"])
        kind, subject_field = _APPROVED_EVENTS[row["event"]]
        carried.append(
            (row, getattr(event, "approval_id", None), getattr(event, subject_field, None))
        )
    approvals = approved_by(conn, [a for _, a, _ in carried if a is not None], s.position)
    for row, approval_id, subject in carried:
        kind = _APPROVED_EVENTS[row["event"]][0]
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
    claims = query_rows(
        conn,
        "SELECT x.claim_id, x.estate_id, x.amount, x.currency, x.approval_id, x.approval_kind "
        "FROM finance_ledger_entries e JOIN finance_expenses x ON x.claim_id = e.originator_id "
        f"WHERE {where} AND e.aggregate = 'ExpenseClaim' AND e.event = 'Approved' "
        "AND x.currency = %s AND x.amount >= %s ORDER BY e.position",
        [*params, s.currency, s.threshold],
    )
    approvals = approved_by(conn, [c["approval_id"] for c in claims], s.position)
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
    spendings = query_rows(
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
    approvals = approved_by(conn, [f["approval_id"] for f in spendings], s.position)
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


def budgets_within(conn: psycopg.Connection[Any], s: Scope, events: EventsAt) -> CheckResult:
    """Committed spending stays within each budget line of the years the period touches,
    unless every claim that took a line over was approved as over budget."""
    r = CheckResult("budgets_within")
    years = list(range(s.date_from.year, s.date_to.year + 1))
    only = "AND x.estate_id = ANY(%s)" if s.estate_ids is not None else ""
    extra = [list(s.estate_ids)] if s.estate_ids is not None else []
    claims = query_rows(
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
    approvals = approved_by(conn, [c["approval_id"] for c in claims], s.position)
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
