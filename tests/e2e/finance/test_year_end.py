"""The year-end close (结转损益) through the HTTP API (issue 14, "Year end and
formats"; decision 0024): approving December's close closes the year's revenue
and expense into 本年利润 (4103) and on into 利润分配—未分配利润 (4104).

By hand: capital 10,000.00 on 2 November 2026; property fees 5,000.00 on 10
November; supplies 1,200.00 on 20 December. The 2026 result is 3,800.00, which
4104 holds after December closes; the revenue and expense accounts open 2027 at
zero, and 2027's own revenue (800.00 on 10 January) is all the income statement
of 2027 shows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.finance.accounts import (
    BANK,
    PAID_IN_CAPITAL,
    PROFIT_FOR_THE_YEAR,
    RETAINED_EARNINGS,
)
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import close_period, post_journal

REVENUE = "6001.01"
SUPPLIES = "6602.02"


def line(account: str, debit: str = "0", credit: str = "0") -> dict[str, Any]:
    return {"account": account, "debit": debit, "credit": credit, "currency": "CNY"}


def a_year_of_books(fw: FinanceWorld) -> None:
    """Two months of 2026 booked and closed, December last; then January 2027."""
    fw.clock.set(2026, 11, 25, 9)
    post_journal(
        fw,
        "2026-11-02",
        "Capital",
        [line(BANK, "10000.00"), line(PAID_IN_CAPITAL, credit="10000.00")],
    )
    post_journal(fw, "2026-11-10", "Fees", [line(BANK, "5000.00"), line(REVENUE, credit="5000.00")])
    fw.clock.set(2026, 12, 21, 9)
    post_journal(
        fw, "2026-12-20", "Supplies", [line(SUPPLIES, "1200.00"), line(BANK, credit="1200.00")]
    )
    fw.clock.set(2027, 1, 12, 9)
    post_journal(fw, "2027-01-10", "Fees", [line(BANK, "800.00"), line(REVENUE, credit="800.00")])
    close_period(fw, "2026-11")
    close_period(fw, "2026-12")
    fw.settle("finance_ledger")


def statement(fw: FinanceWorld, kind: str, **params: Any) -> dict[str, Any]:
    head = fw.container.event_log.head()
    path = f"/finance/statements/{kind}"
    return fw.get(path, fw.auditor, estate_id=fw.estate_id, after=head, **params).json()  # type: ignore[no-any-return]


def closing(tb: dict[str, Any]) -> dict[str, Decimal]:
    return {r["account"]: Decimal(r["closing"]) for r in tb["rows"]}


def test_december_closes_the_year_into_retained_earnings(fw: FinanceWorld) -> None:
    a_year_of_books(fw)
    path = "/finance/ledger/journal"
    entries = fw.get(path, fw.auditor, estate_id=fw.estate_id).json()["items"]
    [entry] = [e for e in entries if e["aggregate"] == "YearEnd"]
    assert entry["booked_on"] == "2026-12-31"
    assert [(x["account"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        (REVENUE, "5000.00", "0.00"),
        (SUPPLIES, "0.00", "1200.00"),
        (PROFIT_FOR_THE_YEAR, "0.00", "3800.00"),
        (PROFIT_FOR_THE_YEAR, "3800.00", "0.00"),
        (RETAINED_EARNINGS, "0.00", "3800.00"),
    ]
    # At the end of 2026: revenue and expense at zero, the result in 4104.
    tb_2026 = statement(fw, "trial-balance", to="2026-12-31")
    assert tb_2026["totals"]["CNY"]["balanced"]
    balances = closing(tb_2026)
    assert balances[REVENUE] == 0 and balances[SUPPLIES] == 0
    assert balances[PROFIT_FOR_THE_YEAR] == 0
    assert balances[RETAINED_EARNINGS] == Decimal("-3800.00")
    sheet = statement(fw, "balance-sheet", at="2026-12-31")
    totals = sheet["totals"]["CNY"]
    assert (Decimal(totals["result"]), Decimal(totals["equity"])) == (0, Decimal("13800.00"))
    assert totals["balanced"] and Decimal(totals["assets"]) == Decimal("13800.00")
    # The income statement leaves the closing entry out: 2026 earned 3,800.00.
    year = statement(fw, "income-statement", **{"from": "2026-01-01", "to": "2026-12-31"})
    assert Decimal(year["totals"]["CNY"]["net_result"]) == Decimal("3800.00")
    december = statement(fw, "income-statement", **{"from": "2026-12-01", "to": "2026-12-31"})
    assert Decimal(december["totals"]["CNY"]["net_result"]) == Decimal("-1200.00")
    # 2027 opens with revenue at zero: only its own 800.00.
    tb_2027 = statement(fw, "trial-balance", **{"from": "2027-01-01", "to": "2027-01-31"})
    assert tb_2027["totals"]["CNY"]["balanced"]
    revenue = [r for r in tb_2027["rows"] if r["account"] == REVENUE]
    assert [(Decimal(r["opening"]), Decimal(r["closing"])) for r in revenue] == [
        (0, Decimal("-800.00"))
    ]
    sheet_2027 = statement(fw, "balance-sheet", at="2027-01-31")["totals"]["CNY"]
    assert Decimal(sheet_2027["result"]) == Decimal("800.00") and sheet_2027["balanced"]


def test_the_auditors_checks_pass_on_a_closed_year(fw: FinanceWorld) -> None:
    """The closing entry is booked on 31 December after December closed: it is no
    movement of December, so the closed period keeps its digest."""
    a_year_of_books(fw)
    body = {"estate_id": fw.estate_id, "from": "2026-11-01", "to": "2027-01-31"}
    review = fw.post("/finance/compliance-checks", fw.auditor, body, status=201).json()
    assert review["findings"] == []
    closed = next(c for c in review["checks"] if c["name"] == "closed_periods_unchanged")
    assert closed["detail"].startswith("2 closed period(s)")
