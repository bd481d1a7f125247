"""A unit account works on its open items only; its settled ones wait in an archive.

Whatever an account's age, what a command copies and scans is what is open
(decision 0033): the bills left to pay, the payments on them, the waivers,
refunds and reversals awaiting a decision. What it answers is what a naive
fold of all its events answers, and a settled bill or payment of long ago is
still found, reversed and owed again.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account import BillLine, UnitAccount
from domain.finance.archive import Archive
from tests.support.aggregates import assert_same_state, typed
from tests.support.examples import examples

AT = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
OWNER, BUYER, CLERK = (uuid5(NAMESPACE_URL, name) for name in ("owner", "buyer", "clerk"))


def _id(*parts: object) -> UUID:
    return uuid5(NAMESPACE_URL, "/".join(map(str, parts)))


def _bill(account: UnitAccount, month: int, amount: Decimal, payer: UUID = OWNER) -> UUID:
    starts = date(2020 + month // 12, month % 12 + 1, 1)
    bill_id = _id("bill", month)
    account.issue_bill(
        bill_id=bill_id,
        period=f"{starts:%Y-%m}",
        run_id=_id("run", month),
        lines=[BillLine("property_fee", "fee", Decimal(1), "m2·month", amount, amount)],
        payer_ids=[payer],
        days=28,
        days_in_period=28,
        issued_on=starts,
        due_on=starts.replace(day=28),
        at=AT,
    )
    return bill_id


def _pay(account: UnitAccount, key: object, amount: Decimal, payer: UUID = OWNER) -> UUID:
    payment_id = _id("payment", key)
    account.receive_payment(
        payment_id=payment_id,
        method="bank_transfer",
        amount=str(amount),
        currency="CNY",
        reference=f"R-{key}",
        bill_id=None,
        recorded_by=CLERK,
        on=date(2026, 3, 5),
        at=AT,
        payer_id=payer,
    )
    return payment_id


def _account() -> UnitAccount:
    return UnitAccount.open(estate_id=_id("estate"), unit_id=_id("unit"), currency="CNY", at=AT)


def _years_billed_and_paid(months: int, unpaid_last: int = 0) -> UnitAccount:
    account = _account()
    for month in range(months):
        _bill(account, month, Decimal("312.50"))
        if month < months - unpaid_last:
            _pay(account, month, Decimal("312.50"))
    return account


@pytest.mark.parametrize("months", [1, 12, 120])
def test_the_open_items_are_the_unpaid_bills_whatever_the_accounts_age(months: int) -> None:
    paid_up = _years_billed_and_paid(months)
    assert (len(paid_up.bills.open), len(paid_up.payments.open)) == (0, 0)
    assert len(paid_up.bills) == len(paid_up.bills.archive) == months

    behind = _years_billed_and_paid(months, unpaid_last=1)
    assert [b.bill_id for b in behind.open_bills] == list(behind.bills.open)
    assert len(behind.bills.open) == 1
    assert behind.outstanding == Decimal("312.50")


def test_a_commands_copy_shares_the_archive_and_copies_only_the_open_items() -> None:
    account = _years_billed_and_paid(24, unpaid_last=2)
    copied = copy.deepcopy(account)
    assert copied.bills.archive is account.bills.archive
    assert copied.payments.archive is account.payments.archive
    assert copied.references is account.references
    assert copied.bills.open == account.bills.open
    assert copied.bills.open is not account.bills.open
    (first, _) = copied.bills.open.values()
    assert first is not account.bills.open[first.bill_id]

    _pay(copied, "late", Decimal("625.00"))  # settles both: the copy's archive is replaced
    assert copied.bills.archive is not account.bills.archive
    assert (len(copied.bills.open), len(account.bills.open)) == (0, 2)
    assert len(account.bills.archive) == 22  # the cached account is as it was


def test_a_payment_of_long_ago_reversed_makes_its_archived_bill_owed_again() -> None:
    account = _years_billed_and_paid(36)
    first_bill, first_payment = _id("bill", 0), _id("payment", 0)
    assert first_bill in account.bills.archive and first_payment in account.payments.archive

    account.reverse_payment(first_payment, "bounced", CLERK, date(2026, 3, 6), AT)

    assert [b.bill_id for b in account.open_bills] == [first_bill]
    reopened = account.bills[first_bill]
    assert (reopened.paid, reopened.outstanding) == (Decimal(0), Decimal("312.50"))
    assert str(first_payment) not in reopened.payments
    assert account.outstanding == Decimal("312.50")
    assert account.payments[first_payment]["reversed"] is True
    assert first_payment in account.payments.archive  # it holds nothing open
    assert "bank_transfer:R-0" not in account.references  # its bank line may come again
    with pytest.raises(InvalidTransition):
        account.reverse_payment(first_payment, "again", CLERK, date(2026, 3, 6), AT)
    _pay(account, "again", Decimal("312.50"))
    assert account.open_bills == [] and first_bill in account.bills.archive


def test_a_reversed_overpayment_takes_its_credit_back_from_an_archived_bill() -> None:
    account = _years_billed_and_paid(24, unpaid_last=1)
    over = _pay(account, "over", Decimal("625.00"))  # the open bill, and 312.50 of credit
    settled_by_credit = _bill(account, 24, Decimal("312.50"))
    assert settled_by_credit in account.bills.archive and account.credit == Decimal(0)
    for month in range(25, 37):  # the account lives on; the bill stays archived
        _bill(account, month, Decimal("312.50"))
        _pay(account, month, Decimal("312.50"))
    assert settled_by_credit in account.bills.archive and account.open_bills == []

    account.reverse_payment(over, "bounced", CLERK, date(2026, 3, 6), AT)

    withdrawn = account.bills[settled_by_credit]
    assert (withdrawn.paid, withdrawn.outstanding) == (Decimal(0), Decimal("312.50"))
    assert account.bills[_id("bill", 23)].outstanding == Decimal("312.50")
    assert set(account.bills.open) == {_id("bill", 23), settled_by_credit}
    assert (account.outstanding, account.credit) == (Decimal("625.00"), Decimal(0))


def test_a_settled_bill_is_not_issued_again() -> None:
    account = _years_billed_and_paid(3)
    assert _id("bill", 1) in account.bills.archive
    with pytest.raises(InvalidTransition, match="already been issued"):
        _bill(account, 1, Decimal("312.50"))


def test_a_settled_payments_reference_is_still_refused() -> None:
    account = _years_billed_and_paid(3)
    with pytest.raises(InvalidTransition, match="already recorded"):
        account.receive_payment(
            payment_id=_id("another"),
            method="bank_transfer",
            amount="1.00",
            currency="CNY",
            reference="R-1",
            bill_id=None,
            recorded_by=CLERK,
            on=date(2026, 3, 5),
            at=AT,
            payer_id=OWNER,
        )


def test_an_archive_is_replaced_never_changed() -> None:
    empty: Archive[UUID, int] = Archive()
    one = empty.with_(OWNER, 1)
    two = one.with_(BUYER, 2)
    assert (dict(empty), dict(one), dict(two)) == ({}, {OWNER: 1}, {OWNER: 1, BUYER: 2})
    assert dict(two.without(OWNER)) == {BUYER: 2} and dict(two) == {OWNER: 1, BUYER: 2}
    assert two.without(CLERK) is two
    assert copy.deepcopy(two) is two
    assert "x" not in empty and len(two.with_(OWNER, 3)) == 2


# ---- the account's answers against a naive fold of all its events ------------------

Op = tuple[str, int, int]
ops = st.lists(
    st.tuples(
        st.sampled_from(["bill", "bill", "pay", "pay", "reverse", "reverse", "waive", "refund"])
        | st.just("write_off"),
        st.integers(1, 200_000),  # cents
        st.integers(0, 1_000),  # which: a payer, a payment, a bill
    ),
    max_size=40,
)


def _act(account: UnitAccount, step: int, op: Op, state: dict[str, list[UUID]]) -> None:
    kind, cents, which = op
    amount = Decimal(cents).scaleb(-2)
    payer = (OWNER, BUYER)[which % 2]
    later = date(2026, 3, 6)
    try:
        if kind == "bill":
            state["bills"].append(_bill(account, step, amount, payer))
        elif kind == "pay":
            state["payments"].append(_pay(account, step, amount, payer))
        elif kind == "reverse" and state["payments"]:
            payment_id = state["payments"][which % len(state["payments"])]
            account.reverse_payment(payment_id, "mistaken", CLERK, later, AT)
        elif kind == "waive" and state["bills"]:
            bill_id = state["bills"][which % len(state["bills"])]
            waiver_id, approval_id = _id("waiver", step), _id("approval", step)
            account.request_waiver(
                waiver_id=waiver_id, bill_id=bill_id, amount=str(amount), currency="CNY",
                reason="hardship", approval_id=approval_id, requested_by=CLERK, at=AT,
            )  # fmt: skip
            if which % 3:  # some are decided, some declined, some left pending
                account.settle_waiver(waiver_id, which % 3 == 1, "decided", later, AT)
        elif kind == "refund":
            refund_id = _id("refund", step)
            account.request_refund(
                refund_id=refund_id, amount=str(amount), currency="CNY", method="cash",
                reason="moved out", approval_id=_id("approval", step), requested_by=CLERK,
                at=AT, payer_id=payer,
            )  # fmt: skip
            if which % 3:
                account.settle_refund(refund_id, which % 3 == 1, "decided", later, AT)
        elif kind == "write_off" and state["bills"]:
            bill_id = state["bills"][which % len(state["bills"])]
            owed = account.bill(bill_id).outstanding
            account.write_off(
                request_id=_id("write-off", step), bill_id=bill_id, amount=str(owed),
                currency="CNY", reason="gone", approval_id=_id("approval", step),
                today=later, at=AT,
            )  # fmt: skip
    except (InvalidTransition, ValidationFailed):
        pass  # refused as the account stands: nothing recorded


def _naive(events: list[Any]) -> tuple[dict[UUID, Decimal], set[UUID], Decimal]:
    """What each bill owes, who ever owed, and the credit: from every event, no archive."""
    owed: dict[UUID, Decimal] = {}
    debtors: set[UUID] = set()
    credit = Decimal(0)
    for e in events:
        name = type(e).__name__
        if name == "BillIssued":
            owed[e.bill_id] = e.amount
            debtors.update(e.payer_ids)
        elif name in ("CreditApplied", "CreditWithdrawn"):
            sign = -1 if name == "CreditApplied" else 1
            owed[e.bill_id] += sign * e.amount
            credit += sign * e.amount
        elif name in ("PaymentReceived", "PaymentReversed"):
            sign = -1 if name == "PaymentReceived" else 1
            for part in e.allocations:
                owed[part["bill_id"]] += sign * part["amount"]
            credit -= sign * e.to_credit
        elif name == "LateFeeCharged":
            owed[e.bill_id] += e.amount
        elif name in ("BillWaived", "LateFeeWaived", "BillWrittenOff"):
            owed[e.bill_id] -= e.amount
        elif name == "Refunded":
            credit -= e.amount
    return owed, debtors, credit


@settings(max_examples=examples(150), deadline=None)
@given(ops)
def test_the_accounts_answers_are_a_naive_fold_of_all_its_events(story: list[Op]) -> None:
    account = _account()
    state: dict[str, list[UUID]] = {"bills": [], "payments": []}
    left: list[tuple[UnitAccount, Any]] = []
    for step, op in enumerate(story):
        _act(account, step, op, state)
        if step % 7 == 3:  # a command's copy decides as the cached account would
            left.append((account, typed(vars(account))))
            account = copy.deepcopy(account)
    for cached, as_it_was in left:  # what the copies did left the cached ones alone
        assert typed(vars(cached)) == as_it_was
    events = account.collect_events()
    owed, debtors, credit = _naive(events)

    assert {b.bill_id: b.outstanding for b in account.open_bills} == {
        k: v for k, v in owed.items() if v > 0
    }
    assert {k: account.bills[k].outstanding for k in owed} == owed  # open or archived
    assert set(account.bills.open) == {k for k, v in owed.items() if v != 0}  # bounded
    assert account.outstanding == sum(owed.values(), Decimal(0))
    assert account.debtors == debtors
    assert account.credit == credit
    open_payments = {
        p for p, v in account.payments.open.items()
        if not v["reversed"] and any(a["bill_id"] in account.bills.open for a in v["allocations"])
    }  # fmt: skip
    assert set(account.payments.open) == open_payments
    assert all(w["status"] == "pending" for w in account.waivers.open.values())
    assert all(w["status"] != "pending" for w in account.waivers.archive.values())
    assert all(r["status"] == "pending" for r in account.refunds.open.values())
    assert all(r["status"] != "pending" for r in account.refunds.archive.values())

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert_same_state(replayed, account)  # what is archived depends on the events alone
