"""A payment's reference, claimed once per estate and receiving account (issue 14, defect 9).

A bank-statement line is money received once, so its reference may pay one
unit's account, not one per unit. One small aggregate per (estate, account
the money came into, reference) holds the claim; its ID derives from the
three, and the payment service saves it in the same append as the payment.
Two payments of one line, on any units and at the same moment, cannot both
record: the second append conflicts on the claim's version, the way a
username is unique (``domain/identity/accounts.py``). The accounts are the
payment method's (``PAYMENT_ACCOUNTS``): the bank account 1002 for
transfers, online clearing 1012 for a provider's transaction number, the
cash box 1001 for a receipt number.

A reversed payment releases its claim: the line was not applied after all
and may be applied again, to the right unit. A cash receipt is different:
the paper receipt was written and handed over, so a reversal voids its
number (作废, ``Voided``), which is kept and never used again; the clerk
writes a new receipt. A payment recorded before claims existed holds none;
its reversal releases nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition
from domain.finance.accounts import CASH, CHART

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/payment-references")


def reference_id(estate_id: UUID, account: str, reference: str) -> UUID:
    """The claim's ID: case and surrounding blanks do not make another bank line."""
    return uuid5(NAMESPACE, f"{estate_id}:{account}:{reference.strip().upper()}")


class ReferenceTaken(InvalidTransition):
    title = "Reference already applied"


class PaymentReference(Aggregate):
    """Which payment, if any, a reference of an estate's receiving account paid."""

    # A class default, so a claim saved before receipts were voided reads as not void.
    voided_with: UUID | None = None

    @staticmethod
    def create_id(estate_id: UUID, account: str, reference: str, **_: Any) -> UUID:
        return reference_id(estate_id, account, reference)

    @event("Opened")
    def __init__(self, estate_id: UUID, account: str, reference: str, at: datetime) -> None:
        self.estate_id = estate_id
        self.account = account
        self.reference = reference
        self.payment_id: UUID | None = None
        self.unit_id: UUID | None = None

    def claim(self, *, payment_id: UUID, unit_id: UUID, at: datetime) -> None:
        if self.voided_with is not None:
            raise ReferenceTaken(
                f"receipt {self.reference} was voided when payment {self.voided_with} "
                "was reversed; a voided receipt number is not used again: write a new receipt"
            )
        if self.payment_id is not None:
            name = CHART[self.account].name.lower()
            raise ReferenceTaken(
                f"reference {self.reference} of {name} ({self.account}) is already applied: "
                f"payment {self.payment_id} on unit {self.unit_id}; reverse it first"
            )
        self._claimed(payment_id=payment_id, unit_id=unit_id, at=at)

    @event("Claimed")
    def _claimed(self, payment_id: UUID, unit_id: UUID, at: datetime) -> None:
        self.payment_id = payment_id
        self.unit_id = unit_id

    def release(self, *, payment_id: UUID, at: datetime) -> bool:
        """Free the reference if ``payment_id`` holds it (False: it holds nothing here);
        a cash receipt's number is voided instead, for good."""
        if self.payment_id != payment_id:
            return False
        if self.account == CASH:
            self._voided(payment_id=payment_id, at=at)
        else:
            self._released(payment_id=payment_id, at=at)
        return True

    @event("Voided")
    def _voided(self, payment_id: UUID, at: datetime) -> None:
        self.payment_id = None
        self.unit_id = None
        self.voided_with = payment_id

    @event("Released")
    def _released(self, payment_id: UUID, at: datetime) -> None:
        self.payment_id = None
        self.unit_id = None
