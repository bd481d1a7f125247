"""How a unit account waives a bill or refunds credit, once approved.

The decisions of :class:`~domain.finance.account.UnitAccount` that wait for
the approval workflow: a waiver never exceeds what is left to pay, a refund
holds its credit until the approval decides. They live apart from the
aggregate so that each file reads as one concept; they record only through
the ``@event`` methods of ``UnitAccount`` (where the event classes, and so
their stored topics, stay).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.archive import Filed
from domain.finance.bills import ZERO, Bill, Method, clean_reason
from domain.finance.settlement import LATE_FEE

WAIVABLE = ("bill", LATE_FEE)  # what a waiver may name (decision 0022)


class ApprovalDecisions:
    """Mixed into ``UnitAccount``: waivers of bills and refunds of credit."""

    # What the decisions read of ``UnitAccount``, for mypy alone. The ``@event``
    # methods are typed loosely: restating their signatures here would be a
    # second copy to keep in step, and the tests call every one of them.
    if TYPE_CHECKING:
        estate_id: UUID
        unit_id: UUID
        currency: str
        bills: Filed[UUID, Bill]
        waivers: Filed[UUID, dict[str, Any]]
        refunds: Filed[UUID, dict[str, Any]]

        credits: dict[UUID | None, Decimal]
        credit_of: Callable[[UUID | None], Decimal]
        bill: Callable[[UUID], Bill]
        _money: Callable[..., Decimal]
        _waiver_requested: Callable[..., None]
        _bill_waived: Callable[..., None]
        _late_fee_waived: Callable[..., None]
        _waiver_declined: Callable[..., None]
        _refund_requested: Callable[..., None]
        _refunded: Callable[..., None]
        _refund_declined: Callable[..., None]

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
        part: str = "bill",
    ) -> None:
        """Ask to waive part of a bill: ``bill`` (its principal first, then its late
        fee) or ``late_fee`` alone (decision 0022)."""
        value = self._money(amount, currency)
        bill = self.bill(bill_id)
        if part not in WAIVABLE:
            raise ValidationFailed(f"part: one of {', '.join(WAIVABLE)}")
        # Only this bill's own pending waivers hold part of it: a request
        # waiting on another bill of the unit takes nothing from this one. A
        # decided waiver is archived: the pending ones are all open.
        pending = [
            w
            for w in self.waivers.open.values()
            if w["status"] == "pending" and w["bill_id"] == bill_id
        ]
        if value > bill.outstanding - sum((w["amount"] for w in pending), ZERO):
            raise InvalidTransition("a waiver cannot exceed what is left to pay on the bill")
        fees = sum((w["amount"] for w in pending if w.get("part") == LATE_FEE), ZERO)
        if part == LATE_FEE and value > bill.late_fee_due - fees:
            raise InvalidTransition(
                f"a waiver of the late fee cannot exceed the late fee left to pay "
                f"({bill.late_fee_due - fees} {self.currency})"
            )
        self._waiver_requested(
            waiver_id=waiver_id,
            bill_id=bill_id,
            amount=value,
            currency=self.currency,
            reason=clean_reason(reason),
            approval_id=approval_id,
            requested_by=requested_by,
            at=at,
            part=part,
        )

    def settle_waiver(
        self, waiver_id: UUID, approved: bool, outcome: str, on: date, at: datetime
    ) -> None:
        waiver = self.waivers.get(waiver_id)
        if waiver is None or waiver["status"] != "pending":
            return
        bill = self.bills[waiver["bill_id"]]
        # A payment may have cleared part of the bill while the waiver waited.
        amount = min(waiver["amount"], bill.outstanding)
        if waiver.get("part") == LATE_FEE:
            amount = min(amount, bill.late_fee_due)
        if not approved or amount <= 0:
            self._waiver_declined(waiver_id=waiver_id, outcome=outcome, at=at)
            return
        # A waiver of the bill takes its principal first (6001.90 fee waivers); a
        # late fee waived is income reversed (6051), never a fee waiver.
        principal = ZERO if waiver.get("part") == LATE_FEE else min(amount, bill.principal_due)
        # The principal's output VAT is taken back with it, and a bill billed ahead
        # comes off revenue only when its month begins (decision 0023).
        tax = bill.tax_in_waiver(principal, self.currency)
        recognised_on = max(on, bill.recognised_on or on)
        fee_tax = bill.tax_in_late_fee_waiver(amount - principal, self.currency)
        for record, part, more in (
            (self._bill_waived, principal, {"tax": tax, "recognised_on": recognised_on}),
            (self._late_fee_waived, amount - principal, {"tax": fee_tax}),
        ):
            if part > 0:
                record(
                    estate_id=self.estate_id,
                    unit_id=self.unit_id,
                    waiver_id=waiver_id,
                    bill_id=waiver["bill_id"],
                    amount=part,
                    currency=self.currency,
                    approval_id=waiver["approval_id"],
                    booked_on=on,
                    at=at,
                    **more,
                )

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
        payer_id: UUID | None = None,
    ) -> None:
        """Hold a payer's credit for a refund until the approval decides.

        The refund goes to whose credit it is (decision 0021): ``payer_id``,
        or, when none is named, the one holder of credit on the unit.
        """
        method = Method(method)
        if method is Method.ONLINE:
            raise ValidationFailed("method: refunds go out in cash or by bank transfer")
        value = self._money(amount, currency)
        holder = payer_id if payer_id is not None else self._sole_holder()
        if value > self.credit_of(holder):
            raise InvalidTransition(
                f"only {self.credit_of(holder)} {self.currency} of credit is available to refund"
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
            payer_id=holder,
        )

    def _sole_holder(self) -> UUID | None:
        holders = [h for h in self.credits if self.credit_of(h) > 0]
        if len(holders) > 1:
            raise ValidationFailed(
                "payer_id: several people hold credit here; name whose to refund"
            )
        return holders[0] if holders else None

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
