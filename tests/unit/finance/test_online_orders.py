"""A payment order is paid once, by the provider's transaction, for exactly its amount;
a settlement clears online clearing with a balanced entry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.accounts import BANK, ONLINE_CLEARING, PAYMENT_FEES
from domain.finance.online_orders import (
    OrderMismatch,
    PaymentOrder,
    Settled,
    fen,
    order_id_for,
    payment_id_for,
)
from domain.finance.online_settlements import ProviderSettlement, fee_at
from domain.finance.postings import entry_for

AT = datetime(2026, 2, 3, 4, 5, tzinfo=UTC)


def order(amount: str = "336.00") -> PaymentOrder:
    return PaymentOrder.place(
        out_trade_no="EL00000000000000000000000000000A",
        provider="wechatpay",
        estate_id=uuid4(),
        unit_id=uuid4(),
        payer_id=uuid4(),
        ordered_by=uuid4(),
        amount=amount,
        bill_ids=[],
        at=AT,
    )


def paid(tx: str = "4200001", total: int = 33600, currency: str = "CNY") -> Settled:
    return Settled(tx, total, currency, AT)


def test_the_order_is_found_by_the_number_the_provider_echoes() -> None:
    o = order()
    assert o.id == order_id_for(o.out_trade_no)
    assert o.expires_at > AT and not o.paid


def test_the_provider_pays_the_order_once_and_a_repeat_changes_nothing() -> None:
    o = order()
    pid = payment_id_for("wechatpay", "4200001")
    o.pay(paid(), pid, AT)
    assert (o.paid, o.payment_id, o.success_time) == (True, pid, AT)
    o.collect_events()
    assert o.check(paid()) is False
    o.pay(paid(), pid, AT)
    assert o.collect_events() == []


def test_a_second_transaction_for_a_paid_order_is_refused() -> None:
    o = order()
    o.pay(paid(), payment_id_for("wechatpay", "4200001"), AT)
    with pytest.raises(InvalidTransition, match="already paid"):
        o.check(paid("4200002"))


@pytest.mark.parametrize("total, currency", [(33599, "CNY"), (33601, "CNY"), (33600, "USD")])
def test_a_payment_of_other_figures_does_not_pay_the_order(total: int, currency: str) -> None:
    with pytest.raises(OrderMismatch):
        order().check(paid(total=total, currency=currency))


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2))
def test_fen_is_exact_for_every_amount_of_yuan(amount: Decimal) -> None:
    assert fen(amount) == int(amount * 100) and Decimal(fen(amount)).scaleb(-2) == amount


@pytest.mark.parametrize("amount", ["0", "-1.00", "0.001", "1000000.01"])
def test_an_order_is_for_a_positive_amount_in_whole_fen(amount: str) -> None:
    with pytest.raises(ValidationFailed):
        order(amount)


def test_a_settlement_posts_net_to_the_bank_the_fee_to_expense_and_clears_clearing() -> None:
    gross = Decimal("1000.00")
    s = settlement(gross, fee_at(gross, Decimal("0.006"), "CNY"))
    transfer, fee = [
        entry_for("ProviderSettlement", type(e).__name__, e.__dict__) for e in s.collect_events()
    ]
    assert transfer is not None and transfer.check().balanced
    assert fee is not None and fee.check().balanced
    lines = [(line.account, line.debit, line.credit) for line in (*transfer.lines, *fee.lines)]
    assert lines == [
        (BANK, Decimal("994.00"), 0),
        (ONLINE_CLEARING, 0, Decimal("994.00")),
        (PAYMENT_FEES, Decimal("6.00"), 0),
        (ONLINE_CLEARING, 0, Decimal("6.00")),
    ]
    # Without a fee, the payout is the transfer alone.
    [only] = settlement(gross, "0.00").collect_events()
    assert type(only).__name__ == "Recorded"


@pytest.mark.parametrize("gross, fee", [("0", "0"), ("10.00", "10.00"), ("10.00", "-0.01")])
def test_a_settlement_clears_a_positive_gross_less_a_smaller_fee(gross: str, fee: str) -> None:
    with pytest.raises(ValidationFailed):
        settlement(gross, fee)


def settlement(gross: object, fee: object) -> ProviderSettlement:
    return ProviderSettlement.record(
        estate_id=uuid4(),
        provider="wechatpay",
        reference="SETTLE-20260203",
        settled_on=date(2026, 2, 3),
        gross=gross,
        fee=fee,
        currency="CNY",
        recorded_by=uuid4(),
        on=date(2026, 2, 3),
        at=AT,
    )


def test_a_parking_sessions_order_is_paid_once_like_a_units() -> None:
    session_id = uuid4()
    parked = PaymentOrder.for_parking(
        out_trade_no="EL00000000000000000000000000000P",
        provider="wechatpay",
        estate_id=uuid4(),
        session_id=session_id,
        plate="京A12345",
        ordered_by=uuid4(),
        amount=Decimal("15.00"),
        at=AT,
    )
    assert parked.id == order_id_for("EL00000000000000000000000000000P")
    assert (parked.session_id, parked.unit_id, parked.bill_ids) == (session_id, None, [])
    assert order().session_id is None
    settled = Settled("4200000009", 1500, "CNY", AT)
    parked.pay(settled, payment_id_for("wechatpay", "4200000009"), AT)
    assert parked.paid and not parked.check(settled)  # the same transaction again: nothing
    with pytest.raises(OrderMismatch, match="amount"):
        parked.check(Settled("4200000010", 1501, "CNY", AT))
    with pytest.raises(InvalidTransition, match="owes nothing"):
        PaymentOrder.for_parking(
            out_trade_no="EL00000000000000000000000000000Q",
            provider="wechatpay",
            estate_id=uuid4(),
            session_id=uuid4(),
            plate="京A12345",
            ordered_by=uuid4(),
            amount=Decimal(0),
            at=AT,
        )
