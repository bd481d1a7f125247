"""The unit account (分户账): a unit's bills, payments, credit, late fees, waivers and refunds.

One aggregate per unit decides what the unit owes (decision 0012): two
payments racing for one bill meet at its version, and the loser is retried
against the new state. Money leaves a bill only through recorded events, and
every event that moves money posts one balanced journal entry (:func:`post`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.finance import account_events as shapes
from domain.finance.account_approvals import ApprovalDecisions
from domain.finance.account_arrears import ArrearsDecisions
from domain.finance.account_bills import BillDecisions
from domain.finance.account_filing import Filing
from domain.finance.account_payments import PaymentDecisions
from domain.finance.account_postings import POSTINGS, post
from domain.finance.account_queries import AccountQueries
from domain.finance.archive import Archive, Filed
from domain.finance.bills import ZERO, Bill, BillLine, Method, account_id_for, bill_id_for
from domain.finance.debtors import UNNAMED, credit_key
from domain.finance.money import currency_of
from domain.finance.write_offs import WriteOffDecisions

# The names other modules import from here, where they were first defined.
__all__ = ["POSTINGS", "Bill", "BillLine", "Method", "UnitAccount", "post"]
__all__ += ["account_id_for", "bill_id_for"]


class UnitAccount(
    AccountQueries,
    BillDecisions,
    PaymentDecisions,
    ArrearsDecisions,
    ApprovalDecisions,
    WriteOffDecisions,
    Filing,
    Aggregate,
):
    """Everything one unit owes and has paid, in one currency. Its queries and
    decisions are mixed in (``account_*.py``, ``write_offs.py``); the ``@event``
    methods stay here, so the event classes keep the topics they are stored under."""

    class_version = 3  # 2: settled items archived (0033); 3: buckets read when asked (0040)

    @staticmethod
    def create_id(unit_id: UUID, **_: Any) -> UUID:
        return account_id_for(unit_id)

    @event("Opened")
    def __init__(self, estate_id: UUID, unit_id: UUID, currency: str, at: datetime) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.currency = currency_of(currency)
        self.bills: Filed[UUID, Bill] = Filed()
        self.debtor_ids: set[UUID] = set()  # whoever owes or owed a bill here
        self.credit = ZERO  # overpayments not yet used (预存款)
        self.reserved = ZERO  # credit held by refunds awaiting approval
        self.credits: dict[UUID | None, Decimal] = {}  # the credit, per payer who left it
        self.held: dict[UUID | None, Decimal] = {}  # the reserved, per payer
        self.payments: Filed[UUID, dict[str, Any]] = Filed()
        self.references: Archive[str, UUID] = Archive()  # "method:reference" -> payment
        self.waivers: Filed[UUID, dict[str, Any]] = Filed()
        self.refunds: Filed[UUID, dict[str, Any]] = Filed()
        self.reversals: Filed[UUID, dict[str, Any]] = Filed()  # by payment

    @classmethod
    def open(cls, estate_id: UUID, unit_id: UUID, currency: str, at: datetime) -> UnitAccount:
        return cls(estate_id=estate_id, unit_id=unit_id, currency=currency, at=at)

    # ---- bills -------------------------------------------------------------

    class BillIssued(shapes.BillIssued): ...  # shape: account_events.py

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
        tax = sum((ln["tax"] for ln in lines if ln["treatment"] != "pass_through"), ZERO)
        self.bills.add(bill_id, Bill(
            bill_id, period, issued_on, due_on, amount, debtors=tuple(payer_ids),
            tax=tax, recognised_on=recognised_on,
        ))  # fmt: skip
        self.debtor_ids.update(payer_ids)

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
        payer_id: UUID | None = UNNAMED,  # whose credit; none before decision 0021
    ) -> None:
        self._move_credit(payer_id, -amount)
        bill = self.bills.reopen(bill_id)
        bill.paid += amount
        key = credit_key(payer_id)
        bill.payments[key] = bill.payments.get(key, ZERO) + amount
        self._file_bills([bill_id])

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
        holder = self.payments[payment_id]["payer_id"]
        self._move_credit(holder, amount)
        bill = self.bills.reopen(bill_id)
        bill.paid -= amount
        bill.payments[credit_key(holder)] -= amount

    # ---- payments (decided in account_payments.py) ----------------------------

    class PaymentReceived(shapes.PaymentReceived): ...  # shape: account_events.py

    @event(PaymentReceived)
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
        payer_id: UUID | None,
        received_on: date,
    ) -> None:
        # Allocations name their late fee from decision 0022; earlier ones settled it first.
        allocations = [
            self.bills.reopen(p["bill_id"]).settle(str(payment_id), p) for p in allocations
        ]
        self._move_credit(payer_id, to_credit)
        if reference is not None:
            self.references = self.references.with_(f"{method}:{reference}", payment_id)
        self.payments.add(payment_id, {
            "method": method, "reference": reference, "amount": amount, "payer_id": payer_id,
            "allocations": allocations, "to_credit": to_credit, "reversed": False,
        })  # fmt: skip
        self._file_bills([p["bill_id"] for p in allocations], payment_id)

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
        payment = self.payments.reopen(payment_id)
        for part in payment["allocations"]:  # as received, its late fee named
            self.bills.reopen(part["bill_id"]).unsettle(str(payment_id), part)
        self._move_credit(payment["payer_id"], -to_credit)
        payment["reversed"] = True
        self.payments.settle(payment_id)  # it holds nothing open any more
        if payment_id in self.reversals:
            self._decide(self.reversals, payment_id, "approved")
        # A reversed payment's bank line was never really applied: it may be again.
        if payment["reference"] is not None:
            self.references = self.references.without(f"{method}:{payment['reference']}")

    @event("ReversalRequested")
    def _reversal_requested(
        self,
        payment_id: UUID,
        reason: str,
        approval_id: UUID,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.reversals.add(payment_id, {
            "reason": reason, "approval_id": approval_id, "requested_by": requested_by,
            "status": "pending",
        })  # fmt: skip

    @event("ReversalDeclined")
    def _reversal_declined(self, payment_id: UUID, outcome: str, at: datetime) -> None:
        self._decide(self.reversals, payment_id, "declined")

    # ---- late fees and dunning (decided in account_arrears.py) ----------------

    class LateFeeCharged(shapes.LateFeeCharged): ...  # shape: account_events.py

    @event(LateFeeCharged)
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
        accrued: Decimal | None = None,
        tax: Decimal = ZERO,
    ) -> None:
        bill = self.bills.reopen(bill_id)
        bill.late_fees += amount
        bill.late_fee_tax += tax
        bill.late_fee_through = through
        bill.accrued = bill.accrued + amount if accrued is None else accrued
        self._file_bills([bill_id])

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
            self.bills.reopen(bill_id).dunning_level = level
        self._file_bills(bill_ids)

    # ---- waivers and refunds (decided in account_approvals.py) ----------------

    class WaiverRequested(shapes.WaiverRequested): ...  # shape: account_events.py

    @event(WaiverRequested)
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
        part: str = "bill",
    ) -> None:
        self.waivers.add(waiver_id, {
            "bill_id": bill_id, "amount": amount, "approval_id": approval_id,
            "status": "pending", "part": part,
        })  # fmt: skip

    class BillWaived(shapes.BillWaived): ...  # shape: account_events.py

    @event(BillWaived)
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
        tax: Decimal,
        recognised_on: date,
    ) -> None:
        bill = self.bills.reopen(bill_id)
        bill.tax_waived += tax
        # The principal first: an earlier waiver of more than it also waived the late fee.
        bill.late_fee_waived += max(ZERO, amount - bill.principal_due)
        bill.waived += amount
        self._file_bills([bill_id])
        self._decide(self.waivers, waiver_id, "approved", amount=amount)

    class LateFeeWaived(shapes.LateFeeWaived): ...  # shape: account_events.py

    @event(LateFeeWaived)
    def _late_fee_waived(
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
        tax: Decimal,
    ) -> None:
        bill = self.bills.reopen(bill_id)
        bill.late_fee_waived += amount
        bill.late_fee_tax_waived += tax
        bill.waived += amount
        self._file_bills([bill_id])
        self._decide(self.waivers, waiver_id, "approved")

    @event("WaiverDeclined")
    def _waiver_declined(self, waiver_id: UUID, outcome: str, at: datetime) -> None:
        self._decide(self.waivers, waiver_id, "declined")

    @event("BillWrittenOff")  # 坏账核销, decided in write_offs.py
    def _bill_written_off(
        self,
        estate_id: UUID,
        unit_id: UUID,
        request_id: UUID,
        bill_id: UUID,
        amount: Decimal,
        currency: str,
        reason: str,
        approval_id: UUID,
        booked_on: date,
        at: datetime,
    ) -> None:
        self.bills.reopen(bill_id).write_off(amount)
        self._file_bills([bill_id])

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
        payer_id: UUID | None = UNNAMED,  # whose credit; none before decision 0021
    ) -> None:
        self._move_credit(payer_id, ZERO, amount)
        self.refunds.add(refund_id, {
            "amount": amount, "method": method, "approval_id": approval_id,
            "status": "pending", "payer_id": payer_id,
        })  # fmt: skip

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
        self._move_credit(self.refunds[refund_id]["payer_id"], -amount, -amount)
        self._decide(self.refunds, refund_id, "refunded")

    @event("RefundDeclined")
    def _refund_declined(self, refund_id: UUID, outcome: str, at: datetime) -> None:
        refund = self.refunds[refund_id]
        self._move_credit(refund["payer_id"], ZERO, -refund["amount"])
        self._decide(self.refunds, refund_id, "declined")
