"""Checks over the books: entries, balances, aging, closed periods, the log's chain."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg

from application.finance.compliance.scope import CheckResult, Scope
from application.services import find
from domain.finance.accounts import RECEIVABLES
from domain.finance.books import Books, books_id, period_end, period_start
from projections.finance import statements
from projections.finance.checks.queries import estates_in_scope, in_scope, query_rows


def _at_entry(r: CheckResult, row: dict[str, Any], detail: str) -> None:
    """A finding about one ledger entry: its position, estate and the record it came from."""
    r.add(
        detail,
        subject_id=row["originator_id"],
        subject=f"position {row['position']}",
        estate_id=row["estate_id"],
    )


def entries_balance(conn: psycopg.Connection[Any], s: Scope, _: Any) -> CheckResult:
    """Every entry balances per currency; every line is one positive side."""
    r = CheckResult("entries_balance")
    where, params = in_scope(s, "e")
    for row in query_rows(
        conn,
        "SELECT e.position, e.estate_id, e.aggregate, e.event, e.originator_id, l.currency, "
        "sum(l.debit) AS debit, sum(l.credit) AS credit "
        "FROM finance_ledger_entries e JOIN finance_ledger_lines l USING (position) "
        f"WHERE {where} GROUP BY e.position, e.estate_id, e.aggregate, e.event, "
        "e.originator_id, l.currency HAVING sum(l.debit) <> sum(l.credit) ORDER BY e.position",
        params,
    ):
        _at_entry(
            r,
            row,
            f"entry {row['position']} ({row['aggregate']}.{row['event']}) does not balance in "
            f"{row['currency']}: debits {row['debit']}, credits {row['credit']}",
        )
    where, params = in_scope(s, "l")
    for row in query_rows(
        conn,
        "SELECT l.position, l.line_no, l.estate_id, l.account, l.debit, l.credit, "
        "e.originator_id FROM finance_ledger_lines l "
        "LEFT JOIN finance_ledger_entries e USING (position) "
        f"WHERE {where} AND NOT ((l.debit > 0 AND l.credit = 0) OR (l.credit > 0 AND l.debit = 0)) "
        "ORDER BY l.position, l.line_no",
        params,
    ):
        _at_entry(
            r,
            row,
            f"line {row['line_no']} of entry {row['position']} on {row['account']} is not one "
            f"positive side: debit {row['debit']}, credit {row['credit']}",
        )
    where, params = in_scope(s, "e")
    for row in query_rows(
        conn,
        "SELECT e.position, e.estate_id, e.originator_id FROM finance_ledger_entries e "
        f"WHERE {where} AND NOT EXISTS "
        "(SELECT 1 FROM finance_ledger_lines l WHERE l.position = e.position)",
        params,
    ):
        _at_entry(
            r,
            row,
            f"entry {row['position']} has no lines",
        )
    r.summary = "every entry of the period balances per currency, one positive side a line"
    return r


def trial_balance_zero(conn: psycopg.Connection[Any], s: Scope, _: Any) -> CheckResult:
    """Per estate and currency: opening and closing sum to zero, debits equal credits."""
    r = CheckResult("trial_balance_zero")
    for estate in estates_in_scope(conn, s):
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
    for estate in estates_in_scope(conn, s):
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
    for estate in estates_in_scope(conn, s):
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
    where, params = in_scope(s, "l", upto=True)
    for row in query_rows(
        conn,
        "SELECT l.position, l.line_no, l.estate_id, l.debit, l.credit, e.originator_id "
        "FROM finance_ledger_lines l LEFT JOIN finance_ledger_entries e USING (position) "
        f"WHERE {where} AND l.account = %s AND l.bill_id IS NULL ORDER BY l.position",
        [*params, RECEIVABLES],
    ):
        _at_entry(
            r,
            row,
            f"line {row['line_no']} of entry {row['position']} on {RECEIVABLES} names no bill "
            f"(debit {row['debit']}, credit {row['credit']})",
        )
    r.summary = f"the receivables aging equals account {RECEIVABLES} on {s.date_to}"
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


def event_chain_verifies(verify_chain: Callable[[], Any]) -> CheckResult:
    """The log's hash chain verifies from the first event to the head.

    ``verify_chain`` is replay's verifier (a ``ChainReport``), injected by the
    composition root: replay builds on the projections, not the other way.
    """
    r = CheckResult("event_chain_verifies")
    report = verify_chain()
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
