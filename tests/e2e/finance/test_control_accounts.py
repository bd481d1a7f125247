"""Issue 14, defect 1: a manual journal never posts to a control account.

Receivables, owner credit, the maintenance fund and its bank account, and
vendors' payables each have a sub-ledger (unit accounts, fund accounts,
expense claims) whose events alone post to them; a journal line on one is
refused with 422 naming the account and the sub-ledger, and records nothing.
A journal that did post there before the rule stays reversible.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.finance.accounts import (
    BANK,
    CHART,
    CUSTOMER_CREDIT,
    FUND_BANK,
    FUND_PAYABLE,
    PAYABLES,
    RECEIVABLES,
)
from domain.finance.books import ManualJournal
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import reverse_journal

CONTROLLED = {
    RECEIVABLES: "unit_accounts",
    CUSTOMER_CREDIT: "unit_accounts",
    FUND_PAYABLE: "maintenance_fund",
    FUND_BANK: "maintenance_fund",
    PAYABLES: "expense_claims",
    "2241.03": "renovation_deposits",  # 装修押金
    "1403": "stores",  # 原材料, the stores' stock ledgers (issue 17)
    "2202.02": "stores",  # 应付账款—暂估, goods received (issue 17)
}
REPAIRS = "6401.01"


def line(account: str, debit: str = "0", credit: str = "0", **dims: Any) -> dict[str, Any]:
    return {"account": account, "debit": debit, "credit": credit, "currency": "CNY", **dims}


def stored(account: str, debit: str, credit: str) -> dict[str, Any]:
    """A journal line as the event keeps it."""
    return {
        "account": account,
        "debit": Decimal(debit),
        "credit": Decimal(credit),
        "currency": "CNY",
        "unit_id": None,
        "bill_id": None,
        "party_id": None,
    }


def test_the_chart_names_each_control_account_and_its_sub_ledger(fw: FinanceWorld) -> None:
    chart = fw.get("/finance/accounts", fw.auditor).json()
    controlled = {a["code"]: a["sub_ledger"] for a in chart if a["sub_ledger"] is not None}
    assert controlled == CONTROLLED
    assert next(a for a in chart if a["code"] == BANK)["sub_ledger"] is None


@pytest.mark.parametrize(
    ("account", "counter", "dims"),
    [
        # Issue 14: the maintenance fund spent with no resolution and no approval.
        (FUND_PAYABLE, FUND_BANK, {"unit_id": 0}),
        # Issue 14: owner credit removed that can still be refunded.
        (CUSTOMER_CREDIT, "6001.01", {"unit_id": 0}),
        (RECEIVABLES, "6001.01", {"unit_id": 0}),
        (PAYABLES, REPAIRS, {}),
        ("2241.03", "1001", {"unit_id": 0}),  # a renovation deposit paid out by journal
    ],
)
def test_a_manual_journal_on_a_control_account_is_refused(
    fw: FinanceWorld, account: str, counter: str, dims: dict[str, int]
) -> None:
    fw.clock.set(2026, 1, 25)
    named = {k: fw.units[v] for k, v in dims.items()}
    head = fw.container.event_log.head()
    response = fw.post(
        f"/finance/estates/{fw.estate_id}/journals",
        fw.finance,
        {
            "booked_on": "2026-01-20",
            "memo": "by hand",
            "lines": [line(account, debit="1200.00", **named), line(counter, credit="1200.00")],
        },
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    sub_ledger = CONTROLLED[account]
    assert (problem["status"], problem["account"], problem["sub_ledger"]) == (
        422,
        account,
        sub_ledger,
    )
    assert account in problem["detail"] and CHART[account].sub_ledger is not None
    assert CHART[account].sub_ledger.name in problem["detail"]  # type: ignore[union-attr]
    assert fw.container.event_log.head() == head  # nothing recorded


def test_a_journal_that_hit_a_control_account_before_the_rule_is_still_reversed(
    fw: FinanceWorld,
) -> None:
    """Events are forever: a journal stored before the rule (Dr 2241 / Cr 1002.02, the
    fund spent by hand) is reversed by its mirror, which brings the fund's control
    account back to what its sub-ledger says."""
    fw.clock.set(2026, 1, 10)
    old = ManualJournal(  # the event as an older release stored it, past today's rule
        id=uuid4(),
        estate_id=UUID(fw.estate_id),
        booked_on=date(2026, 1, 10),
        memo="fund spent by hand",
        lines=[
            {**stored(FUND_PAYABLE, "1200.00", "0"), "unit_id": UUID(fw.units[0])},
            stored(FUND_BANK, "0", "1200.00"),
        ],
        posted_by=UUID(fw.finance.id),
        reverses=None,
        at=fw.clock(),
    )
    fw.container.event_log.save_and_position(old)
    fw.clock.set(2026, 1, 25)
    reversal = reverse_journal(fw, str(old.id), "no resolution")
    fw.settle("finance_ledger")
    entry = fw.get("/finance/ledger/journal", fw.finance, estate_id=fw.estate_id, limit=1).json()[
        "items"
    ][0]
    assert entry["position"] == reversal["position"]
    assert [(x["account"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        (FUND_PAYABLE, "0.00", "1200.00"),
        (FUND_BANK, "1200.00", "0.00"),
    ]
    fund = fw.get(
        "/finance/statements/fund", fw.finance, estate_id=fw.estate_id, to="2026-01-31"
    ).json()
    assert fund["fund_bank"] == {"CNY": "0.00"}
