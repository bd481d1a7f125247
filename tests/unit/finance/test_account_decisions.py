"""The decisions mixed into the unit account and the fee schedule, told as stories.

The decisions live in ``account_payments.py``, ``account_arrears.py``,
``account_approvals.py`` and ``rate_changes.py``; they record through the
``@event`` methods of their aggregate, which mypy sees only loosely. These
stories call every one of those methods on the pure aggregates (no log, no
database), so a decision that records with a wrong argument fails here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account import BillLine, UnitAccount
from domain.finance.rates import FeeSchedule

AT = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
CLERK = uuid4()


def recorded(aggregate: UnitAccount | FeeSchedule) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def account_with_bills(*amounts: str) -> tuple[UnitAccount, list[UUID]]:
    """An account with one bill of each amount, due a month apart, oldest first."""
    account = UnitAccount.open(estate_id=uuid4(), unit_id=uuid4(), currency="CNY", at=AT)
    bill_ids = []
    for month, amount in enumerate(amounts, start=1):
        bill_id = uuid4()
        line = BillLine(
            "property_fee", "fee", Decimal(1), "m2·month", Decimal(amount), Decimal(amount)
        )
        account.issue_bill(
            bill_id=bill_id,
            period=f"2026-{month:02d}",
            run_id=uuid4(),
            lines=[line],
            payer_ids=[CLERK],
            days=28,
            days_in_period=28,
            issued_on=date(2026, month, 1),
            due_on=date(2026, month, 15),
            at=AT,
        )
        bill_ids.append(bill_id)
    account.collect_events()
    return account, bill_ids


def pay(account: UnitAccount, amount: str, reference: str | None = "B-1") -> UUID:
    payment_id = uuid4()
    account.receive_payment(
        payment_id=payment_id,
        method="bank_transfer",
        amount=amount,
        currency="CNY",
        reference=reference,
        bill_id=None,
        recorded_by=CLERK,
        on=date(2026, 3, 5),
        at=AT,
        payer_id=CLERK,  # the debtor of the bills account_with_bills issues
    )
    return payment_id


def late_fee(account: UnitAccount, bill_id: UUID, through: date) -> Decimal:
    rate, cap = Decimal("0.01"), Decimal("0.05")
    return account.charge_late_fee(
        bill_id, through=through, daily_rate=rate, grace_days=0, cap_ratio=cap, at=AT
    )


def waive(account: UnitAccount, bill_id: UUID, amount: str, part: str = "bill") -> UUID:
    waiver_id = uuid4()
    account.request_waiver(
        waiver_id=waiver_id,
        bill_id=bill_id,
        amount=amount,
        currency="CNY",
        reason="leak",
        approval_id=uuid4(),
        requested_by=CLERK,
        at=AT,
        part=part,
    )
    return waiver_id


def refund(account: UnitAccount, amount: str, method: str = "bank_transfer") -> UUID:
    refund_id = uuid4()
    account.request_refund(
        refund_id=refund_id,
        amount=amount,
        currency="CNY",
        method=method,
        reason="moved out",
        approval_id=uuid4(),
        requested_by=CLERK,
        at=AT,
    )
    return refund_id


def test_a_payment_settles_the_oldest_bill_first_and_keeps_the_rest_as_credit() -> None:
    account, (older, newer) = account_with_bills("100.00", "80.00")
    pay(account, "200.00")
    assert recorded(account) == ["PaymentReceived"]
    assert account.bills[older].outstanding == 0
    assert account.bills[newer].outstanding == 0
    assert account.credit == Decimal("20.00")


def test_a_repeated_reference_is_refused() -> None:
    account, _ = account_with_bills("100.00")
    pay(account, "10.00")
    with pytest.raises(InvalidTransition):
        pay(account, "10.00")


def test_a_reversed_payments_reference_is_free_again_on_its_account() -> None:
    account, _ = account_with_bills("100.00")
    payment_id = pay(account, "10.00")
    account.reverse_payment(payment_id, "wrong unit", CLERK, date(2026, 3, 6), AT)
    again = pay(account, "10.00")  # the same bank line, applied once more
    assert account.payments[again]["reference"] == "B-1"
    with pytest.raises(InvalidTransition):
        pay(account, "10.00")


def test_a_reversed_payment_makes_its_bill_owed_again_and_cannot_be_reversed_twice() -> None:
    account, (bill_id,) = account_with_bills("100.00")
    payment_id = pay(account, "100.00")
    account.collect_events()
    account.reverse_payment(payment_id, "typed twice", CLERK, date(2026, 3, 6), AT)
    assert recorded(account) == ["PaymentReversed"]
    assert account.bills[bill_id].outstanding == Decimal("100.00")
    with pytest.raises(InvalidTransition):
        account.reverse_payment(payment_id, "again", CLERK, date(2026, 3, 6), AT)


def test_a_late_fee_accrues_daily_up_to_its_cap_and_a_reminder_is_sent_once_per_level() -> None:
    account, (bill_id,) = account_with_bills("100.00")
    # Ten days of 1.00 a day, capped at 5% of the 100.00 principal.
    assert late_fee(account, bill_id, date(2026, 1, 25)) == Decimal("5.00")
    assert late_fee(account, bill_id, date(2026, 2, 25)) == 0
    account.dun(1, [bill_id], [CLERK], AT)
    account.dun(1, [bill_id], [CLERK], AT)
    assert recorded(account) == ["LateFeeCharged", "Dunned"]


def test_a_waiver_waits_for_its_approval_and_never_exceeds_what_is_left() -> None:
    account, (bill_id,) = account_with_bills("100.00")
    first = waive(account, bill_id, "60.00")
    with pytest.raises(InvalidTransition):
        waive(account, bill_id, "50.00")
    second = waive(account, bill_id, "40.00")
    account.settle_waiver(first, True, "approved", date(2026, 3, 6), AT)
    account.settle_waiver(second, False, "rejected", date(2026, 3, 6), AT)
    assert recorded(account) == [
        "WaiverRequested",
        "WaiverRequested",
        "BillWaived",
        "WaiverDeclined",
    ]
    assert account.bills[bill_id].outstanding == Decimal("40.00")


def test_a_refund_holds_credit_until_its_approval_decides() -> None:
    account, _ = account_with_bills("100.00")
    pay(account, "150.00")
    account.collect_events()
    kept = refund(account, "30.00")
    with pytest.raises(InvalidTransition):
        refund(account, "30.00")
    account.settle_refund(kept, False, "rejected", date(2026, 3, 6), AT)
    paid = refund(account, "50.00")
    account.settle_refund(paid, True, "approved", date(2026, 3, 6), AT)
    assert recorded(account) == ["RefundRequested", "RefundDeclined", "RefundRequested", "Refunded"]
    assert account.credit == 0
    with pytest.raises(ValidationFailed):
        refund(account, "1.00", method="online")


def propose(schedule: FeeSchedule, rate: str, contract_reference: str | None = None) -> UUID:
    approval_id = uuid4()
    schedule.propose_rate_change(
        change_id=uuid4(),
        item="property_fee",
        rate=rate,
        currency="CNY",
        basis=None,
        effective_from=date(2026, 4, 1),
        resolution=None,
        contract_reference=contract_reference,
        approval_id=approval_id,
        proposed_by=CLERK,
        at=AT,
    )
    return approval_id


def test_the_first_rate_cites_the_contract_and_a_change_in_force_needs_a_resolution() -> None:
    schedule = FeeSchedule.open(estate_id=uuid4(), at=AT)
    with pytest.raises(ValidationFailed):
        propose(schedule, "2.50")
    approval_id = propose(schedule, "2.50", contract_reference="PSC-2025-01")
    with pytest.raises(InvalidTransition):
        propose(schedule, "2.60", contract_reference="PSC-2025-01")
    schedule.approval_decided(approval_id, "approved", AT)
    in_force = schedule.rate_on("property_fee", date(2026, 4, 1))
    assert in_force is not None
    assert in_force.rate == Decimal("2.50")
    with pytest.raises(ValidationFailed):
        propose(schedule, "2.60", contract_reference="PSC-2025-01")
    assert recorded(schedule) == ["Opened", "RateChangeProposed", "RateChangeAdopted"]


def test_a_rejected_rate_change_is_never_in_force() -> None:
    schedule = FeeSchedule.open(estate_id=uuid4(), at=AT)
    approval_id = propose(schedule, "2.50", contract_reference="PSC-2025-01")
    schedule.approval_decided(approval_id, "rejected", AT)
    schedule.approval_decided(approval_id, "approved", AT)
    assert schedule.rate_on("property_fee", date(2026, 4, 1)) is None
    assert recorded(schedule) == ["Opened", "RateChangeProposed", "RateChangeRejected"]
