"""Renovation deposits (装修押金): an owner's money held while their unit is renovated.

A deposit is a liability, never revenue: the company holds it on
2241.03 (其他应付款—装修押金), a control account kept per unit by the
:class:`RenovationDeposit` aggregates alone. After the works are inspected it
is refunded, in whole or in parts; damage to common parts the inspection
found is covered by forfeiting (罚没) part or all of it, which needs a second
person: the request opens an approval of kind ``renovation_forfeit`` and the
forfeit is booked only when it is approved, as other income (营业外收入), the
repair itself being an expense of its own (decision 0025). A forfeit waiting
for its decision holds its amount: nothing is refunded past what it leaves.

A deposit's ID derives from the estate and its receipt's reference, so the
same receipt is never recorded twice. Postings (``POSTINGS``):

* ``Taken``: Dr 1001 (cash) or 1002 (bank) / Cr 2241.03 (the unit)
* ``Refunded``: Dr 2241.03 (the unit) / Cr 1001 or 1002
* ``Forfeited``: Dr 2241.03 (the unit) / Cr 6301 (营业外收入—没收押金)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.accounts import FORFEITED_DEPOSITS, PAYMENT_ACCOUNTS, RENOVATION_DEPOSITS
from domain.finance.fund_rules import DepositMethod, positive, text
from domain.finance.journal import Entry, Line, PostingFunction
from domain.finance.money import currency_of

APPROVAL_KIND = "renovation_forfeit"
NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/renovation-deposit")


def renovation_deposit_id(estate_id: UUID, reference: str) -> UUID:
    """One deposit per receipt of the estate."""
    return uuid5(NAMESPACE, f"{estate_id}:{reference.strip()}")


class DepositStatus(StrEnum):
    HELD = "held"  # some of it is still held
    CLOSED = "closed"  # refunded and forfeited in full


class RenovationDeposit(Aggregate):
    """One renovation deposit of one unit: taken, refunded or forfeited in parts."""

    @staticmethod
    def create_id(estate_id: UUID, reference: str, **_: Any) -> UUID:
        return renovation_deposit_id(estate_id, reference)

    @classmethod
    def take(
        cls,
        *,
        estate_id: UUID,
        unit_id: UUID,
        amount: object,
        currency: str,
        method: str,
        reference: str,
        renovation: str,
        booked_on: date,
        received_by: UUID,
        at: datetime,
    ) -> RenovationDeposit:
        currency = currency_of(currency)
        return cls(
            estate_id=estate_id,
            unit_id=unit_id,
            amount=positive(amount, currency),
            currency=currency,
            method=_method(method),
            reference=text(reference, "reference", 100),
            renovation=text(renovation, "renovation", 500),
            booked_on=booked_on,
            received_by=received_by,
            at=at,
        )

    @event("Taken")
    def __init__(
        self,
        estate_id: UUID,
        unit_id: UUID,
        amount: Decimal,
        currency: str,
        method: str,
        reference: str,
        renovation: str,
        booked_on: date,
        received_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.amount = amount
        self.currency = currency
        self.balance = amount
        self.received_by = received_by
        self.pending: dict[str, Any] | None = None  # the forfeit waiting for its approval
        self.refund_references: set[str] = set()

    @property
    def status(self) -> DepositStatus:
        return DepositStatus.HELD if self.balance > 0 else DepositStatus.CLOSED

    @property
    def refundable(self) -> Decimal:
        """What may be refunded now: the balance less a forfeit awaiting its decision."""
        return self.balance - (self.pending["amount"] if self.pending else Decimal(0))

    def _open(self) -> None:
        if self.status is DepositStatus.CLOSED:
            raise InvalidTransition("this deposit is refunded and forfeited in full")

    def refund(
        self,
        *,
        amount: object | None,
        method: str,
        reference: str,
        inspection: str,
        booked_on: date,
        refunded_by: UUID,
        at: datetime,
    ) -> Decimal:
        """Pay back ``amount`` (default: all that may be refunded) after the inspection."""
        self._open()
        held = f" ({self.pending['amount']} awaits a forfeit's approval)" if self.pending else ""
        if self.refundable <= 0:
            raise InvalidTransition(f"nothing may be refunded now{held}")
        value = self.refundable if amount is None else positive(amount, self.currency)
        if value > self.refundable:
            raise ValidationFailed(f"amount: at most {self.refundable} may be refunded{held}")
        reference = text(reference, "reference", 100)
        if reference in self.refund_references:
            raise InvalidTransition(f"reference: refund {reference} is already recorded")
        self._refunded(
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            amount=value,
            currency=self.currency,
            method=_method(method),
            reference=reference,
            inspection=text(inspection, "inspection", 500),
            booked_on=booked_on,
            refunded_by=refunded_by,
            at=at,
        )
        return value

    @event("Refunded")
    def _refunded(
        self,
        estate_id: UUID,
        unit_id: UUID,
        amount: Decimal,
        currency: str,
        method: str,
        reference: str,
        inspection: str,
        booked_on: date,
        refunded_by: UUID,
        at: datetime,
    ) -> None:
        self.balance -= amount
        self.refund_references.add(reference)

    def ask_forfeit(
        self, *, approval_id: UUID, amount: object, reason: str, requested_by: UUID, at: datetime
    ) -> Decimal:
        """Ask a second person to forfeit ``amount`` for damage the inspection found."""
        self._open()
        if self.pending is not None:
            raise InvalidTransition("a forfeit of this deposit already awaits its approval")
        value = positive(amount, self.currency)
        if value > self.balance:
            raise ValidationFailed(f"amount: at most the {self.balance} still held")
        self._forfeit_asked(
            approval_id=approval_id,
            amount=value,
            reason=text(reason, "reason", 1000),
            requested_by=requested_by,
            at=at,
        )
        return value

    @event("ForfeitRequested")
    def _forfeit_asked(
        self, approval_id: UUID, amount: Decimal, reason: str, requested_by: UUID, at: datetime
    ) -> None:
        self.pending = {"approval_id": approval_id, "amount": amount, "reason": reason}

    def forfeit_decided(
        self, approval_id: UUID, outcome: str, note: str | None, booked_on: date, at: datetime
    ) -> None:
        """The approval became final: approved books the forfeit; otherwise it lapses."""
        if self.pending is None or self.pending["approval_id"] != approval_id:
            return
        if outcome == "approved":
            self._forfeited(
                approval_id=approval_id,
                estate_id=self.estate_id,
                unit_id=self.unit_id,
                amount=self.pending["amount"],
                currency=self.currency,
                reason=self.pending["reason"],
                booked_on=booked_on,
                at=at,
            )
        elif outcome in ("rejected", "withdrawn"):
            self._forfeit_lapsed(approval_id=approval_id, outcome=outcome, note=note, at=at)

    @event("Forfeited")
    def _forfeited(
        self,
        approval_id: UUID,
        estate_id: UUID,
        unit_id: UUID,
        amount: Decimal,
        currency: str,
        reason: str,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.balance -= amount
        self.pending = None

    @event("ForfeitLapsed")
    def _forfeit_lapsed(
        self, approval_id: UUID, outcome: str, note: str | None, at: datetime
    ) -> None:
        self.pending = None


def _method(method: str) -> str:
    try:
        return DepositMethod(method).value
    except ValueError:
        raise ValidationFailed("method: cash or bank_transfer") from None


def post_deposit(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """Taken, refunded, forfeited: the money held for the unit moves (see the module)."""
    currency, unit = payload.get("currency", ""), payload.get("unit_id")
    if event_name == "Taken":
        cash, held = Line.dr, Line.cr
        other = PAYMENT_ACCOUNTS[payload["method"]]
    elif event_name == "Refunded":
        cash, held = Line.cr, Line.dr
        other = PAYMENT_ACCOUNTS[payload["method"]]
    elif event_name == "Forfeited":
        cash, held = Line.cr, Line.dr
        other = FORFEITED_DEPOSITS
    else:
        return None
    amount = Decimal(payload["amount"])
    return Entry(
        estate_id=payload["estate_id"],
        booked_on=payload["booked_on"],
        memo=f"renovation deposit {event_name.lower()} {payload.get('reference', '')}".strip(),
        lines=(
            cash(other, amount, currency),
            held(RENOVATION_DEPOSITS, amount, currency, unit_id=unit),
        ),
    ).check()


POSTINGS: dict[str, PostingFunction] = {"RenovationDeposit": post_deposit}
