"""Late fees accrue day by day; payments settle by art. 561 or principal first (decision 0022).

On the pure aggregate: the property that a late fee charged every day and one
charged once at the end come to the same sum to the fen (the once-a-month job
lost 0.50-4.53 a bill), against an oracle computed day by day; the
settlement order; a waiver of the late fee; the upcasters of the events whose
version 2 this brought.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.finance.account import UnitAccount, post
from domain.finance.rate_values import BillingTerms
from domain.finance.rates import FeeSchedule
from domain.finance.settlement import allocate, settlement_order
from tests.support.memory import MemoryEventLog
from tests.unit.finance.test_account_decisions import (
    AT,
    CLERK,
    account_with_bills,
    late_fee,
    waive,
)

D = Decimal
FEN = D("0.01")
DUE = date(2026, 1, 15)  # account_with_bills: the first bill is due on 15 January


def _pay(account: UnitAccount, amount: Decimal, on: date, terms: BillingTerms) -> None:
    account.receive_payment(
        payment_id=uuid4(),
        method="bank_transfer",
        amount=amount,
        currency="CNY",
        reference=f"B-{uuid4().hex[:8]}",
        bill_id=None,
        recorded_by=CLERK,
        on=on,
        at=AT,
        terms=terms,
        payer_id=CLERK,  # account_with_bills: the clerk owes every bill
    )


def _oracle(
    principal: Decimal, terms: BillingTerms, payments: dict[date, Decimal], end: date
) -> tuple[Decimal, Decimal]:
    """(late fees, principal left) through ``end``, by hand: each day after the grace
    days accrues the rate on the principal unpaid at its start; the total rounds
    half up once, capped (rounded down); a payment on a day comes after the
    day's accrual and pays the late fee first (art. 561)."""
    accrued, fees, fees_paid = D(0), D(0), D(0)
    cap = (principal * terms.late_fee_cap_ratio).quantize(FEN, ROUND_DOWN)
    first = DUE + timedelta(days=terms.late_fee_grace_days + 1)
    day = DUE + timedelta(days=1)
    while day <= end:
        if day >= first and principal > 0:
            accrued += principal * terms.late_fee_daily_rate
            fees = max(fees, min(accrued.quantize(FEN, ROUND_HALF_UP), cap))
        left = payments.get(day, D(0))
        take = min(left, fees - fees_paid)
        fees_paid, left = fees_paid + take, left - take
        principal -= min(left, principal)
        day += timedelta(days=1)
    return fees, principal


@settings(max_examples=60, deadline=None)
@given(
    cents=st.integers(1, 5_000_000),
    rate=st.sampled_from(["0.0001", "0.0003", "0.0005", "0.001", "0.003"]),
    grace=st.integers(0, 10),
    cap=st.sampled_from(["1", "0.3", "0.05", "0.001"]),
    paid=st.dictionaries(st.integers(1, 70), st.integers(1, 3_000_000), max_size=4),
    days=st.integers(1, 90),
)
def test_charging_daily_or_once_at_the_end_charges_the_same_to_the_fen(
    cents: int, rate: str, grace: int, cap: str, paid: dict[int, int], days: int
) -> None:
    principal = D(cents) / 100
    terms = BillingTerms(
        late_fee_daily_rate=D(rate), late_fee_grace_days=grace, late_fee_cap_ratio=D(cap)
    )
    end = DUE + timedelta(days=days)
    payments = {DUE + timedelta(days=d): D(c) / 100 for d, c in paid.items() if d <= days}
    daily, _ = account_with_bills(str(principal))
    once, _ = account_with_bills(str(principal))
    day = DUE + timedelta(days=1)
    while day <= end:
        if day in payments:
            _pay(daily, payments[day], day, terms)
            _pay(once, payments[day], day, terms)
        daily.charge_late_fees(terms, through=day, at=AT)  # the next morning's job
        day += timedelta(days=1)
    once.charge_late_fees(terms, through=end, at=AT)
    (a,) = daily.bills.values()
    (b,) = once.bills.values()
    fees, left = _oracle(principal, terms, payments, end)
    assert (a.late_fees, a.principal_due) == (b.late_fees, b.principal_due) == (fees, left)
    # As a multiset: which of them are archived yet, and so their order, may differ
    # (decision 0033); the payments' IDs are each account's own.
    assert sorted(_split(p) for p in daily.payments.values()) == sorted(
        _split(p) for p in once.payments.values()
    )


def _split(payment: dict[str, Any]) -> list[tuple[Decimal, Decimal]]:
    return [(x["late_fee"], x["principal"]) for x in payment["allocations"]]


def test_payments_settle_late_fees_first_by_art_561_or_principal_first_by_contract() -> None:
    account, (january, february) = account_with_bills("100.00", "50.00")
    for bill_id in (january, february):
        account.charge_late_fee(
            bill_id,
            through=date(2026, 3, 4),
            daily_rate=D("0.01"),
            grace_days=0,
            cap_ratio=D("0.1"),
            at=AT,
        )  # January 10.00 (capped), February 5.00 (capped)
    bills = account.open_bills
    art_561, left = allocate(D("20.00"), settlement_order(bills, "art_561"))
    assert [(a["late_fee"], a["principal"]) for a in art_561] == [(D(10), D(5)), (D(5), D(0))]
    assert left == 0
    principal_first, left = allocate(D("160.00"), settlement_order(bills, "principal_first"))
    assert [(a["late_fee"], a["principal"]) for a in principal_first] == [
        (D(10), D(100)),
        (D(0), D(50)),
    ]
    assert left == D(0)
    assert sum(a["amount"] for a in principal_first) == D(160)


def test_a_late_fee_waiver_reverses_the_income_and_a_bill_waiver_takes_the_principal_first() -> (
    None
):
    account, (bill_id,) = account_with_bills("100.00")
    account.charge_late_fee(
        bill_id,
        through=date(2026, 1, 25),
        daily_rate=D("0.01"),
        grace_days=0,
        cap_ratio=D(1),
        at=AT,
    )  # 10 days: 10.00
    late = waive(account, bill_id, "4.00", part="late_fee")
    whole = waive(account, bill_id, "103.00")
    account.collect_events()
    account.settle_waiver(late, True, "approved", date(2026, 2, 1), AT)
    account.settle_waiver(whole, True, "approved", date(2026, 2, 1), AT)
    events = account.collect_events()
    assert [(type(e).__name__, e.amount) for e in events] == [
        ("LateFeeWaived", D("4.00")),
        ("BillWaived", D("100.00")),
        ("LateFeeWaived", D("3.00")),
    ]
    entry = post("LateFeeWaived", vars(events[0]))
    assert entry is not None
    assert [(line.account, line.debit, line.credit) for line in entry.lines] == [
        ("6051", D("4.00"), D(0)),
        ("1122", D(0), D("4.00")),
    ]
    (bill,) = account.bills.values()
    assert (bill.late_fee_due, bill.principal_due, bill.outstanding) == (D(3), D(0), D(3))


def test_version_1_events_stored_before_decision_0022_read_as_before() -> None:
    """A v1 ``LateFeeCharged`` (no ``accrued``) and ``WaiverRequested`` (no ``part``)
    as the log holds them are read back upcast, and the account they rebuild
    counts the charged late fee as accrued and the waiver as one of the bill."""
    log = MemoryEventLog()
    account, (bill_id,) = account_with_bills("100.00")
    rebuilt = copy.deepcopy(account)  # as the log had it before these events
    late_fee(account, bill_id, date(2026, 1, 20))  # 5 days at 1 %: 5.00, the cap
    waive(account, bill_id, "1.00")
    log.save_and_position(account)
    stored = log.recorder.select_notifications(1, 100)
    old = []
    for note in stored:
        state = log.mapper.transcoder.decode(note.state)
        if note.topic.endswith(("LateFeeCharged", "WaiverRequested")):
            for v2 in ("class_version", "accrued", "part"):
                state.pop(v2, None)
        old.append(dataclasses.replace(note, state=log.mapper.transcoder.encode(state)))
    events = [log.mapper.to_domain_event(note) for note in old]
    charged, asked = events[-2:]
    assert (charged.accrued, asked.part) == (None, "bill")
    for event in events:
        rebuilt = event.mutate(rebuilt)
    (bill,) = rebuilt.bills.values()
    assert (bill.late_fees, bill.accrued, rebuilt.waivers[asked.waiver_id]["part"]) == (
        D("5.00"),
        D("5.00"),
        "bill",
    )
    terms: dict[str, object] = {}
    FeeSchedule.TermsSet.upcast_v1_v2(terms)
    assert terms["settlement_order"] == "art_561"
