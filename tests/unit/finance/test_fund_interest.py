"""Interest allocated to the units (增值分摊): the daily balance product (积数)
and the split, figures computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.fund import FundAccount
from domain.finance.fund_interest import FundInterest, daily_balance_product, fund_interest_id
from domain.finance.postings import entry_for
from projections.events import kind_of, payload_of

AT = datetime(2026, 4, 1, tzinfo=UTC)
D = Decimal


def test_the_daily_balance_product_sums_each_days_closing_balance() -> None:
    """1,000.00 before the period, 500.00 more on 11 January: over 1-31 January,
    10 days at 1,000.00 and 21 days at 1,500.00 = 10,000 + 31,500 = 41,500.00;
    a charge of 200.00 on 31 January counts on its own day: 41,300.00."""
    moves = [(date(2025, 12, 20), D("1000.00")), (date(2026, 1, 11), D("500.00"))]
    jan = (date(2026, 1, 1), date(2026, 1, 31))
    assert daily_balance_product(moves, *jan) == D("41500.00")
    moves.append((date(2026, 1, 31), D("-200.00")))
    assert daily_balance_product(moves, *jan) == D("41300.00")
    # After the period: no weight from it. Before: the whole period.
    assert daily_balance_product([(date(2026, 2, 1), D(1))], *jan) == 0
    assert daily_balance_product([(date(2026, 1, 1), D(2))], *jan) == D(62)
    with pytest.raises(ValidationFailed):
        daily_balance_product(moves, date(2026, 2, 1), date(2026, 1, 1))


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(-50_000, 50_000)), min_size=0, max_size=12),
    st.integers(0, 40),
    st.integers(0, 30),
)
def test_the_product_equals_the_day_by_day_sum(
    moves: list[tuple[int, int]], start: int, length: int
) -> None:
    origin = date(2026, 1, 1)
    dated = [(date.fromordinal(origin.toordinal() + d), D(c) / 100) for d, c in moves]
    first = date.fromordinal(origin.toordinal() + start)
    last = date.fromordinal(first.toordinal() + length)
    by_hand = sum(
        (
            sum((a for day, a in dated if day.toordinal() <= d), D(0))
            for d in range(first.toordinal(), last.toordinal() + 1)
        ),
        D(0),
    )
    assert daily_balance_product(dated, first, last) == by_hand


def _allocate(weights: dict, amount: str = "10.00", **more: object) -> FundInterest:
    args: dict = {
        "estate_id": uuid4(),
        "reference": "INT-2026Q1",
        "amount": amount,
        "currency": "CNY",
        "period_from": date(2026, 1, 1),
        "period_to": date(2026, 3, 31),
        "booked_on": date(2026, 3, 31),
        "weights": weights,
        "recorded_by": uuid4(),
        "at": AT,
    }
    return FundInterest.allocate(**(args | more))


def test_interest_splits_by_weight_to_the_fen_and_posts_dr_fund_bank_cr_each_unit() -> None:
    """10.00 over weights 1:1:1: 3.33 each, the fen left goes to the first
    (equal remainders, the earlier part): 3.34 + 3.33 + 3.33 = 10.00."""
    a, b, c = uuid4(), uuid4(), uuid4()
    interest = _allocate({a: D(90), b: D(90), c: D(90), uuid4(): D(0)})
    assert [s["amount"] for s in interest.splits] == [D("3.34"), D("3.33"), D("3.33")]
    assert interest.id == fund_interest_id(interest.estate_id, " INT-2026Q1 ")
    (event,) = interest.collect_events()
    entry = entry_for(*kind_of(event), payload_of(event))
    assert entry is not None
    assert [(x.account, x.debit, x.credit, x.unit_id) for x in entry.lines] == [
        ("1002.02", D("10.00"), D(0), None),
        ("2241", D(0), D("3.34"), a),
        ("2241", D(0), D("3.33"), b),
        ("2241", D(0), D("3.33"), c),
    ]


@pytest.mark.parametrize(
    ("weights", "more", "says"),
    [
        ({}, {}, "no unit held a fund balance"),
        ({uuid4(): D(1)}, {"amount": "0.00"}, "more than zero"),
        ({uuid4(): D(1)}, {"amount": "1.001"}, "amount"),
        ({uuid4(): D(1)}, {"period_to": date(2025, 12, 1)}, "before period_from"),
        ({uuid4(): D(1)}, {"booked_on": date(2026, 3, 30)}, "after the day"),
    ],
)
def test_an_allocation_is_refused_when_it_cannot_be_made(
    weights: dict, more: dict, says: str
) -> None:
    with pytest.raises(ValidationFailed, match=says):
        _allocate(weights, **more)


def test_a_units_share_raises_its_balance_not_its_first_deposit_and_only_once() -> None:
    unit = uuid4()
    account = FundAccount.open(estate_id=uuid4(), unit_id=unit, currency="CNY", at=AT)
    account.deposit(
        deposit_id=uuid4(),
        amount="1000.00",
        currency="CNY",
        method="bank_transfer",
        reference="D1",
        booked_on=date(2026, 1, 5),
        recorded_by=uuid4(),
        at=AT,
    )
    interest_id = uuid4()
    account.credit_interest(
        interest_id=interest_id,
        amount=D("3.34"),
        reference="INT",
        booked_on=date(2026, 3, 31),
        at=AT,
    )
    assert account.balance == D("1003.34")
    assert account.first_deposit == D("1000.00")
    assert account.movements == [(date(2026, 1, 5), D("1000.00")), (date(2026, 3, 31), D("3.34"))]
    with pytest.raises(InvalidTransition):
        account.credit_interest(
            interest_id=interest_id, amount=D(1), reference="INT", booked_on=AT.date(), at=AT
        )
    names = [kind_of(e)[1] for e in account.collect_events()]
    assert names == ["Opened", "Deposited", "InterestCredited"]
    # The unit's share posts nothing: the allocation posted it.
    assert entry_for("FundAccount", "InterestCredited", {}) is None
