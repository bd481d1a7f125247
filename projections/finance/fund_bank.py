"""The fund bank account's reconciliation (维修资金专户对账, projection ``finance_fund_bank``).

``finance_fund_bank_statements``: the balances finance recorded from the bank's
statements of the fund's account, one per estate and day. :func:`reconciliation`
sets one beside the ledger's 1002.02 at the end of the same day and the sum of
the unit fund accounts (their movements booked on or before it, from the
fund's read model): the bank minus the ledger, and the ledger minus the
units, are both zero on books that agree. :func:`bank_balance_at` answers the
compliance check ``fund_bank_reconciled`` for one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from domain.finance.accounts import FUND_BANK
from projections.catalog import ReadModelDeps
from projections.events import occurred_at
from projections.finance.statements.books import account_balances
from projections.finance.statements.common import money
from projections.protocols import Projection
from projections.records import PerAggregate, fetched, insert


class Reconciliation(TypedDict):
    estate_id: UUID
    on: date
    currency: str
    bank: Decimal | None  # the statement's balance; None: none recorded for the day
    reference: str | None
    ledger: Decimal  # 1002.02 at the end of the day
    units: Decimal  # the unit fund accounts' balances at the end of the day, summed
    bank_minus_ledger: Decimal | None
    ledger_minus_units: Decimal
    reconciled: bool


class FundBankStatements(PerAggregate):
    name = "finance_fund_bank"
    aggregates = frozenset({"FundBankStatement"})
    version = 1
    tables = ("finance_fund_bank_statements",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS finance_fund_bank_statements (
            statement_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            on_day date NOT NULL,
            balance numeric NOT NULL,
            currency text NOT NULL,
            reference text NOT NULL,
            recorded_by uuid NOT NULL,
            at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS finance_fund_bank_statements_estate "
        "ON finance_fund_bank_statements (estate_id, on_day)",
    )

    def _fundbankstatement(self, cur: Any, name: str, event: Any, key: Any, pos: int) -> None:
        if name != "BalanceStated":
            return
        row = {k: getattr(event, k) for k in ("estate_id", "balance", "currency", "reference")}
        insert(
            cur,
            "finance_fund_bank_statements",
            {"statement_id": key, "on_day": event.on, **row, "recorded_by": event.recorded_by}
            | {"at": occurred_at(event), "position": pos},
            tail=" ON CONFLICT (statement_id) DO NOTHING",
        )


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [FundBankStatements()]


# ---- queries ------------------------------------------------------------------------


def bank_balance_at(
    conn: psycopg.Connection[Any],
    estate_id: UUID,
    on: date,
    currency: str,
    position: int | None = None,
) -> Decimal:
    """The ledger's 1002.02 for the estate at the end of ``on`` (as of ``position``)."""
    rows = account_balances(conn, [estate_id], None, on, position, [FUND_BANK])
    net = (r["opening"] + r["debit"] - r["credit"] for r in rows if r["currency"] == currency)
    return money(sum(net, Decimal(0)), currency)


def statements_in(
    conn: psycopg.Connection[Any],
    estate_ids: Sequence[UUID] | None,
    date_from: date,
    date_to: date,
    position: int,
) -> list[dict[str, Any]]:
    """The statement balances recorded for days in the range, at or before ``position``."""
    only = "AND estate_id = ANY(%s)" if estate_ids is not None else ""
    extra = [list(estate_ids)] if estate_ids is not None else []
    cur = conn.execute(
        "SELECT statement_id, estate_id, on_day, balance, currency, reference, position "
        "FROM finance_fund_bank_statements WHERE on_day BETWEEN %s AND %s "
        f"AND position <= %s {only} ORDER BY on_day, estate_id",  # type: ignore[arg-type]
        [date_from, date_to, position, *extra],
    )
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def reconciliation(
    conn: psycopg.Connection[Any], reach: Reach, estate_id: UUID, on: date, currency: str = "CNY"
) -> Reconciliation:
    """The bank's balance of the fund's account at the end of ``on`` beside the ledger
    and the unit accounts; an estate outside the reader's reach is missing."""
    if not (reach.everything or estate_id in reach.estates):
        raise NotFound(HIDDEN)
    stated = fetched(
        conn.execute(
            "SELECT balance, reference FROM finance_fund_bank_statements "
            "WHERE estate_id = %s AND on_day = %s AND currency = %s",
            [estate_id, on, currency],
        ),
        dict,
    )
    units = conn.execute(
        "SELECT coalesce(sum(amount), 0) FROM finance_fund_movements "
        "WHERE estate_id = %s AND booked_on <= %s AND currency = %s",
        [estate_id, on, currency],
    ).fetchone()
    ledger = bank_balance_at(conn, estate_id, on, currency)
    held = money(Decimal(units[0] if units else 0), currency)
    bank = stated[0]["balance"] if stated else None
    gap = None if bank is None else bank - ledger
    return {
        "estate_id": estate_id,
        "on": on,
        "currency": currency,
        "bank": bank,
        "reference": stated[0]["reference"] if stated else None,
        "ledger": ledger,
        "units": held,
        "bank_minus_ledger": gap,
        "ledger_minus_units": ledger - held,
        "reconciled": gap == 0 and ledger == held,
    }
