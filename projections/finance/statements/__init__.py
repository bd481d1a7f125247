"""Financial statements: queries over the ledger read model (R5.3).

Every function takes a psycopg connection, the estates to cover
(``estate_ids``; None = every estate) and ``as_of_position``: only entries at
or before that log position count, which is how a statement is drawn "as the
books stood" at a past moment (:func:`position_at` turns a moment into a
position). Amounts are ``Decimal``, rounded to the currency's minor units,
and every total is per currency: currencies are never added together.

Signs: a *balance* is debit minus credit for assets and expenses and credit
minus debit for liabilities, equity and revenue, so a normal balance is
positive; the trial balance shows the raw debit-minus-credit, which sums to
zero.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from projections.finance.statements.books import (
    account_balances,
    balance_sheet,
    closed_periods,
    first_entry_day,
    income_statement,
    journal,
    period_digest,
    trial_balance,
)
from projections.finance.statements.cash import cash_flow
from projections.finance.statements.common import (
    AGING_BUCKETS,
    CASH_ACCOUNTS,
    ZERO,
    estates_in_reach,
    money,
)
from projections.finance.statements.formats import cas_balance_sheet, cas_income_statement
from projections.finance.statements.fund import fund_batches, fund_statement
from projections.finance.statements.receivables import (
    admit_unit,
    aging_batches,
    owner_statement,
    receivables_aging,
    receivables_control,
)
from projections.moments import position_at

__all__ = [
    "AGING_BUCKETS",
    "CASH_ACCOUNTS",
    "ZERO",
    "LedgerReports",
    "admit_unit",
    "aging_batches",
    "balance_sheet",
    "cas_balance_sheet",
    "cas_income_statement",
    "cash_flow",
    "closed_periods",
    "estates_in_reach",
    "first_entry_day",
    "fund_batches",
    "fund_statement",
    "income_statement",
    "journal",
    "money",
    "owner_statement",
    "period_digest",
    "position_at",
    "receivables_aging",
    "receivables_control",
    "trial_balance",
]


class LedgerReports:
    """The finance handlers' ``LedgerStatements`` port, read from the ledger read model."""

    def __init__(self, pool: Any, event_log: Any) -> None:
        self.pool = pool
        self.event_log = event_log

    def first_entry_day(self, estate_id: UUID) -> date | None:
        with self.pool.connection() as conn:
            return first_entry_day(conn, estate_id)

    def period_digest(self, estate_id: UUID, period: str, through_position: int) -> str:
        with self.pool.connection() as conn:
            return period_digest(conn, estate_id, period, through_position)

    def position_at(self, moment: datetime) -> int:
        return position_at(self.event_log, moment)

    def balances(
        self, estate_id: UUID, on: date, through_position: int
    ) -> dict[tuple[str, str], Decimal]:
        with self.pool.connection() as conn:
            rows = account_balances(conn, [estate_id], None, on, through_position)
        return {
            (r["account"], r["currency"]): r["opening"] + r["debit"] - r["credit"] for r in rows
        }

    def aging(self, estate_id: UUID, at: date, through_position: int) -> dict[str, dict[str, Any]]:
        with self.pool.connection() as conn:
            return receivables_aging(conn, [estate_id], at, through_position)["totals"]  # type: ignore[no-any-return]
