"""The unit account (分户账): a unit's bills, payments, credit, late fees, waivers and refunds.

One aggregate per unit holds everything that decides what the unit owes, so
allocating a payment oldest bill first, keeping an overpayment as credit and
refusing to pay a bill twice are decisions of one consistent object: two
payments racing for the same bill meet at the aggregate's version, and the
loser is retried against the new state (it cannot pay the bill again).

Money leaves a bill only through recorded events: an allocation of a
payment or of credit, a waiver approved through the approval workflow. A
mistaken payment is never edited: ``PaymentReversed`` mirrors it. Every event
that moves money posts one balanced journal entry (:func:`post`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account_postings import POSTINGS, post
from domain.finance.bills import (
    ZERO,
    Bill,
    BillLine,
    BillStatus,
    Method,
    account_id_for,
    bill_id_for,
    clean_reason,
)
from domain.finance.money import currency_of, exact_money, floor_money, round_money

# The names other modules import from here, where they were first defined.
__all__ = [
    "POSTINGS",
    "Bill",
    "BillLine",
    "BillStatus",
    "Method",
    "UnitAccount",
    "account_id_for",
    "bill_id_for",
    "post",
]


class UnitAccount(Aggregate):
    """Everything one unit owes and has paid, in one currency."""

    @staticmethod
    def create_id(unit_id: UUID, **_: Any) -> UUID:
        return account_id_for(unit_id)

    @event("Opened")
    def __init__(self, estate_id: UUID, unit_id: UUID, currency: str, at: datetime) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.currency = currency_of(currency)
        self.bills: dict[UUID, Bill] = {}
        self.credit = ZERO  # overpayments not yet used (预存款)
        self.reserved = ZERO  # credit held by refunds awaiting approval
        self.payments: dict[UUID, dict[str, Any]] = {}
        self.references: set[str] = set()
        self.waivers: dict[UUID, dict[str, Any]] = {}
        self.refunds: dict[UUID, dict[str, Any]] = {}

    @classmethod
    def open(cls, estate_id: UUID, unit_id: UUID, currency: str, at: datetime) -> UnitAccount:
        return cls(estate_id=estate_id, unit_id=unit_id, currency=currency, at=at)

    # ---- queries -----------------------------------------------------------

    @property
    def open_bills(self) -> list[Bill]:
        """Bills with something left to pay, oldest first (due date, then period)."""
        bills = [b for b in self.bills.values() if b.outstanding > 0]
        return sorted(bills, key=lambda b: (b.due_on, b.period, str(b.bill_id)))

    @property
    def outstanding(self) -> Decimal:
        return sum((b.outstanding for b in self.bills.values()), ZERO)

    @property
    def available_credit(self) -> Decimal:
        return self.credit - self.reserved

    def bill(self, bill_id: UUID) -> Bill:
        if bill_id not in self.bills:
            raise ValidationFailed("bill_id: no such bill on this unit's account")
        return self.bills[bill_id]

    def _money(self, amount: object, currency: str, what: str = "amount") -> Decimal:
        if currency != self.currency:
            raise ValidationFailed(f"currency: this account is kept in {self.currency}")
        value = exact_money(amount, currency, what)
        if value <= 0:
            raise ValidationFailed(f"{what}: must be positive")
        return value

    # ---- bills -------------------------------------------------------------

    def issue_bill(
        self,
        *,
        bill_id: UUID,
        period: str,
        run_id: UUID,
        lines: list[BillLine],
        payer_ids: list[UUID],
        days: int,
        days_in_period: int,
        issued_on: date,
        due_on: date,
        at: datetime,
    ) -> None:
        """Charge a bill; any credit on the account then settles it as far as it goes."""
        if bill_id in self.bills:
            raise InvalidTransition("this bill has already been issued")
        if not lines:
            raise ValidationFailed("a bill needs at least one line")
        total = sum((line.amount for line in lines), ZERO)
        if total <= 0:
            raise ValidationFailed("a bill's total must be positive")
        self._bill_issued(
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            bill_id=bill_id,
            period=period,
            run_id=run_id,
            payer_ids=payer_ids,
            lines=[line.as_dict() for line in lines],
            amount=round_money(total, self.currency),
            currency=self.currency,
            days=days,
            days_in_period=days_in_period,
            issued_on=issued_on,
            due_on=due_on,
            booked_on=issued_on,
            at=at,
        )
        usable = min(self.available_credit, self.bills[bill_id].outstanding)
        if usable > 0:
            self._credit_applied(
                estate_id=self.estate_id,
                unit_id=self.unit_id,
                bill_id=bill_id,
                amount=usable,
                currency=self.currency,
                booked_on=issued_on,
                at=at,
            )

    @event("BillIssued")
    def _bill_issued(
        self,
        estate_id: UUID,
        unit_id: UUID,
        bill_id: UUID,
        period: str,
        run_id: UUID,
        payer_ids: list[UUID],
        lines: list[dict[str, Any]],
        amount: Decimal,
        currency: str,
        days: int,
        days_in_period: int,
        issued_on: date,
        due_on: date,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.bills[bill_id] = Bill(bill_id, period, issued_on, due_on, amount)

    @event("CreditApplied")
    def _credit_applied(
        self,
        estate_id: UUID,
        unit_id: UUID,
        bill_id: UUID,
        amount: Decimal,
        currency: str,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.credit -= amount
        bill = self.bills[bill_id]
        bill.paid += amount
        bill.payments["credit"] = bill.payments.get("credit", ZERO) + amount

    # ---- payments ----------------------------------------------------------

    def receive_payment(
        self,
        *,
        payment_id: UUID,
        method: Method | str,
        amount: object,
        currency: str,
        reference: str | None,
        bill_id: UUID | None,
        recorded_by: UUID,
        on: date,
        at: datetime,
    ) -> None:
        """Allocate a payment: the named bill first, then the oldest open bills; the rest is credit.

        A payment for a named bill that has nothing left to pay is refused, so
        a bill is never paid twice; a repeated bank or online reference too.
        """
        method = Method(method)
        value = self._money(amount, currency)
        if payment_id in self.payments:
            raise InvalidTransition("this payment has already been recorded")
        ref = (reference or "").strip() or None
        if method is not Method.CASH and ref is None:
            raise ValidationFailed("reference: bank and online payments carry their reference")
        if ref is not None and (len(ref) > 100 or f"{method}:{ref}" in self.references):
            if len(ref) > 100:
                raise ValidationFailed("reference: at most 100 characters")
            raise InvalidTransition(f"a {method} payment with reference {ref} is already recorded")
        bills = self.open_bills
        if bill_id is not None:
            named = self.bill(bill_id)
            if named.outstanding <= 0:
                raise InvalidTransition("this bill is already paid")
            bills = [named, *[b for b in bills if b.bill_id != bill_id]]
        allocations, left = [], value
        for bill in bills:
            if left <= 0:
                break
            part = min(left, bill.outstanding)
            allocations.append({"bill_id": bill.bill_id, "amount": part})
            left -= part
        self._payment_received(
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            payment_id=payment_id,
            method=method.value,
            reference=ref,
            amount=value,
            currency=self.currency,
            allocations=allocations,
            to_credit=left,
            recorded_by=recorded_by,
            booked_on=on,
            at=at,
        )

    @event("PaymentReceived")
    def _payment_received(
        self,
        estate_id: UUID,
        unit_id: UUID,
        payment_id: UUID,
        method: str,
        reference: str | None,
        amount: Decimal,
        currency: str,
        allocations: list[dict[str, Any]],
        to_credit: Decimal,
        recorded_by: UUID,
        booked_on: date,
        at: datetime,
    ) -> None:
        for part in allocations:
            bill = self.bills[part["bill_id"]]
            bill.paid += part["amount"]
            bill.payments[str(payment_id)] = part["amount"]
        self.credit += to_credit
        if reference is not None:
            self.references.add(f"{method}:{reference}")
        self.payments[payment_id] = {
            "method": method,
            "reference": reference,
            "amount": amount,
            "allocations": allocations,
            "to_credit": to_credit,
            "reversed": False,
        }

    def reverse_payment(
        self, payment_id: UUID, reason: str, by: UUID, on: date, at: datetime
    ) -> None:
        """Undo a mistaken payment with a mirror entry; its bills are owed again."""
        payment = self.payments.get(payment_id)
        if payment is None:
            raise ValidationFailed("payment_id: no such payment on this account")
        if payment["reversed"]:
            raise InvalidTransition("this payment has already been reversed")
        if payment["to_credit"] > self.available_credit:
            raise InvalidTransition(
                "the credit this payment left has since been used or is held for a refund; "
                "reverse what used it first"
            )
        self._payment_reversed(
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            payment_id=payment_id,
            method=payment["method"],
            amount=payment["amount"],
            currency=self.currency,
            allocations=payment["allocations"],
            to_credit=payment["to_credit"],
            reason=clean_reason(reason),
            reversed_by=by,
            booked_on=on,
            at=at,
        )

    @event("PaymentReversed")
    def _payment_reversed(
        self,
        estate_id: UUID,
        unit_id: UUID,
        payment_id: UUID,
        method: str,
        amount: Decimal,
        currency: str,
        allocations: list[dict[str, Any]],
        to_credit: Decimal,
        reason: str,
        reversed_by: UUID,
        booked_on: date,
        at: datetime,
    ) -> None:
        for part in allocations:
            bill = self.bills[part["bill_id"]]
            bill.paid -= part["amount"]
            bill.payments.pop(str(payment_id), None)
        self.credit -= to_credit
        self.payments[payment_id]["reversed"] = True

    # ---- late fees and dunning ----------------------------------------------

    def charge_late_fee(
        self,
        bill_id: UUID,
        *,
        through: date,
        daily_rate: Decimal,
        grace_days: int,
        cap_ratio: Decimal,
        at: datetime,
    ) -> Decimal:
        """Charge interest on the bill's unpaid principal for the days up to ``through``.

        Days count from the due date plus the grace days, or from the last
        charge; the bill's late fees never exceed ``cap_ratio`` of its
        principal. Returns the amount charged (zero: nothing recorded).
        """
        bill = self.bill(bill_id)
        unpaid_principal = min(bill.principal, bill.outstanding)
        if unpaid_principal <= 0:
            return ZERO
        start = bill.late_fee_through or date.fromordinal(bill.due_on.toordinal() + grace_days)
        days = (through - start).days
        if days <= 0:
            return ZERO
        # The cap rounds down: a fee never exceeds the ratio by a fraction of a cent.
        room = floor_money(bill.principal * cap_ratio, self.currency) - bill.late_fees
        fee = min(round_money(unpaid_principal * daily_rate * days, self.currency), room)
        if fee <= 0:
            return ZERO
        self._late_fee_charged(
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            bill_id=bill_id,
            amount=fee,
            currency=self.currency,
            days=days,
            daily_rate=daily_rate,
            through=through,
            booked_on=through,
            at=at,
        )
        return fee

    @event("LateFeeCharged")
    def _late_fee_charged(
        self,
        estate_id: UUID,
        unit_id: UUID,
        bill_id: UUID,
        amount: Decimal,
        currency: str,
        days: int,
        daily_rate: Decimal,
        through: date,
        booked_on: date,
        at: datetime,
    ) -> None:
        bill = self.bills[bill_id]
        bill.late_fees += amount
        bill.late_fee_through = through

    def dun(self, level: int, bill_ids: list[UUID], recipients: list[UUID], at: datetime) -> None:
        """Record a payment reminder of ``level`` for bills not yet reminded at that level."""
        due = [b for b in bill_ids if self.bill(b).dunning_level < level]
        if not due:
            return
        self._dunned(
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            level=level,
            bill_ids=due,
            outstanding=self.outstanding,
            currency=self.currency,
            recipients=recipients,
            at=at,
        )

    @event("Dunned")
    def _dunned(
        self,
        estate_id: UUID,
        unit_id: UUID,
        level: int,
        bill_ids: list[UUID],
        outstanding: Decimal,
        currency: str,
        recipients: list[UUID],
        at: datetime,
    ) -> None:
        for bill_id in bill_ids:
            self.bills[bill_id].dunning_level = level

    # ---- waivers (approved) ----------------------------------------------------

    def request_waiver(
        self,
        *,
        waiver_id: UUID,
        bill_id: UUID,
        amount: object,
        currency: str,
        reason: str,
        approval_id: UUID,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        value = self._money(amount, currency)
        bill = self.bill(bill_id)
        pending = sum(
            (w["amount"] for w in self.waivers.values() if w["status"] == "pending"), ZERO
        )
        if value > bill.outstanding - pending:
            raise InvalidTransition("a waiver cannot exceed what is left to pay on the bill")
        self._waiver_requested(
            waiver_id=waiver_id,
            bill_id=bill_id,
            amount=value,
            currency=self.currency,
            reason=clean_reason(reason),
            approval_id=approval_id,
            requested_by=requested_by,
            at=at,
        )

    @event("WaiverRequested")
    def _waiver_requested(
        self,
        waiver_id: UUID,
        bill_id: UUID,
        amount: Decimal,
        currency: str,
        reason: str,
        approval_id: UUID,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.waivers[waiver_id] = {
            "bill_id": bill_id,
            "amount": amount,
            "approval_id": approval_id,
            "status": "pending",
        }

    def settle_waiver(
        self, waiver_id: UUID, approved: bool, outcome: str, on: date, at: datetime
    ) -> None:
        waiver = self.waivers.get(waiver_id)
        if waiver is None or waiver["status"] != "pending":
            return
        bill = self.bills[waiver["bill_id"]]
        # A payment may have cleared part of the bill while the waiver waited.
        amount = min(waiver["amount"], bill.outstanding)
        if approved and amount > 0:
            self._bill_waived(
                estate_id=self.estate_id,
                unit_id=self.unit_id,
                waiver_id=waiver_id,
                bill_id=waiver["bill_id"],
                amount=amount,
                currency=self.currency,
                approval_id=waiver["approval_id"],
                booked_on=on,
                at=at,
            )
        else:
            self._waiver_declined(waiver_id=waiver_id, outcome=outcome, at=at)

    @event("BillWaived")
    def _bill_waived(
        self,
        estate_id: UUID,
        unit_id: UUID,
        waiver_id: UUID,
        bill_id: UUID,
        amount: Decimal,
        currency: str,
        approval_id: UUID,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.bills[bill_id].waived += amount
        self.waivers[waiver_id]["status"] = "approved"
        self.waivers[waiver_id]["amount"] = amount

    @event("WaiverDeclined")
    def _waiver_declined(self, waiver_id: UUID, outcome: str, at: datetime) -> None:
        self.waivers[waiver_id]["status"] = "declined"

    # ---- refunds of credit (approved) --------------------------------------------

    def request_refund(
        self,
        *,
        refund_id: UUID,
        amount: object,
        currency: str,
        method: Method | str,
        reason: str,
        approval_id: UUID,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        """Hold credit for a refund until the approval decides."""
        method = Method(method)
        if method is Method.ONLINE:
            raise ValidationFailed("method: refunds go out in cash or by bank transfer")
        value = self._money(amount, currency)
        if value > self.available_credit:
            raise InvalidTransition(
                f"only {self.available_credit} {self.currency} of credit is available to refund"
            )
        self._refund_requested(
            refund_id=refund_id,
            amount=value,
            currency=self.currency,
            method=method.value,
            reason=clean_reason(reason),
            approval_id=approval_id,
            requested_by=requested_by,
            at=at,
        )

    @event("RefundRequested")
    def _refund_requested(
        self,
        refund_id: UUID,
        amount: Decimal,
        currency: str,
        method: str,
        reason: str,
        approval_id: UUID,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.reserved += amount
        self.refunds[refund_id] = {
            "amount": amount,
            "method": method,
            "approval_id": approval_id,
            "status": "pending",
        }

    def settle_refund(
        self, refund_id: UUID, approved: bool, outcome: str, on: date, at: datetime
    ) -> None:
        refund = self.refunds.get(refund_id)
        if refund is None or refund["status"] != "pending":
            return
        if approved:
            self._refunded(
                estate_id=self.estate_id,
                unit_id=self.unit_id,
                refund_id=refund_id,
                amount=refund["amount"],
                currency=self.currency,
                method=refund["method"],
                approval_id=refund["approval_id"],
                booked_on=on,
                at=at,
            )
        else:
            self._refund_declined(refund_id=refund_id, outcome=outcome, at=at)

    @event("Refunded")
    def _refunded(
        self,
        estate_id: UUID,
        unit_id: UUID,
        refund_id: UUID,
        amount: Decimal,
        currency: str,
        method: str,
        approval_id: UUID,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.reserved -= amount
        self.credit -= amount
        self.refunds[refund_id]["status"] = "refunded"

    @event("RefundDeclined")
    def _refund_declined(self, refund_id: UUID, outcome: str, at: datetime) -> None:
        self.reserved -= self.refunds[refund_id]["amount"]
        self.refunds[refund_id]["status"] = "declined"
