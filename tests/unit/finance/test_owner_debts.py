"""Debts belong to the debtor (issue 14, defect 2; decision 0021): the domain rules.

A payment settles only its payer's bills, the rest is its payer's credit,
a later bill of another person is not settled from it, refunds and
reversals follow the person; a version 1 ``PaymentReceived`` (no payer, no
day of arrival) still loads and posts the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account import BillLine, UnitAccount
from domain.finance.clearance import clearance_figures
from domain.finance.debtors import owed_by, payer_of, received_on_for
from domain.finance.postings import entry_for
from tests.support.memory import MemoryEventLog

AT = datetime(2026, 2, 1, 9, tzinfo=UTC)
TODAY = date(2026, 2, 1)
CLERK, SELLER, BUYER = uuid4(), uuid4(), uuid4()


def issue(account: UnitAccount, amount: str, payers: list[UUID], period: str) -> UUID:
    bill_id = uuid4()
    value = Decimal(amount)
    account.issue_bill(
        bill_id=bill_id,
        period=period,
        run_id=uuid4(),
        lines=[BillLine("property_fee", "fee", Decimal(1), "m2·month", value, value)],
        payer_ids=payers,
        days=31,
        days_in_period=31,
        issued_on=TODAY,
        due_on=date(2026, 2, 16),
        at=AT,
    )
    return bill_id


def sold() -> tuple[UnitAccount, UUID, UUID]:
    """January split at a sale: the seller's 116.13, the buyer's 83.87."""
    account = UnitAccount.open(uuid4(), uuid4(), "CNY", AT)
    return (
        account,
        issue(account, "116.13", [SELLER], "2026-01"),
        issue(account, "83.87", [BUYER], "2026-01"),
    )


def pay(account: UnitAccount, amount: str, payer: UUID | None, **extra: Any) -> UUID:
    payment_id = uuid4()
    account.receive_payment(
        payment_id=payment_id,
        method="cash",
        amount=amount,
        currency="CNY",
        reference=f"SJ-{payment_id.hex[:8]}",
        bill_id=extra.pop("bill_id", None),
        recorded_by=CLERK,
        on=TODAY,
        at=AT,
        payer_id=payer,
        **extra,
    )
    return payment_id


def test_a_payment_settles_its_payers_bills_only_and_the_rest_is_the_payers_credit() -> None:
    account, sellers, buyers = sold()
    paid = pay(account, "100.00", None, owners_now=[BUYER])  # the owner now, by default
    assert account.payments[paid]["payer_id"] == BUYER
    assert account.bills[sellers].outstanding == Decimal("116.13")
    assert account.bills[buyers].outstanding == 0
    assert (account.credit_of(BUYER), account.credit_of(SELLER)) == (Decimal("16.13"), 0)
    # A later bill of the seller is not settled from the buyer's credit; the buyer's is.
    later_sellers = issue(account, "10.00", [SELLER], "2026-02")
    later_buyers = issue(account, "10.00", [BUYER], "2026-02")
    assert account.bills[later_sellers].paid == 0
    assert account.bills[later_buyers].paid == Decimal("10.00")
    assert account.credit_of(BUYER) == Decimal("6.13")


def test_co_owners_owe_together_and_either_may_pay() -> None:
    account = UnitAccount.open(uuid4(), uuid4(), "CNY", AT)
    wife, husband = uuid4(), uuid4()
    joint = issue(account, "50.00", [wife, husband], "2026-01")
    pay(account, "60.00", husband)
    assert account.bills[joint].outstanding == 0
    assert account.credit_of(husband) == Decimal("10.00")
    assert account.bills[issue(account, "5.00", [wife, husband], "2026-02")].outstanding == 0


def test_a_payment_is_refused_for_another_persons_bill_a_stranger_or_a_bad_day() -> None:
    account, sellers, _ = sold()
    account.collect_events()
    for payer, extra in [
        (BUYER, {"bill_id": sellers}),
        (uuid4(), {}),  # never owed nor owns here
        (None, {}),  # nobody owns the unit now and none is named
        (BUYER, {"received_on": date(2026, 2, 2)}),
        (BUYER, {"received_on": date(2025, 1, 30)}),
    ]:
        with pytest.raises(ValidationFailed):
            pay(account, "10.00", payer, **extra)
    assert account.collect_events() == []
    pay(account, "10.00", SELLER, received_on=date(2026, 1, 20))
    [event] = account.collect_events()
    assert (event.payer_id, event.received_on, event.booked_on) == (
        SELLER,
        date(2026, 1, 20),
        TODAY,
    )


def test_the_eligibility_filter_keeps_the_callers_order() -> None:
    account, sellers, buyers = sold()
    both = issue(account, "1.00", [SELLER, BUYER], "2026-02")
    bills = [account.bills[b] for b in (both, buyers, sellers)]
    assert [b.bill_id for b in owed_by(bills, BUYER)] == [both, buyers]
    assert owed_by(bills, uuid4()) == []
    assert payer_of(None, [BUYER, SELLER], set()) == BUYER
    assert received_on_for(None, TODAY) == TODAY


def test_reversing_a_payment_takes_back_only_its_payers_credit() -> None:
    account, sellers, buyers = sold()
    buyer_paid = pay(account, "100.00", BUYER)  # 16.13 the buyer's credit
    pay(account, "120.00", SELLER)  # 3.87 the seller's credit
    feb = issue(account, "10.00", [BUYER], "2026-02")  # settled from the buyer's credit
    assert account.bills[feb].payments == {f"credit:{BUYER}": Decimal("10.00")}
    account.reverse_payment(buyer_paid, "keyed twice", CLERK, TODAY, AT)
    names = [type(e).__name__ for e in account.collect_events()][-2:]
    assert names == ["CreditWithdrawn", "PaymentReversed"]
    assert account.bills[feb].outstanding == Decimal("10.00")
    assert account.bills[buyers].outstanding == Decimal("83.87")
    assert account.bills[sellers].outstanding == 0
    assert (account.credit_of(BUYER), account.credit_of(SELLER)) == (0, Decimal("3.87"))


def test_a_refund_comes_from_the_named_persons_credit() -> None:
    account, _, _ = sold()
    pay(account, "100.00", BUYER)
    pay(account, "120.00", SELLER)
    refund = dict(amount="5.00", currency="CNY", method="cash", reason="sold", at=AT)
    with pytest.raises(ValidationFailed, match="several people"):
        account.request_refund(refund_id=uuid4(), approval_id=uuid4(), requested_by=CLERK, **refund)
    with pytest.raises(InvalidTransition):
        account.request_refund(
            refund_id=uuid4(), approval_id=uuid4(), requested_by=CLERK, payer_id=SELLER, **refund
        )
    refund_id, approval_id = uuid4(), uuid4()
    account.request_refund(
        refund_id=refund_id, approval_id=approval_id, requested_by=CLERK, payer_id=BUYER, **refund
    )
    assert account.credit_of(BUYER) == Decimal("11.13")
    account.settle_refund(refund_id, True, "approved", TODAY, AT)
    assert (account.credit_of(BUYER), account.credits[BUYER]) == (Decimal("11.13"),) * 2


def test_a_clearance_needs_every_bill_of_the_person_paid() -> None:
    account, sellers, _ = sold()
    with pytest.raises(InvalidTransition, match=str(sellers)):
        clearance_figures(account, SELLER, TODAY, TODAY)
    pay(account, "116.13", SELLER)
    figures = clearance_figures(account, SELLER, TODAY, TODAY)
    assert (figures["bill_ids"], figures["paid"]) == ([sellers], Decimal("116.13"))
    with pytest.raises(ValidationFailed):
        clearance_figures(account, SELLER, date(2026, 2, 2), TODAY)
    # Bills issued after the day asked about are not part of it.
    issue(account, "10.00", [SELLER], "2026-02")
    assert clearance_figures(account, SELLER, date(2026, 1, 31), TODAY)["bill_ids"] == []


def test_a_version_1_payment_loads_as_before_and_posts_the_same_entry() -> None:
    log = MemoryEventLog()
    account, sellers, buyers = sold()
    paid = pay(account, "250.00", SELLER)
    events = account.collect_events()
    mapper = log.mapper_with_metadata
    stored = mapper.to_stored_event(events[-1])
    state = mapper.transcoder.decode(stored.state)
    # The shape a payment was stored in before decision 0021.
    for key in ("payer_id", "received_on", "class_version"):
        del state[key]
    old = StoredEvent(
        stored.originator_id,
        stored.originator_version,
        stored.topic,
        mapper.transcoder.encode(state),
    )
    loaded = mapper.to_domain_event(old)
    assert (loaded.payer_id, loaded.received_on) == (None, TODAY)  # type: ignore[attr-defined]

    replayed = None
    for event in [*events[:-1], loaded]:
        replayed = event.mutate(replayed)  # type: ignore[attr-defined]
    assert isinstance(replayed, UnitAccount)
    # Its allocations replay as stored; the rest is nobody's credit in particular.
    assert replayed.payments[paid]["payer_id"] is None
    assert replayed.bills[sellers].outstanding == 0
    assert replayed.bills[buyers].outstanding == Decimal("83.87")
    assert replayed.credit_of(None) == replayed.credit == Decimal("133.87")
    # Any later bill of the unit may use that credit, as it could then.
    assert replayed.bills[issue(replayed, "20.00", [BUYER], "2026-02")].outstanding == 0

    def entry(event: Any) -> Any:
        return entry_for("UnitAccount", "PaymentReceived", vars(event))

    assert entry(loaded) == entry(events[-1])
