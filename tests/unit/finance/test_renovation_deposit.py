"""Renovation deposits (装修押金) in the domain: what may be refunded and forfeited,
and what each movement posts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.postings import entry_for
from domain.finance.renovation import RenovationDeposit, renovation_deposit_id
from projections.events import kind_of, payload_of

AT = datetime(2026, 5, 1, tzinfo=UTC)
DAY = date(2026, 5, 1)
D = Decimal


def taken(amount: str = "2000.00", method: str = "cash") -> RenovationDeposit:
    return RenovationDeposit.take(
        estate_id=uuid4(),
        unit_id=uuid4(),
        amount=amount,
        currency="CNY",
        method=method,
        reference=" ZX-1 ",
        renovation="kitchen",
        booked_on=DAY,
        received_by=uuid4(),
        at=AT,
    )


def refund(deposit: RenovationDeposit, amount: object = None, reference: str = "R1") -> D:
    return deposit.refund(
        amount=amount,
        method="bank_transfer",
        reference=reference,
        inspection="passed",
        booked_on=DAY,
        refunded_by=uuid4(),
        at=AT,
    )


def entries(deposit: RenovationDeposit) -> list[list[tuple[str, D, D]]]:
    found = []
    for event in deposit.collect_events():
        entry = entry_for(*kind_of(event), payload_of(event))
        if entry is not None:
            found.append([(x.account, x.debit, x.credit) for x in entry.lines])
    return found


def test_the_id_is_the_receipt_of_the_estate() -> None:
    deposit = taken()
    assert deposit.id == renovation_deposit_id(deposit.estate_id, "ZX-1")


def test_taken_refunded_forfeited_post_to_the_liability_never_to_fee_revenue() -> None:
    """2,000.00 cash taken; 300.00 forfeited on approval; 1,700.00 refunded by bank."""
    deposit = taken()
    approval = uuid4()
    deposit.ask_forfeit(
        approval_id=approval, amount="300.00", reason="wall", requested_by=uuid4(), at=AT
    )
    assert deposit.refundable == D("1700.00")
    deposit.forfeit_decided(approval, "approved", None, DAY, AT)
    assert refund(deposit) == D("1700.00")
    assert deposit.balance == 0 and str(deposit.status) == "closed"
    assert entries(deposit) == [
        [("1001", D("2000.00"), D(0)), ("2241.03", D(0), D("2000.00"))],
        [("6301", D(0), D("300.00")), ("2241.03", D("300.00"), D(0))],
        [("1002", D(0), D("1700.00")), ("2241.03", D("1700.00"), D(0))],
    ]
    with pytest.raises(InvalidTransition):
        refund(deposit, reference="R2")


def test_a_pending_forfeit_holds_its_amount_and_a_rejected_one_lapses() -> None:
    deposit = taken("1000.00")
    approval = uuid4()
    deposit.ask_forfeit(
        approval_id=approval, amount="1000.00", reason="x", requested_by=uuid4(), at=AT
    )
    with pytest.raises(InvalidTransition):
        refund(deposit)  # nothing free
    with pytest.raises(InvalidTransition):
        deposit.ask_forfeit(
            approval_id=uuid4(), amount="1", reason="y", requested_by=uuid4(), at=AT
        )
    deposit.forfeit_decided(uuid4(), "approved", None, DAY, AT)  # another approval: ignored
    assert deposit.balance == D("1000.00")
    deposit.forfeit_decided(approval, "rejected", "no proof", DAY, AT)
    assert deposit.pending is None and deposit.refundable == D("1000.00")
    names = [kind_of(e)[1] for e in deposit.collect_events()]
    assert names == ["Taken", "ForfeitRequested", "ForfeitLapsed"]


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("2000.01", ValidationFailed),
        ("0", ValidationFailed),
        ("1.001", ValidationFailed),
        (1.5, ValidationFailed),
    ],
)
def test_refunds_and_forfeits_are_bounded_by_what_is_held(amount: object, error: type) -> None:
    deposit = taken()
    with pytest.raises(error):
        refund(deposit, amount)
    with pytest.raises(error):
        deposit.ask_forfeit(
            approval_id=uuid4(), amount=amount, reason="x", requested_by=uuid4(), at=AT
        )


def test_a_refund_reference_is_used_once_and_bad_takes_are_refused() -> None:
    deposit = taken()
    refund(deposit, "100.00")
    with pytest.raises(InvalidTransition):
        refund(deposit, "100.00")
    with pytest.raises(ValidationFailed):
        taken(method="online")
    with pytest.raises(ValidationFailed):
        taken(amount="-1.00")
