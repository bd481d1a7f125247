"""A statement read in batches for a file says what the statement built whole says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bootstrap import Container
from domain.finance.accounts import FUND_BANK, FUND_PAYABLE, RECEIVABLES
from projections.finance.statements import (
    aging_batches,
    fund_batches,
    fund_statement,
    receivables_aging,
)
from tests.integration.plans.harness import fill, key

ESTATE = UUID(int=7)
LINES = 3_000


@pytest.fixture
def books(container: Container) -> Iterator[psycopg.Connection[Any]]:
    """Lines on receivables, the fund and its bank account, in two currencies, some
    paid, some bills owed by two payers; the connection they are read on."""
    conn = psycopg.connect(container.database_url, autocommit=True)
    account = f"(ARRAY['{RECEIVABLES}', '{FUND_PAYABLE}', '{FUND_BANK}'])[1 + mod(g, 3)]"
    fill(
        conn,
        "finance_ledger_lines",
        {
            "position": "g",
            "line_no": "1",
            "estate_id": f"'{ESTATE}'::uuid",
            "booked_on": "date '2024-01-01' + mod(g, 900)",
            "account": account,
            "debit": "CASE WHEN mod(g, 4) = 0 THEN 0 ELSE 100 + mod(g, 97) / 100.0 END",
            "credit": "CASE WHEN mod(g, 4) = 0 THEN 30 + mod(g, 13) ELSE 0 END",
            "currency": "CASE WHEN mod(g, 11) = 0 THEN 'USD' ELSE 'CNY' END",
            "unit_id": key("g", 97),
            "bill_id": f"md5(mod(g, {LINES // 2})::text)::uuid",
            "party_id": "NULL",
            "due_on": "date '2024-01-20' + mod(g, 1000)",
        },
        LINES,
    )
    fill(
        conn,
        "finance_bills",
        {
            "bill_id": "md5(g::text)::uuid",
            "unit_id": key("g", 97),
            "estate_id": f"'{ESTATE}'::uuid",
            "payer_ids": f"CASE WHEN mod(g, 5) = 0 THEN ARRAY[{key('g + 3', 300)}, "
            f"{key('g', 300)}] ELSE ARRAY[{key('g', 300)}] END",
        },
        LINES // 2,
    )
    try:
        yield conn
    finally:
        conn.close()


def gathered(batches: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name, rows in batches:
        out.setdefault(name, []).extend(rows)
    return out


@pytest.mark.parametrize("at", [date(2024, 6, 30), date(2026, 12, 31)])
def test_the_aging_in_batches_is_the_aging(books: psycopg.Connection[Any], at: date) -> None:
    whole = receivables_aging(books, [ESTATE], at)
    parts = gathered(aging_batches(books, [ESTATE], at, batch=37))
    assert whole["bills"] and parts["bills"] == whole["bills"]
    assert parts["totals"] == [{"currency": c, **t} for c, t in whole["totals"].items()]
    key_of = lambda r: (str(r["unit_id"]), r["currency"])  # noqa: E731
    assert sorted(parts["units"], key=key_of) == sorted(whole["units"], key=key_of)
    debtor = lambda r: (str(r["unit_id"]), [str(p) for p in r["payer_ids"]], r["currency"])  # noqa: E731
    assert len(parts["debtors"]) > len(parts["units"])
    assert sorted(parts["debtors"], key=debtor) == sorted(whole["debtors"], key=debtor)


def test_the_fund_in_batches_is_the_fund(books: psycopg.Connection[Any]) -> None:
    whole = fund_statement(books, [ESTATE], date(2024, 7, 1), date(2025, 3, 31))
    parts = gathered(fund_batches(books, [ESTATE], date(2024, 7, 1), date(2025, 3, 31), batch=7))
    assert whole["units"] and parts["units"] == whole["units"]
    assert parts["totals"] == [{"currency": c, **t} for c, t in whole["totals"].items()]
    assert parts["bank"] == [{"currency": c, "balance": v} for c, v in whole["fund_bank"].items()]
