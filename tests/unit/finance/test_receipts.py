"""Receipt books in memory: gap-free numbers per estate and year, voids kept, reprints counted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.errors import NotFound
from application.finance.accounts import AccountService
from application.finance.accounts.commands import RecordPayment, ReversePayment
from application.finance.receipts import ReprintReceipt
from application.services import ServiceDeps, find
from domain.finance.account import Method
from domain.finance.money import Money
from domain.finance.receipts import (
    PaymentReceipt,
    ReceiptBook,
    ReceiptVoid,
    receipt_id_for,
    receipt_number,
)
from domain.registry.unit import Unit
from tests.unit.finance.actors import reversed_by_two
from tests.unit.finance.test_account_handlers import accounts, clerk, deps, owner

__all__ = ["accounts", "deps"]  # the fixtures this module's tests take

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


@given(st.integers(min_value=1, max_value=60))
def test_a_book_numbers_consecutively_from_one(count: int) -> None:
    book = ReceiptBook(estate_id=uuid4(), estate_code="FIN", year=2026, at=AT)
    numbers = [book.issue(uuid4(), AT) for _ in range(count)]
    assert numbers == [receipt_number("FIN", 2026, n) for n in range(1, count + 1)]
    assert numbers[0] == "SJ-FIN-2026-000001"
    assert len(set(numbers)) == count


def a_receipt() -> PaymentReceipt:
    return PaymentReceipt.issue(
        payment_id=uuid4(),
        number="SJ-FIN-2026-000001",
        serial=1,
        estate_id=uuid4(),
        unit_id=uuid4(),
        method="cash",
        reference="P-1",
        amount=Decimal("10.00"),
        currency="CNY",
        issued_on=date(2026, 3, 1),
        issued_by=None,
        at=AT,
    )


def test_a_receipt_is_voided_once_and_reprints_count_up() -> None:
    receipt = a_receipt()
    assert [receipt.reprint(uuid4(), AT) for _ in range(3)] == [1, 2, 3]
    receipt.cancel("payment reversed", AT)
    assert receipt.void
    with pytest.raises(ReceiptVoid):
        receipt.cancel("again", AT)


def test_each_payment_is_saved_with_its_receipt_and_a_reversal_voids_it(
    deps: ServiceDeps, accounts: AccountService
) -> None:
    unit = Unit.register(uuid4(), uuid4(), "101", 1, "100.00", "80.00", "residential")
    # A payment pays its payer's debts: the unit has an owner to pay (decision 0021).
    unit.move_in(occupancy_id=uuid4(), person_id=uuid4(), relation="owner", on=date(2025, 1, 1))
    deps.event_log.save_and_position(unit)
    by = clerk(unit.estate_id)
    ids = [
        accounts.pay(RecordPayment(by, unit.id, Money.of("10.00", "CNY"), Method.CASH, f"P-{n}"))[0]
        for n in range(3)
    ]
    receipts = [find(deps.event_log, receipt_id_for(i), PaymentReceipt) for i in ids]
    numbers = [accounts.receipts.number_of(r) for r in receipts if r]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]
    # Drawn in the estate's series of the year, numbered by the append (decision 0041).
    assert all(r is not None and r.number is None for r in receipts)
    reversed_by_two(accounts, deps.event_log, ReversePayment(by, unit.id, ids[1], "keyed twice"))
    voided = find(deps.event_log, receipt_id_for(ids[1]), PaymentReceipt)
    assert voided is not None and voided.void
    head = deps.event_log.head()
    with pytest.raises(NotFound):
        accounts.receipts.reprint(ReprintReceipt(clerk(uuid4()), ids[0]))
    with pytest.raises(NotFound):
        accounts.receipts.reprint(ReprintReceipt(owner(), ids[0]))
    assert deps.event_log.head() == head
    number, copy, _ = accounts.receipts.reprint(ReprintReceipt(by, ids[0]))
    assert (number[-6:], copy) == ("000001", 1)
