"""Interest on the maintenance fund's bank account, allocated to the units (增值分摊),
through the HTTP API. Units of 100, 80 and 120 m² gross (the world of conftest)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.test_fund import account, deposit

INTEREST = "/finance/fund/interest"
JANUARY = {"period_from": "2026-01-01", "period_to": "2026-01-31", "booked_on": "2026-01-31"}


def interest(fw: FinanceWorld, amount: str, reference: str = "INT-202601", **more: Any) -> Any:
    body = {"estate_id": fw.estate_id, "amount": amount, "reference": reference, **JANUARY}
    return fw.post(INTEREST, fw.finance, body | more)


def january_deposits(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 2, 2)
    deposit(fw, 0, "1000.00", booked_on="2026-01-01").raise_for_status()
    deposit(fw, 1, "800.00", booked_on="2026-01-01").raise_for_status()
    deposit(fw, 2, "1200.00", booked_on="2026-01-16").raise_for_status()


def test_interest_goes_to_the_units_by_their_daily_balance_products(fw: FinanceWorld) -> None:
    """7.75 of January interest. Daily balance products (积数) over 1-31 January:
    unit 1: 1,000.00 x 31 days = 31,000; unit 2: 800.00 x 31 = 24,800; unit 3 paid
    1,200.00 on 16 January: x 16 days = 19,200; together 75,000.
    Shares: 7.75 x 31,000/75,000 = 3.2033 -> 3.20; x 24,800/75,000 = 2.5627 -> 2.56;
    x 19,200/75,000 = 1.9840 -> 1.98; 7.74 so far, the fen left goes to the largest
    remainder (unit 3, 0.0040): 1.99. 3.20 + 2.56 + 1.99 = 7.75."""
    january_deposits(fw)
    r = interest(fw, "7.75")
    assert r.status_code == 201, r.text
    done = r.json()
    shares = {s["unit_id"]: (s["amount"], s["weight"]) for s in done["splits"]}
    assert shares == {
        fw.units[0]: ("3.20", "31000.00"),
        fw.units[1]: ("2.56", "24800.00"),
        fw.units[2]: ("1.99", "19200.00"),
    }

    mine = account(fw, 2).json()
    assert (mine["balance"], mine["interest"], mine["first_deposit"]) == (
        "1201.99",
        "1.99",
        "1200.00",
    )
    assert [(m["kind"], m["amount"], m["reference"]) for m in mine["movements"]][-1] == (
        "interest",
        "1.99",
        "INT-202601",
    )
    # The owner of unit 1 reads their share on their own account.
    own = account(fw, 0, fw.owners[0]).json()
    assert own["interest"] == "3.20" and own["balance"] == "1003.20"

    # The ledger: Dr 1002.02 7.75 / Cr 2241 per unit; the fund bank holds 3,007.75.
    fw.settle("finance_ledger")
    tb = fw.get(
        "/finance/statements/trial-balance",
        fw.finance,
        estate_id=fw.estate_id,
        **{"from": "2026-01-01", "to": "2026-01-31"},
    ).json()
    closing = {r["account"]: r["closing"] for r in tb["rows"]}
    assert closing["1002.02"] == "3007.75"
    assert closing["2241"] == "-3007.75"
    assert tb["totals"]["CNY"]["balanced"] is True


def test_the_same_bank_credit_is_allocated_once_and_bad_input_changes_nothing(
    fw: FinanceWorld,
) -> None:
    january_deposits(fw)
    interest(fw, "7.75").raise_for_status()
    head = fw.container.event_log.head()
    again = interest(fw, "7.75", reference=" INT-202601 ")
    assert again.status_code == 409, again.text
    assert interest(fw, 7.75, reference="X1").status_code == 422  # type: ignore[arg-type]
    assert interest(fw, "0.001", reference="X2").status_code == 422
    assert interest(fw, "-1.00", reference="X3").status_code == 422
    assert interest(fw, "1.00", reference="X4", period_to="2026-02-01").status_code == 422
    r = interest(fw, "1.00", reference="X5", period_from="2025-01-01", period_to="2025-01-31")
    assert r.status_code == 422 and "no unit held a fund balance" in r.text
    assert interest(fw, "1.00", reference="X6", booked_on="2026-03-01").status_code == 422
    assert fw.container.event_log.head() == head


def test_only_the_estates_fund_managers_record_interest(fw: FinanceWorld) -> None:
    january_deposits(fw)
    head = fw.container.event_log.head()
    body = {"estate_id": fw.estate_id, "amount": "1.00", "reference": "I", **JANUARY}
    assert fw.post(INTEREST, fw.owners[0], body).status_code == 403
    assert fw.post(INTEREST, fw.other_finance, body).status_code == 404
    assert fw.post(INTEREST, fw.auditor, body).status_code == 403
    assert fw.container.event_log.head() == head
    assert Decimal(account(fw, 0).json()["interest"]) == 0
