"""The fund bank account reconciled with the bank's statement, and the fund as
published to the owners (公示), through the HTTP API.

Units of 100, 80 and 120 m² gross (the world of conftest); owners[i] owns units[i].
"""

from __future__ import annotations

from typing import Any

from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.test_compliance import failed, run
from tests.e2e.finance.test_fund import approved_spending, deposit
from tests.e2e.finance.test_fund_interest import interest

STATEMENTS = "/finance/fund/bank-statements"


def state(fw: FinanceWorld, on: str, balance: Any, who: Actor | None = None, **more: Any) -> Any:
    body = {"estate_id": fw.estate_id, "on": on, "balance": balance, "reference": f"ST-{on}"}
    return fw.post(STATEMENTS, who or fw.finance, body | more)


def reconciliation(fw: FinanceWorld, on: str, who: Actor | None = None, status: int = 200) -> Any:
    fw.settle("finance_ledger")
    fw.settle("finance_fund_bank")
    path = f"/finance/estates/{fw.estate_id}/fund/reconciliation"
    return fw.get(path, who or fw.finance, status, on=on)


def test_the_banks_balance_is_set_beside_the_ledger_and_the_units_and_a_gap_is_flagged(
    fw: FinanceWorld,
) -> None:
    """Deposits of 1,000.00 and 800.00 on 10 January: the bank's 1,800.00 on 31 January
    agrees with 1002.02 and the unit accounts. On 1 February the bank shows 1,805.50:
    5.50 of interest the books do not have yet; the compliance check finds it. Once the
    interest is allocated (booked 1 February) the three agree again."""
    fw.clock.set(2026, 2, 2)
    deposit(fw, 0, "1000.00", booked_on="2026-01-10").raise_for_status()
    deposit(fw, 1, "800.00", booked_on="2026-01-10").raise_for_status()
    assert state(fw, "2026-01-31", "1800.00").status_code == 201
    january = reconciliation(fw, "2026-01-31").json()
    assert (january["bank"], january["ledger"], january["units"]) == (
        "1800.00",
        "1800.00",
        "1800.00",
    )
    assert (january["bank_minus_ledger"], january["reconciled"]) == ("0.00", True)

    state(fw, "2026-02-01", "1805.50").raise_for_status()
    gap = reconciliation(fw, "2026-02-01").json()
    assert (gap["bank_minus_ledger"], gap["ledger_minus_units"], gap["reconciled"]) == (
        "5.50",
        "0.00",
        False,
    )
    fw.clock.set(2026, 3, 1)
    fw.settle("finance_fund_bank")
    review = run(fw)
    assert "fund_bank_reconciled" in failed(review)
    assert "difference 5.50" in str(review), review

    fw.clock.set(2026, 2, 2)
    interest(
        fw, "5.50", reference="INT-0201", period_to="2026-02-01", booked_on="2026-02-01"
    ).raise_for_status()
    assert reconciliation(fw, "2026-02-01").json()["reconciled"] is True
    fw.clock.set(2026, 3, 1)
    assert "fund_bank_reconciled" not in failed(run(fw))
    # No statement for a day: nothing to compare the ledger with.
    none = reconciliation(fw, "2026-01-15").json()
    assert (none["bank"], none["reconciled"], none["ledger"]) == (None, False, "1800.00")


def test_a_statement_balance_is_recorded_once_and_bad_input_changes_nothing(
    fw: FinanceWorld,
) -> None:
    fw.clock.set(2026, 2, 2)
    state(fw, "2026-01-31", "0.00").raise_for_status()
    head = fw.container.event_log.head()
    assert state(fw, "2026-01-31", "1.00", reference="ST-2").status_code == 409
    assert state(fw, "2026-02-03", "1.00").status_code == 422  # a day yet to come
    assert state(fw, "2026-01-30", "-1.00").status_code == 422
    assert state(fw, "2026-01-30", 1.5).status_code == 422
    assert state(fw, "2026-01-30", "1.001").status_code == 422
    assert state(fw, "2026-01-30", "1.00", reference="").status_code == 422
    assert state(fw, "2026-01-30", "1.00", who=fw.owners[0]).status_code == 403
    assert state(fw, "2026-01-30", "1.00", who=fw.other_finance).status_code == 404
    assert fw.container.event_log.head() == head
    reconciliation(fw, "2026-01-31", fw.owners[0], status=404)  # staff only
    reconciliation(fw, "2026-01-31", fw.other_finance, status=404)
    assert reconciliation(fw, "2026-01-31", fw.auditor).json()["bank"] == "0.00"


def test_owners_read_the_fund_as_published_with_its_spending(fw: FinanceWorld) -> None:
    """Deposits 1,000.00, 800.00, 1,200.00; a spending of 300.00 split by area
    (100:80:120 of 300 = 100.00, 80.00, 120.00) disbursed; the published fund shows
    3,000.00 deposited, 300.00 charged, a balance of 2,700.00 and the spending."""
    for unit, amount in enumerate(("1000.00", "800.00", "1200.00")):
        deposit(fw, unit, amount).raise_for_status()
    spending = approved_spending(fw, "300.00")
    fw.post(
        f"/finance/fund/spendings/{spending}/disbursement",
        fw.finance,
        {"reference": "PAY-1"},
        status=200,
    )
    fw.settle("finance_fund")
    seen = fw.get(f"/finance/estates/{fw.estate_id}/fund/published", fw.owners[2]).json()
    [totals] = seen["totals"]
    assert (totals["deposited"], totals["charged"], totals["balance"], totals["units"]) == (
        "3000.00",
        "300.00",
        "2700.00",
        3,
    )
    [shown] = seen["spendings"]
    assert (shown["id"], shown["amount"], shown["status"]) == (
        spending,
        "300.00",
        "disbursed",
    )
    # The owner's own account shows their share of it.
    mine = fw.get(f"/finance/fund/accounts/{fw.units[2]}", fw.owners[2]).json()
    assert [(m["kind"], m["amount"]) for m in mine["movements"]][-1] == ("charge", "-120.00")
    fw.get(f"/finance/estates/{fw.estate_id}/fund/published", fw.other_finance, 404)
    fw.get(f"/finance/estates/{fw.other_estate_id}/fund/published", fw.owners[0], 404)
    assert fw.get(f"/finance/estates/{fw.estate_id}/fund/published", fw.auditor).json()
