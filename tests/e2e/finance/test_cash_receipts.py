"""Issue 14, defect 10: identical cash payments sent at once all recorded.

A cash payment carried no reference, so nothing but an Idempotency-Key told
a double-click from two payments. Every payment now carries its reference;
a cash payment's is the paper receipt's number (收据号), claimed per estate
and cash box (1001) in the same append as the payment, like a bank line. A
reversed cash payment voids its receipt number: it is never used again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, bill, reverse


def billed(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")


def cash(fw: FinanceWorld, unit: int, body: dict[str, str]) -> int:
    """POST a cash payment without an Idempotency-Key; its status code."""
    path = f"/api/v1/finance/units/{fw.units[unit]}/payments"
    payment = {"amount": "100.00", "method": "cash", **body}
    return fw.client.post(path, json=payment, headers=fw.finance.headers).status_code


def refused(fw: FinanceWorld, unit: int, receipt: str) -> dict[str, Any]:
    """A cash payment of ``receipt`` that must answer 409; its problem."""
    body = {"amount": "100.00", "method": "cash", "reference": receipt}
    response = fw.post(f"/finance/units/{fw.units[unit]}/payments", fw.finance, body)
    return assert_problem(response, 409)


def sent_at_once(fw: FinanceWorld, unit: int, body: dict[str, str], times: int = 8) -> list[int]:
    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(lambda _: cash(fw, unit, body), range(times)))


def test_identical_cash_payments_sent_at_once_record_once(fw: FinanceWorld) -> None:
    billed(fw)
    codes = sent_at_once(fw, 0, {"reference": "SJ-0001234"})
    assert codes.count(201) == 1, codes
    assert codes.count(409) == len(codes) - 1, codes
    payments = account(fw, fw.units[0])["payments"]
    assert [(p["method"], p["reference"], Decimal(p["amount"])) for p in payments] == [
        ("cash", "SJ-0001234", Decimal("100.00"))
    ]
    # The receipt number is the estate's: another unit cannot take it either.
    head = fw.container.event_log.head()
    problem = refused(fw, 1, "sj-0001234 ")
    assert "SJ-0001234" in problem["detail"], problem
    assert fw.container.event_log.head() == head


def test_a_cash_payment_without_its_receipt_number_is_refused(fw: FinanceWorld) -> None:
    billed(fw)
    head = fw.container.event_log.head()
    codes = sent_at_once(fw, 0, {}, times=4) + sent_at_once(fw, 0, {"reference": "  "}, times=2)
    assert codes == [422] * 6, codes
    response = fw.post(
        f"/finance/units/{fw.units[0]}/payments", fw.finance, {"amount": "1.00", "method": "cash"}
    )
    problem = assert_problem(response, 422)
    assert "收据号" in problem["detail"], problem
    assert fw.container.event_log.head() == head
    assert account(fw, fw.units[0])["payments"] == []


def test_two_receipts_are_two_payments(fw: FinanceWorld) -> None:
    billed(fw)
    assert cash(fw, 0, {"reference": "SJ-0001"}) == 201
    assert cash(fw, 0, {"reference": "SJ-0002"}) == 201
    payments = account(fw, fw.units[0])["payments"]
    assert sorted(p["reference"] for p in payments) == ["SJ-0001", "SJ-0002"]


def test_a_reversed_cash_payment_voids_its_receipt_number_for_good(fw: FinanceWorld) -> None:
    billed(fw)
    first = fw.post(
        f"/finance/units/{fw.units[0]}/payments",
        fw.finance,
        {"amount": "100.00", "method": "cash", "reference": "SJ-0042"},
    )
    assert first.status_code == 201, first.text
    reverse(fw, fw.units[0], first.json()["id"], reason="recorded on the wrong unit")
    head = fw.container.event_log.head()
    for unit in (0, 1):
        problem = refused(fw, unit, "SJ-0042")
        assert "voided" in problem["detail"], problem
    assert fw.container.event_log.head() == head
    # The voided receipt stays on the books, its payment reversed; a new
    # receipt records the money on the right unit.
    voided = account(fw, fw.units[0])["payments"]
    assert [(p["reference"], p["reversed"]) for p in voided] == [("SJ-0042", True)]
    assert cash(fw, 1, {"reference": "SJ-0043"}) == 201
