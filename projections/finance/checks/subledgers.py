"""Checks of the sub-ledgers against the ledger, and of who reversed a payment.

A sub-ledger is the record kept per unit outside the general ledger: a unit
account's bills (what the unit owes, 1122) and credit (2203), a unit's share
of the maintenance fund (2241). Each is read from its aggregate as it stood
at the run's position, not from the ledger, so a ledger line that no event
explains (or an event the ledger missed) shows as a difference.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from application.finance.compliance.scope import CheckResult, Scope
from domain.finance.account import UnitAccount
from domain.finance.accounts import (
    CHART,
    CUSTOMER_CREDIT,
    FUND_PAYABLE,
    RECEIVABLES,
    RENOVATION_DEPOSITS,
)
from domain.finance.fund import FundAccount
from domain.finance.renovation import RenovationDeposit
from projections.finance import fund_bank, statements
from projections.finance.checks.queries import approved_by, in_scope, query_rows

# The control accounts kept per unit, and what each sub-ledger holds on them
# as debit minus credit (a credit balance is negative).
CONTROLS = (RECEIVABLES, CUSTOMER_CREDIT, FUND_PAYABLE, RENOVATION_DEPOSITS)
# The read models listing the aggregates that keep them, and their ID column.
KEEPERS = (
    ("finance_accounts", "account_id"),
    ("finance_fund_accounts", "account_id"),
    ("finance_renovation_deposits", "deposit_id"),
)
Key = tuple[UUID, str, UUID | None, str]  # estate, account, unit, currency


def _at_position(event_log: Any, aggregate_id: UUID, position: int) -> Any:
    version = event_log.version_at(aggregate_id, position)
    return None if version is None else event_log.repository.get(aggregate_id, version=version)


def _subledgers(
    conn: psycopg.Connection[Any], s: Scope, event_log: Any
) -> tuple[dict[Key, Decimal], dict[Key, UUID], int]:
    """Every unit's sub-ledger balances at the position, the aggregate keeping each,
    and how many aggregates were read."""
    only = "WHERE estate_id = ANY(%s)" if s.estate_ids is not None else ""
    extra = [list(s.estate_ids)] if s.estate_ids is not None else []
    held: dict[Key, Decimal] = {}
    keepers: dict[Key, UUID] = {}
    read = 0
    for table, column in KEEPERS:
        for row in query_rows(
            conn, f"SELECT {column} AS id FROM {table} {only} ORDER BY {column}", extra
        ):
            found = _at_position(event_log, row["id"], s.position)
            if found is None:
                continue
            read += 1
            if isinstance(found, UnitAccount):
                parts = {RECEIVABLES: found.outstanding, CUSTOMER_CREDIT: -found.credit}
            elif isinstance(found, FundAccount):
                parts = {FUND_PAYABLE: -found.balance}
            elif isinstance(found, RenovationDeposit):  # a unit may have several
                parts = {RENOVATION_DEPOSITS: -found.balance}
            else:
                continue
            for account, amount in parts.items():
                key = (found.estate_id, account, found.unit_id, found.currency)
                held[key] = held.get(key, Decimal(0)) + amount
                keepers[key] = found.id
    return held, keepers, read


def subledgers_equal_control(conn: psycopg.Connection[Any], s: Scope, events: Any) -> CheckResult:
    """Each unit's receivables, owner credit, maintenance fund and renovation deposits,
    as its aggregates keep them, equal that unit's lines on 1122, 2203, 2241 and
    2241.03; no line on them names no unit."""
    r = CheckResult("subledgers_equal_control")
    held, keepers, read = _subledgers(conn, s, events.event_log)
    where, params = in_scope(s, "l", dates=False)
    booked: dict[Key, Decimal] = defaultdict(Decimal)
    for row in query_rows(
        conn,
        "SELECT l.estate_id, l.account, l.unit_id, l.currency, sum(l.debit - l.credit) AS net "
        f"FROM finance_ledger_lines l WHERE {where} AND l.account = ANY(%s) "
        "GROUP BY l.estate_id, l.account, l.unit_id, l.currency",
        [*params, list(CONTROLS)],
    ):
        booked[(row["estate_id"], row["account"], row["unit_id"], row["currency"])] = row["net"]
    for key in sorted(set(held) | set(booked), key=str):
        estate, account, unit, currency = key
        kept, ledger = held.get(key, Decimal(0)), booked.get(key, Decimal(0))
        if kept == ledger:
            continue
        name = CHART[account].name.lower()
        sign = -1 if account != RECEIVABLES else 1
        r.add(
            f"{'no unit' if unit is None else f'unit {unit}'}: {name} ({account}) is "
            f"{statements.money(sign * kept, currency)} {currency} in the sub-ledger but "
            f"{statements.money(sign * ledger, currency)} in the ledger",
            subject_id=keepers.get(key),
            subject=f"{account} {'no unit' if unit is None else f'unit {unit}'}",
            estate_id=estate,
        )
    r.summary = (
        f"{read} unit and fund account(s) equal their lines on "
        f"{', '.join(CONTROLS)}, unit by unit, at position {s.position}"
    )
    return r


def fund_bank_reconciled(conn: psycopg.Connection[Any], s: Scope, events: Any) -> CheckResult:
    """Each balance finance recorded from the fund bank account's statement for a day
    of the period equals the ledger's 1002.02 at the end of that day."""
    r = CheckResult("fund_bank_reconciled")
    stated = fund_bank.statements_in(conn, s.estate_ids, s.date_from, s.date_to, s.position)
    for row in stated:
        currency = row["currency"]
        ledger = fund_bank.bank_balance_at(
            conn, row["estate_id"], row["on_day"], currency, s.position
        )
        if ledger == row["balance"]:
            continue
        r.add(
            f"fund bank account (1002.02) on {row['on_day']}: the bank's statement "
            f"{row['reference']} shows {statements.money(row['balance'], currency)} {currency}, "
            f"the ledger {statements.money(ledger, currency)} (difference "
            f"{statements.money(row['balance'] - ledger, currency)})",
            subject_id=row["statement_id"],
            subject=f"1002.02 {row['on_day']}",
            estate_id=row["estate_id"],
        )
    r.summary = (
        f"{len(stated)} fund bank statement balance(s) of the period equal the ledger's 1002.02"
    )
    return r


def reversals_by_a_second_person(
    conn: psycopg.Connection[Any], s: Scope, events: Any
) -> CheckResult:
    """No payment of the period was reversed by one person alone.

    A reversal asked for and approved by a person through the workflow
    (kind ``reversal``) had a maker and a checker who differ. Older books
    reversed at once: there the reverser must not be the payment's recorder.
    """
    r = CheckResult("reversals_by_a_second_person")
    where, params = in_scope(s, "e")
    reversals = query_rows(
        conn,
        "SELECT e.position, e.estate_id, e.originator_id FROM finance_ledger_entries e "
        f"WHERE {where} AND e.aggregate = 'UnitAccount' AND e.event = 'PaymentReversed' "
        "ORDER BY e.position",
        params,
    )
    done = [(row, events.at(row["position"])) for row in reversals]
    payments = {
        row["payment_id"]: row["recorded_by"]
        for row in query_rows(
            conn,
            "SELECT payment_id, recorded_by FROM finance_payments WHERE payment_id = ANY(%s)",
            [[getattr(e, "payment_id", None) for _, e in done]],
        )
    }
    asked = {
        row["position"]: _approval_asked(events.event_log, row, getattr(e, "payment_id", None))
        for row, e in done
    }
    approvals = approved_by(conn, [a for a in asked.values() if a is not None], s.position)
    for row, event in done:
        payment_id = getattr(event, "payment_id", None)
        by = getattr(event, "reversed_by", None)
        approval_id = asked[row["position"]]
        found = approvals.get(approval_id) if approval_id is not None else None
        if found is not None and found["kind"] == "reversal" and found["by_people"]:
            continue  # the workflow never lets the maker check their own request
        if approval_id is not None:
            why = f"its approval {approval_id} was not given by a second person"
        elif by is not None and payments.get(payment_id) == by:
            why = f"by {by}, who recorded it, alone"
        else:
            continue
        r.add(
            f"payment {payment_id} was reversed (entry {row['position']}) {why}: "
            "a reversal needs a second person",
            subject_id=payment_id,
            subject=f"payment {payment_id}",
            estate_id=row["estate_id"],
        )
    r.summary = (
        f"{len(reversals)} payment reversal(s) of the period, each checked by a second person"
    )
    return r


def _approval_asked(event_log: Any, row: dict[str, Any], payment_id: Any) -> UUID | None:
    """The approval a reversal was asked under (None: reversed at once, older books)."""
    account = _at_position(event_log, row["originator_id"], row["position"])
    asked = getattr(account, "reversals", {}).get(payment_id)
    return None if asked is None else UUID(str(asked["approval_id"]))
