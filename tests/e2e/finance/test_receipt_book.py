"""Issue 14: gap-free receipt numbers per estate (收据号), voids kept, reprints marked.

Every payment recorded, by any method, gets the next number of its estate's
book for the year: ``SJ-FIN-2026-000001``. Payments racing each other take
consecutive numbers, never the same one and never leaving a hole; a reversed
payment's receipt is void but stays in the book; a reprint is recorded and
counted. Another estate's book counts on its own.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, pay, reverse


def billed(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")


def book(fw: FinanceWorld, **params: Any) -> list[dict[str, Any]]:
    head = fw.container.event_log.head()
    return fw.get("/finance/receipts", fw.finance, after=head, **params).json()  # type: ignore[no-any-return]


def receipt_of(fw: FinanceWorld, payment_id: str, who: Any = None, status: int = 200) -> Any:
    head = fw.container.event_log.head()
    return fw.get(f"/finance/payments/{payment_id}/receipt", who or fw.finance, status, after=head)


def paid(
    fw: FinanceWorld, unit: int, amount: str, method: str = "cash", ref: str | None = None
) -> str:
    response = pay(fw, fw.units[unit], amount, method, ref)
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


def test_every_payment_gets_the_next_number_of_the_estates_book(fw: FinanceWorld) -> None:
    billed(fw)
    ids = [
        paid(fw, 0, "100.00"),
        paid(fw, 1, "50.00", "bank_transfer", "ICBC-20260201-0001"),
        paid(fw, 2, "30.00", "cash"),
    ]
    rows = book(fw, estate_id=fw.estate_id)
    assert [r["number"] for r in rows] == [
        "SJ-FIN-2026-000001",
        "SJ-FIN-2026-000002",
        "SJ-FIN-2026-000003",
    ]
    assert [r["payment_id"] for r in rows] == ids
    assert [(r["method"], Decimal(r["amount"])) for r in rows] == [
        ("cash", Decimal("100.00")),
        ("bank_transfer", Decimal("50.00")),
        ("cash", Decimal("30.00")),
    ]
    # The bank transfer's receipt carries the bank's reference beside the system number.
    assert rows[1]["reference"] == "ICBC-20260201-0001"
    # The owner reads their own receipt, not another unit's.
    mine = receipt_of(fw, ids[0], fw.owners[0]).json()
    assert mine["number"] == "SJ-FIN-2026-000001"
    receipt_of(fw, ids[1], fw.owners[0], status=404)
    # Another estate's finance staff see nothing of this book.
    head = fw.container.event_log.head()
    assert fw.get("/finance/receipts", fw.other_finance, after=head).json() == []
    receipt_of(fw, ids[0], fw.other_finance, status=404)


def test_the_payments_answer_carries_its_receipts_number(fw: FinanceWorld) -> None:
    billed(fw)
    first = pay(fw, fw.units[0], "10.00").json()
    second = pay(fw, fw.units[1], "10.00").json()
    assert [first["receipt_number"], second["receipt_number"]] == [
        "SJ-FIN-2026-000001",
        "SJ-FIN-2026-000002",
    ]
    assert receipt_of(fw, second["id"]).json()["number"] == "SJ-FIN-2026-000002"


def test_payments_racing_take_consecutive_numbers_without_gaps(fw: FinanceWorld) -> None:
    billed(fw)
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(lambda i: pay(fw, fw.units[i % 3], "10.00").status_code, range(12)))
    assert codes == [201] * 12, codes
    serials = sorted(r["serial"] for r in book(fw, estate_id=fw.estate_id, year=2026))
    assert serials == list(range(1, 13))


def test_a_new_year_starts_the_book_again(fw: FinanceWorld) -> None:
    billed(fw)
    paid(fw, 0, "10.00")
    fw.clock.set(2027, 1, 2, 9)
    paid(fw, 0, "10.00")
    numbers = [r["number"] for r in book(fw, estate_id=fw.estate_id)]
    assert numbers == ["SJ-FIN-2026-000001", "SJ-FIN-2027-000001"]
    assert [r["number"] for r in book(fw, year=2027)] == ["SJ-FIN-2027-000001"]


def test_a_reversed_payment_voids_its_receipt_and_the_number_is_not_reused(
    fw: FinanceWorld,
) -> None:
    billed(fw)
    first = paid(fw, 0, "100.00")
    reverse(fw, fw.units[0], first, reason="recorded on the wrong unit")
    second = paid(fw, 1, "100.00")
    rows = book(fw, estate_id=fw.estate_id)
    assert [(r["number"], r["void"]) for r in rows] == [
        ("SJ-FIN-2026-000001", True),
        ("SJ-FIN-2026-000002", False),
    ]
    assert "recorded on the wrong unit" in rows[0]["void_reason"]
    assert rows[1]["payment_id"] == second


def test_a_reprint_is_recorded_and_counted(fw: FinanceWorld) -> None:
    billed(fw)
    payment = paid(fw, 0, "100.00")
    path = f"/finance/payments/{payment}/receipt/reprints"
    first = fw.post(path, fw.finance, None, status=201).json()
    second = fw.post(path, fw.finance, None, status=201).json()
    assert (first["reprint"], second["reprint"]) == (1, 2)
    assert second["number"] == "SJ-FIN-2026-000001"
    assert "补打" in second["mark"] and "REPRINT 2" in second["mark"]
    assert receipt_of(fw, payment).json()["copies"] == 2
    # Owners, auditors and other estates' staff record no reprints; nothing changes.
    head = fw.container.event_log.head()
    assert_problem(fw.post(path, fw.owners[0], None), 403)
    assert_problem(fw.post(path, fw.auditor, None), 403)
    assert_problem(fw.post(path, fw.other_finance, None), 404)
    assert_problem(
        fw.post(
            "/finance/payments/00000000-0000-4000-8000-000000000000/receipt/reprints",
            fw.finance,
            None,
        ),
        404,
    )
    assert fw.container.event_log.head() == head
