"""Bad-debt rules on the pure aggregates (decision 0024): a write-off takes exactly
what a bill owes, posts Dr 1231 / Cr 1122, and leaves the bill in the history; the
provision by the aging method is computed by hand below."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.utils import get_topic

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account import UnitAccount
from domain.finance.account_postings import post
from domain.finance.accounts import BAD_DEBT_ALLOWANCE, CHART, CREDIT_IMPAIRMENT, RECEIVABLES
from domain.finance.provision import DEFAULT_RATES, provision, provision_rates
from domain.finance.write_offs import WriteOffRequest
from tests.unit.finance.test_account_decisions import AT, account_with_bills, pay

D = Decimal


def test_a_write_off_takes_what_the_bill_owes_and_posts_against_the_allowance() -> None:
    account, (january, february) = account_with_bills("250.00", "200.00")
    pay(account, "50.00")  # January owes 200.00 now
    account.collect_events()
    with pytest.raises(InvalidTransition, match=r"owes 200\.00"):
        account.check_write_off(january, "250.00", "CNY")
    with pytest.raises(ValidationFailed):
        account.check_write_off(january, "200.00", "USD")
    account.write_off(
        request_id=uuid4(),
        bill_id=january,
        amount="200.00",
        currency="CNY",
        reason="owner untraceable",
        approval_id=uuid4(),
        today=date(2026, 3, 5),
        at=AT,
    )
    [event] = account.collect_events()
    assert type(event).__name__ == "BillWrittenOff"
    assert get_topic(type(event)) == "domain.finance.account:UnitAccount.BillWrittenOff"
    bill = account.bills[january]
    assert (bill.outstanding, bill.written_off, bill.paid) == (0, D("200.00"), D("50.00"))
    assert [b.bill_id for b in account.open_bills] == [february]
    entry = post("BillWrittenOff", event.__dict__)
    assert entry is not None
    assert [(x.account, x.debit, x.credit, x.bill_id) for x in entry.lines] == [
        (BAD_DEBT_ALLOWANCE, D("200.00"), 0, None),
        (RECEIVABLES, 0, D("200.00"), january),
    ]
    with pytest.raises(ValidationFailed):  # nothing left: twice is refused
        account.check_write_off(january, "0", "CNY")
    with pytest.raises(InvalidTransition):
        account.check_write_off(january, "200.00", "CNY")


def test_a_write_off_request_is_declined_once() -> None:
    request = WriteOffRequest(
        id=uuid4(),
        estate_id=uuid4(),
        unit_id=uuid4(),
        bill_id=uuid4(),
        amount=D("200.00"),
        currency="CNY",
        reason="owner untraceable",
        approval_id=uuid4(),
        requested_by=uuid4(),
        at=AT,
    )
    request.decline(outcome="rejected", at=AT)
    assert request.declined == "rejected"
    with pytest.raises(InvalidTransition):
        request.decline(outcome="withdrawn", at=AT)


def test_the_provision_by_hand() -> None:
    aging = {
        "not yet due": D("100.00"),
        "0-30": D("33.33"),
        "1-2 years": D("500.00"),
        "over 3 years": D("12.34"),
    }
    # 5.00 + 1.67 (1.6665 rounded half up) + 50.00 + 12.34 = 69.01; the allowance holds 20.
    result = provision(aging, D("20.00"), DEFAULT_RATES, "CNY")
    assert result.required["0-30"] == D("1.67")
    assert (result.required_total, result.amount) == (D("69.01"), D("49.01"))
    assert [(x["account"], x["debit"], x["credit"]) for x in result.lines] == [
        (CREDIT_IMPAIRMENT, D("49.01"), 0),
        (BAD_DEBT_ALLOWANCE, 0, D("49.01")),
    ]
    released = provision(aging, D("100.00"), DEFAULT_RATES, "CNY")
    assert released.amount == D("-30.99")
    assert [(x["account"], x["debit"]) for x in released.lines] == [
        (BAD_DEBT_ALLOWANCE, D("30.99")),
        (CREDIT_IMPAIRMENT, 0),
    ]
    assert provision(aging, D("69.01"), DEFAULT_RATES, "CNY").lines == []


def test_rates_are_the_defaults_with_finances_over_them() -> None:
    rates = provision_rates({"1-2 years": "0.5"})
    assert rates["1-2 years"] == D("0.5") and rates["2-3 years"] == D("0.30")
    for bad in ({"5-6 years": "0.1"}, {"0-30": "1.5"}, {"0-30": "-0.1"}):
        with pytest.raises(ValidationFailed):
            provision_rates(bad)


def test_the_allowance_and_the_impairment_are_in_the_chart() -> None:
    assert CHART[BAD_DEBT_ALLOWANCE].name_zh == "坏账准备"
    assert CHART[BAD_DEBT_ALLOWANCE].sub_ledger is None  # the provision is a journal
    assert CHART[CREDIT_IMPAIRMENT].name_zh == "信用减值损失"
    assert UnitAccount.BillWrittenOff  # type: ignore[attr-defined]
