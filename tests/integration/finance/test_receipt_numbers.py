"""Receipts numbered by the append under the log's lock (decision 0041), on real
PostgreSQL: payers in one estate never conflict over a number, numbering goes
on after a legacy book, and the read model, a rebuild and a restore agree with
the numbers the appends gave."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg

from application.finance.accounts.commands import RecordPayment
from application.ports import Number
from bootstrap import Container, build
from domain.finance.account import Method
from domain.finance.money import Money
from domain.finance.receipts import (
    PaymentReceipt,
    ReceiptBook,
    receipt_id_for,
    receipt_number,
    receipt_series,
)
from domain.registry.unit import Unit
from infrastructure.settings import Settings
from replay.numbers import TABLE, check_numbers
from replay.operations import backup, rebuild_all, restore
from tests.conftest import drop_schema
from tests.support.clock import Clock
from tests.unit.finance.test_account_handlers import clerk

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def units(container: Container, estate_id: UUID, count: int) -> list[UUID]:
    made = []
    for n in range(count):
        unit = Unit.register(estate_id, uuid4(), f"{n + 1}01", 1, "100.00", "80.00", "residential")
        unit.move_in(occupancy_id=uuid4(), person_id=uuid4(), relation="owner", on=date(2025, 1, 1))
        container.event_log.save_and_position(unit)
        made.append(unit.id)
    return made


def pay(container: Container, estate_id: UUID, unit_id: UUID) -> UUID:
    command = RecordPayment(
        clerk(estate_id), unit_id, Money.of("10.00", "CNY"), Method.CASH, f"P-{uuid4()}"
    )
    return container.finance.accounts.pay(command)[0]


def book_rows(container: Container, estate_id: UUID) -> list[tuple[Any, ...]]:
    container.projector.catch_up()
    with psycopg.connect(container.database_url) as conn:
        return conn.execute(
            "SELECT r.receipt_id, r.number, r.serial, n.serial FROM finance_receipts r "
            f"LEFT JOIN {TABLE} n ON n.originator_id = r.receipt_id "
            "WHERE r.estate_id = %s ORDER BY r.serial",
            [estate_id],
        ).fetchall()


def legacy_receipts(container: Container, estate_id: UUID, count: int) -> None:
    """Receipts as payments made them before decision 0041: the book counted."""
    book = ReceiptBook(estate_id=estate_id, estate_code="OLD", year=2026, at=AT)
    receipts = []
    for _ in range(count):
        payment_id = uuid4()
        number = book.issue(payment_id, AT)
        receipts.append(
            PaymentReceipt.issue(
                payment_id=payment_id,
                number=number,
                serial=book.issued,
                estate_id=estate_id,
                unit_id=uuid4(),
                method="cash",
                reference=None,
                amount=Decimal("1.00"),
                currency="CNY",
                issued_on=AT.date(),
                issued_by=None,
                at=AT,
            )
        )
        container.event_log.save_and_position(book, receipts[-1])


def test_sixteen_payers_in_one_estate_take_one_to_n_without_a_retry(
    container: Container, clock: Clock
) -> None:
    clock.set(2026, 3, 2, 9)
    estate_id = uuid4()
    homes = units(container, estate_id, 16)
    committer = container.event_log.chained_recorder.group_committer
    before = committer.appends_written

    def three(home: UUID) -> list[UUID]:  # each payer its own unit: no account conflicts
        return [pay(container, estate_id, home) for _ in range(3)]

    with ThreadPoolExecutor(16) as pool:
        paid = [p for part in pool.map(three, homes) for p in part]

    # Every append succeeded the first time: no payment was tried again.
    assert committer.appends_written - before == 48
    rows = book_rows(container, estate_id)
    assert {r[0] for r in rows} == {receipt_id_for(p) for p in paid}
    # The read model counts in log order; the append numbered under the lock: the same.
    assert [(r[2], r[3]) for r in rows] == [(n, n) for n in range(1, 49)]
    code = str(estate_id)[:8].upper()  # no Estate aggregate: the id's head
    assert [r[1] for r in rows] == [receipt_number(code, 2026, n) for n in range(1, 49)]
    assert check_numbers(container.event_log).ok


def test_numbering_continues_after_the_legacy_book_without_a_gap(
    container: Container, clock: Clock
) -> None:
    estate_id = uuid4()
    legacy_receipts(container, estate_id, 3)
    (home,) = units(container, estate_id, 1)
    clock.set(2026, 3, 2, 9)
    first, second = pay(container, estate_id, home), pay(container, estate_id, home)

    rows = book_rows(container, estate_id)
    assert [(r[1], r[3]) for r in rows] == [
        ("SJ-OLD-2026-000001", None),
        ("SJ-OLD-2026-000002", None),
        ("SJ-OLD-2026-000003", None),
        ("SJ-OLD-2026-000004", 4),
        ("SJ-OLD-2026-000005", 5),
    ]
    receipts = container.finance.receipts
    drawn = [container.event_log.repository.get(receipt_id_for(p)) for p in (first, second)]
    assert [receipts.number_of(r) for r in drawn] == ["SJ-OLD-2026-000004", "SJ-OLD-2026-000005"]
    assert check_numbers(container.event_log).ok


def test_a_rebuild_of_the_receipts_equals_the_live_read_model(
    container: Container, clock: Clock
) -> None:
    estate_id = uuid4()
    legacy_receipts(container, estate_id, 2)
    homes = units(container, estate_id, 4)
    clock.set(2026, 3, 2, 9)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: pay(container, estate_id, homes[i % 4]), range(12)))
    live = book_rows(container, estate_id)

    rebuild_all(container, ["finance_receipts"])

    assert book_rows(container, estate_id) == live
    assert [r[2] for r in live] == list(range(1, 15))


def test_a_backup_and_restore_keeps_every_number(
    container: Container, settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    estate_id = uuid4()
    legacy_receipts(container, estate_id, 2)
    homes = units(container, estate_id, 3)
    clock.set(2026, 3, 2, 9)
    for i in range(6):
        pay(container, estate_id, homes[i % 3])
    live = book_rows(container, estate_id)
    file = tmp_path / "full.backup"
    backup(container, file)
    container.close()

    drop_schema(container.database_url)
    fresh = build(settings)
    try:
        restore(fresh, [file])
        assert book_rows(fresh, estate_id) == live
        assert check_numbers(fresh.event_log).ok
        # The series goes on after the restored numbers.
        receipt = PaymentReceipt.draw(
            payment_id=uuid4(),
            estate_id=estate_id,
            estate_code="OLD",
            year=2026,
            unit_id=homes[0],
            method="cash",
            reference=None,
            amount=Decimal("1.00"),
            currency="CNY",
            issued_on=date(2026, 3, 3),
            issued_by=None,
            at=AT,
        )
        number = Number(receipt_series(estate_id, 2026), receipt.id)
        fresh.event_log.save_numbered(receipt, numbers=[number])
        assert number.serial == 9
        assert check_numbers(fresh.event_log).ok
    finally:
        fresh.close()


def test_verify_names_a_numbers_table_that_disagrees_with_the_log(container: Container) -> None:
    estate_id = uuid4()
    (home,) = units(container, estate_id, 1)
    pay(container, estate_id, home)
    assert check_numbers(container.event_log).ok
    with psycopg.connect(container.database_url) as conn:
        conn.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER append_only")
        conn.execute(f"UPDATE {TABLE} SET serial = 7")
        conn.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER append_only")
    report = check_numbers(container.event_log)
    assert not report.ok and report.first_disagreement is not None
    assert "the table holds" in str(report.problem)
