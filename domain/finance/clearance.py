"""物业费结清证明: a certificate that one person owes nothing on a unit (decision 0021).

At a sale the seller asks the property company to confirm that every fee
they owed on the unit is paid. :func:`clearance_figures` decides from the
unit's account: the person's bills (those they were a debtor of at billing
time) issued on or before ``as_of`` must have nothing left to pay; then a
:class:`ClearanceCertificate` records who issued it, for whom, as of when,
and the figures. With a bill open nothing is recorded (409, naming the bills).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account import UnitAccount
from domain.finance.bills import ZERO
from domain.finance.debtors import owed_by


def clearance_figures(
    account: UnitAccount | None, person_id: UUID, as_of: date, today: date
) -> dict[str, Any]:
    """What a certificate states: the person's bills up to ``as_of``, all paid.

    Refused (422) for a date after today, and (409) while any of those bills
    has something left to pay, naming them.
    """
    if as_of > today:
        raise ValidationFailed("as_of: a certificate speaks of today or the past")
    bills = [] if account is None else owed_by(account.bills.values(), person_id)
    bills = sorted((b for b in bills if b.issued_on <= as_of), key=lambda b: (b.period, b.due_on))
    unpaid = [b for b in bills if b.outstanding > 0]
    if unpaid:
        listed = ", ".join(f"{b.period} bill {b.bill_id} ({b.outstanding})" for b in unpaid)
        raise InvalidTransition(f"this person still owes on this unit: {listed}")
    return {
        "bill_ids": [b.bill_id for b in bills],
        "charged": sum((b.charged for b in bills), ZERO),
        "paid": sum((b.paid for b in bills), ZERO),
        "waived": sum((b.waived for b in bills), ZERO),
        "outstanding": ZERO,
    }


class ClearanceCertificate(Aggregate):
    """One issued certificate: it is never edited; a later one is a new certificate."""

    @event("Issued")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        unit_id: UUID,
        person_id: UUID,
        as_of: date,
        currency: str,
        bill_ids: list[UUID],
        charged: Decimal,
        paid: Decimal,
        waived: Decimal,
        outstanding: Decimal,
        issued_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.person_id = person_id
        self.as_of = as_of
        self.currency = currency
        self.bill_ids = bill_ids
        self.charged = charged
        self.paid = paid
        self.waived = waived
        self.issued_by = issued_by
        self.at = at
