"""Reading bank statements and pairing their lines with payments: pure rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.finance.bank_lines import Credit, Received, pair
from domain.finance.bank_statements import StatementRefused, read_statement

HEADER = "交易日期,交易时间,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号,交易流水号"


def rows(*lines: str) -> list[tuple[int, list[str]]]:
    return [(n, line.split(",")) for n, line in enumerate(lines, start=1)]


def test_title_rows_and_a_total_row_are_passed_over() -> None:
    statement = read_statement(
        rows(
            "工商银行明细",
            "",
            HEADER,
            "2026年02月01日,10:00,物业费,,1300.00,1300.00,张三,1,S1",
            "20260202,10:00,手续费,5,,1295,银行,,S2",
            "合计,,,5,1300,,,,",
        )
    )
    assert statement.layout == "icbc"
    [first, second] = statement.lines
    assert (first.row, first.value_date, first.serial) == (4, date(2026, 2, 1), "S1")
    assert (second.debit, second.credit, second.balance) == (Decimal(5), 0, Decimal(1295))


def test_a_fen_smaller_than_a_fen_and_a_serial_twice_are_refused_by_row() -> None:
    with pytest.raises(StatementRefused) as refused:
        read_statement(
            rows(
                HEADER,
                "2026-02-01,,x,,1.005,1,a,1,S1",
                "2026-02-01,,x,,1,1,a,1,S2",
                "2026-02-01,,x,,1,2,a,1,S2",
            )
        )
    assert [(p.row, p.column) for p in refused.value.problems] == [
        (2, "贷方发生额"),
        (4, "交易流水号"),
    ]


def test_a_payment_matches_by_serial_or_memo_amount_and_window() -> None:
    on = date(2026, 2, 1)
    lines = [
        Credit(uuid4(), "S1", "", on, Decimal("10.00"), None),
        Credit(uuid4(), "S2", "fee REF-22 101", on + timedelta(days=3), Decimal("20.00"), None),
        Credit(uuid4(), "S3", "", on + timedelta(days=30), Decimal("30.00"), None),
    ]
    payments = [
        Received(uuid4(), "s1", Decimal("10.00"), on),
        Received(uuid4(), "REF-22", Decimal("20.00"), on),
        Received(uuid4(), "S3", Decimal("30.00"), on),  # a month apart: not by rule
    ]
    assert pair(lines, payments) == {
        lines[0].line_id: payments[0].payment_id,
        lines[1].line_id: payments[1].payment_id,
    }


amounts = st.sampled_from([Decimal("10.00"), Decimal("20.00")])
days = st.integers(min_value=0, max_value=20)


@given(
    st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), amounts, days), max_size=8),
    st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), amounts, days), max_size=8),
)
def test_each_payment_and_each_line_pairs_at_most_once_and_only_where_the_rule_says(
    raw_lines: list[tuple[str, Decimal, int]], raw_payments: list[tuple[str, Decimal, int]]
) -> None:
    start = date(2026, 1, 1)
    lines = [
        Credit(uuid4(), f"{ref}-{i}", f"memo {ref}REF", start + timedelta(d), amount, None)
        for i, (ref, amount, d) in enumerate(raw_lines)
    ]
    payments = [
        Received(uuid4(), f"{ref}REF", amount, start + timedelta(d))
        for ref, amount, d in raw_payments
    ]
    pairs = pair(lines, payments)
    assert len(set(pairs.values())) == len(pairs)
    by_line = {c.line_id: c for c in lines}
    by_payment = {p.payment_id: p for p in payments}
    for line_id, payment_id in pairs.items():
        line, payment = by_line[line_id], by_payment[payment_id]
        assert line.amount == payment.amount
        assert payment.reference in line.memo
        assert abs((line.value_date - payment.on).days) <= 7
