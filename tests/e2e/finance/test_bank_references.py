"""Issue 14, defect 9: a bank reference is applied once per estate's bank account.

The same bank-statement line was applied on two units. A payment's
reference is now claimed per estate and receiving account (the bank account
1002 for transfers, online clearing 1012 for online payments, the cash box
1001 for a receipt number) in the same append as the payment, so a second
application answers 409 problem+json on any unit, even when both are sent at
once. A reversed payment gives its reference back: the bank line was never
really applied, and may be applied again (to the right unit).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, bill, pay, reverse


def transfer(fw: FinanceWorld, unit: int, amount: str, reference: str) -> Any:
    return pay(fw, fw.units[unit], amount, method="bank_transfer", reference=reference)


def billed(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")


def test_one_bank_line_is_not_applied_on_two_units(fw: FinanceWorld) -> None:
    billed(fw)
    first = pay(fw, fw.units[0], "250.00", method="bank_transfer", reference="CMB-20260201-0007")
    assert first.status_code == 201, first.text
    head = fw.container.event_log.head()
    second = pay(fw, fw.units[1], "200.00", method="bank_transfer", reference="CMB-20260201-0007")
    problem = assert_problem(second, 409)
    assert "CMB-20260201-0007" in problem["detail"]
    assert fw.container.event_log.head() == head  # nothing recorded
    assert account(fw, fw.units[1])["payments"] == []
    # Another account's reference of the same text is another line: an online
    # transaction number is not a bank-statement line.
    online = pay(fw, fw.units[1], "200.00", method="online", reference="CMB-20260201-0007")
    assert online.status_code == 201, online.text


def test_a_reversed_payments_bank_line_may_be_applied_again(fw: FinanceWorld) -> None:
    billed(fw)
    wrong = pay(fw, fw.units[0], "200.00", method="bank_transfer", reference="ICBC-0042")
    assert wrong.status_code == 201, wrong.text
    assert_problem(transfer(fw, 1, "200.00", "ICBC-0042"), 409)
    reverse(fw, fw.units[0], wrong.json()["id"], reason="applied to the wrong unit")
    right = pay(fw, fw.units[1], "200.00", method="bank_transfer", reference="ICBC-0042")
    assert right.status_code == 201, right.text
    # Applied again, it is taken again: on any unit, the first one's included.
    assert_problem(transfer(fw, 0, "200.00", "ICBC-0042"), 409)
    assert_problem(transfer(fw, 2, "1.00", "ICBC-0042"), 409)
    payments = [p for u in fw.units for p in account(fw, u)["payments"]]
    live = [(p["unit_id"], p["reversed"]) for p in payments if p["reference"] == "ICBC-0042"]
    assert sorted(live) == sorted([(fw.units[0], True), (fw.units[1], False)])


def test_one_bank_line_sent_at_once_for_three_units_records_once(fw: FinanceWorld) -> None:
    billed(fw)

    def attempt(i: int) -> int:
        unit = fw.units[i % 3]
        response = pay(fw, unit, "10.00", method="bank_transfer", reference="BOC-RACE-1")
        return int(response.status_code)

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(attempt, range(12)))
    assert codes.count(201) == 1, codes
    assert codes.count(409) == 11, codes
    payments = [p for u in fw.units for p in account(fw, u)["payments"]]
    assert [p["reference"] for p in payments] == ["BOC-RACE-1"]
