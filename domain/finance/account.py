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

from domain.errors import ValidationFailed
from domain.finance.account_approvals import ApprovalDecisions
from domain.finance.account_arrears import ArrearsDecisions
from domain.finance.account_bills import BillDecisions
from domain.finance.account_payments import PaymentDecisions
from domain.finance.account_postings import POSTINGS, post
from domain.finance.bills import (
    ZERO,
    Bill,
    BillLine,
    BillStatus,
    Method,
    account_id_for,
    bill_id_for,
    bill_issued_v1_v2,
)
from domain.finance.money import currency_of, exact_money

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


class UnitAccount(BillDecisions, PaymentDecisions, ArrearsDecisions, ApprovalDecisions, Aggregate):
    """Everything one unit owes and has paid, in one currency.

    Its decisions about payments, arrears and approved waivers and refunds
    are mixed in from ``account_payments.py``, ``account_arrears.py`` and
    ``account_approvals.py``; the ``@event`` methods stay here, so the event
    classes keep the topics they are stored under
    (``domain.finance.account:UnitAccount.PaymentReceived``).
    """

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
        self.reversals: dict[UUID, dict[str, Any]] = {}  # by payment: asked, awaiting a checker

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

    class BillIssued(Aggregate.Event):
        """v2 (decision 0023): ``recognised_on`` and each line's ``vat_rate``, ``net``,
        ``tax``, ``treatment``; a v1 bill was revenue on its issue day, no VAT."""

        class_version = 2
        estate_id: UUID
        unit_id: UUID
        bill_id: UUID
        period: str
        run_id: UUID
        payer_ids: list[UUID]
        lines: list[dict[str, Any]]
        amount: Decimal
        currency: str
        days: int
        days_in_period: int
        issued_on: date
        due_on: date
        booked_on: date
        recognised_on: date
        at: datetime

        upcast_v1_v2 = staticmethod(bill_issued_v1_v2)

    @event(BillIssued)
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
        recognised_on: date,
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

    @event("CreditWithdrawn")
    def _credit_withdrawn(
        self,
        estate_id: UUID,
        unit_id: UUID,
        bill_id: UUID,
        payment_id: UUID,
        amount: Decimal,
        currency: str,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.credit += amount
        bill = self.bills[bill_id]
        bill.paid -= amount
        bill.payments["credit"] -= amount

    # ---- payments (decided in account_payments.py) ----------------------------

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
        payment = self.payments[payment_id]
        payment["reversed"] = True
        if payment_id in self.reversals:
            self.reversals[payment_id]["status"] = "approved"
        # A reversed payment's bank line was never really applied: it may be again.
        if payment["reference"] is not None:
            self.references.discard(f"{method}:{payment['reference']}")

    @event("ReversalRequested")
    def _reversal_requested(
        self,
        payment_id: UUID,
        reason: str,
        approval_id: UUID,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.reversals[payment_id] = {
            "reason": reason,
            "approval_id": approval_id,
            "requested_by": requested_by,
            "status": "pending",
        }

    @event("ReversalDeclined")
    def _reversal_declined(self, payment_id: UUID, outcome: str, at: datetime) -> None:
        self.reversals[payment_id]["status"] = "declined"

    # ---- late fees and dunning (decided in account_arrears.py) ----------------

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

    # ---- waivers and refunds (decided in account_approvals.py) ----------------

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
