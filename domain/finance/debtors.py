"""Whose debt a bill is, and whose credit an overpayment is (issue 14, defect 2; decision 0021).

A bill's debtors are its payers at billing time (``BillIssued.payer_ids``:
the owner, co-owners together, or the vacancy payer). A payment names its
payer and settles only bills that payer owes; what is left is that payer's
credit on the unit. Which bills a payer may settle is one pure filter
(:func:`owed_by`), apart from the order they are settled in, so that an
ordering rule (Civil Code art. 561: late fees before principal) composes
with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from uuid import UUID

from domain.errors import ValidationFailed
from domain.finance.bills import Bill

#: The holder of credit left by payments recorded before payments named their
#: payer (``PaymentReceived`` version 1): as before, any bill of the unit may use it.
UNNAMED: UUID | None = None

#: How far back the clerk may date the money's arrival (到账日).
RECEIVED_WITHIN = timedelta(days=366)


def owed_by(bills: Iterable[Bill], payer_id: UUID) -> list[Bill]:
    """The bills ``payer_id`` owes, in the order given (the order is the caller's)."""
    return [b for b in bills if payer_id in b.debtors]


def credit_key(holder: UUID | None) -> str:
    """The key under which a bill records what ``holder``'s credit paid of it."""
    return "credit" if holder is None else f"credit:{holder}"


def holders_for(debtors: Sequence[UUID]) -> list[UUID | None]:
    """Whose credit may settle a bill of ``debtors``: credit of no named payer
    first (it settled any bill before payers were named), then each debtor's."""
    return [UNNAMED, *debtors]


def payer_of(payer_id: UUID | None, owners_now: Sequence[UUID], debtors: set[UUID]) -> UUID:
    """The payment's payer: the one named, else the unit's first current owner.

    Refused (422) without either, or when the payer named neither owes nor
    owed on this unit nor owns it now.
    """
    if payer_id is None:
        if not owners_now:
            raise ValidationFailed(
                "payer_id: the unit has no owner now; name whose debt this payment pays"
            )
        return owners_now[0]
    if payer_id not in debtors and payer_id not in owners_now:
        raise ValidationFailed(
            "payer_id: this person owes nothing on this unit and does not own it"
        )
    return payer_id


def received_on_for(received_on: date | None, booked_on: date) -> date:
    """The day the money arrived (到账日): the booking day unless given; never in
    the future, and at most a year back."""
    if received_on is None:
        return booked_on
    if received_on > booked_on:
        raise ValidationFailed("received_on: the money cannot arrive after today")
    if received_on < booked_on - RECEIVED_WITHIN:
        raise ValidationFailed("received_on: at most a year back")
    return received_on
