"""How a unit account takes a payment and undoes a mistaken one.

The decisions of :class:`~domain.finance.account.UnitAccount` about
payments: allocate a payment to its payer's bills oldest first and keep the
rest as the payer's credit (decision 0021),
refuse a repeated reference or a bill paid twice, reverse a payment with a
mirror entry. They live apart from the aggregate so that each file reads as
one concept; they record only through the ``@event`` methods of
``UnitAccount`` (where the event classes, and so their stored topics, stay).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account_queries import oldest_first
from domain.finance.archive import Archive, Filed
from domain.finance.bills import Bill, Method, clean_reason
from domain.finance.debtors import credit_key, owed_by, payer_of, received_on_for
from domain.finance.rate_values import BillingTerms
from domain.finance.settlement import allocate, settlement_order


class PaymentDecisions:
    """Mixed into ``UnitAccount``: receiving and reversing payments."""

    # What the decisions read of ``UnitAccount``, for mypy alone. The ``@event``
    # methods are typed loosely: restating their signatures here would be a
    # second copy to keep in step, and the tests call every one of them.
    if TYPE_CHECKING:
        estate_id: UUID
        unit_id: UUID
        currency: str
        payments: Filed[UUID, dict[str, Any]]
        references: Archive[str, UUID]

        @property
        def open_bills(self) -> list[Bill]: ...

        @property
        def debtors(self) -> set[UUID]: ...

        credit_of: Callable[[UUID | None], Decimal]

        bill: Callable[[UUID], Bill]
        _money: Callable[..., Decimal]
        _payment_received: Callable[..., None]
        charge_late_fees: Callable[..., int]
        _payment_reversed: Callable[..., None]
        _reversal_requested: Callable[..., None]
        _reversal_declined: Callable[..., None]
        reversals: Filed[UUID, dict[str, Any]]
        _credit_withdrawn: Callable[..., None]
        bills: Filed[UUID, Bill]

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
        payer_id: UUID | None = None,
        owners_now: Sequence[UUID] = (),
        received_on: date | None = None,
        terms: BillingTerms | None = None,
    ) -> None:
        """Allocate a payment to its payer's debts: the named bill first, then the payer's
        oldest open bills; the rest is the payer's credit (decision 0021).

        The payer is the one named, else the unit's first owner now
        (``owners_now``). The late fees the bills accrued up to and including
        the payment's day are charged first, in the same append (decision
        0022); then the payer's bills settle, the named one first, each bill's
        parts in the contract's ``settlement_order`` (Civil Code art. 561 unless
        ``terms`` say otherwise). No ``terms``: no late fee, art. 561 (the
        caller passes none only when no bill is overdue, see ``overdue``).
        A payment for a named bill that has nothing left to pay, or that
        another person owes, is refused, so a bill is never paid twice nor by
        someone else's money; a payment without its reference (a cash
        payment's is its receipt number) or with a repeated one too.
        """
        payer = payer_of(payer_id, owners_now, self.debtors)
        arrived = received_on_for(received_on, on)
        method = Method(method)
        value = self._money(amount, currency)
        if payment_id in self.payments:
            raise InvalidTransition("this payment has already been recorded")
        ref = (reference or "").strip() or None
        if ref is None:
            # The reference is the payment's natural key: without one a
            # double-click records the same cash twice (issue 14, defect 10).
            raise ValidationFailed(
                "reference: every payment carries its reference: the bank or online "
                "transaction's, or for cash the paper receipt's number (收据号)"
            )
        if ref is not None and (len(ref) > 100 or f"{method}:{ref}" in self.references):
            if len(ref) > 100:
                raise ValidationFailed("reference: at most 100 characters")
            raise InvalidTransition(f"a {method} payment with reference {ref} is already recorded")
        named = self.bill(bill_id) if bill_id is not None else None
        if named is not None and named.outstanding <= 0:
            raise InvalidTransition("this bill is already paid")
        if named is not None and payer not in named.debtors:
            raise ValidationFailed("bill_id: this bill is owed by another person than the payer")
        terms = terms or BillingTerms()
        self.charge_late_fees(terms, through=on, at=at, nil=True)
        # Which bills the payer may settle (decision 0021), then in what order (0022).
        others = [b for b in owed_by(self.open_bills, payer) if b.bill_id != bill_id]
        order = terms.settlement_order
        parts = settlement_order([named] if named else [], order) + settlement_order(others, order)
        allocations, left = allocate(value, parts)
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
            payer_id=payer,
            received_on=arrived,
        )

    def request_reversal(
        self, payment_id: UUID, reason: str, approval_id: UUID, by: UUID, at: datetime
    ) -> None:
        """Ask a second person to reverse a payment (maker-checker): nothing moves yet.

        Refused now, rather than at the checker's approval, if the reversal
        could not be made as the account stands.
        """
        payment = self._reversible(payment_id)
        if self.reversals.get(payment_id, {}).get("status") == "pending":
            raise InvalidTransition("a reversal of this payment is already awaiting approval")
        self._credit_to_withdraw(payment)
        self._reversal_requested(
            payment_id=payment_id,
            reason=clean_reason(reason),
            approval_id=approval_id,
            requested_by=by,
            at=at,
        )

    def settle_reversal(
        self, approval_id: UUID, approved: bool, outcome: str, on: date, at: datetime
    ) -> None:
        """The approval's final decision: reverse the payment, or record the refusal.

        ``reversed_by`` stays the maker, who asked; the approval names the checker.
        """
        for payment_id, asked in list(self.reversals.open.items()):  # the pending ones
            if asked["approval_id"] != approval_id or asked["status"] != "pending":
                continue
            if approved:
                self.reverse_payment(payment_id, asked["reason"], asked["requested_by"], on, at)
            else:
                self._reversal_declined(payment_id=payment_id, outcome=outcome, at=at)
            return

    def _reversible(self, payment_id: UUID) -> dict[str, Any]:
        payment = self.payments.get(payment_id)
        if payment is None:
            raise ValidationFailed("payment_id: no such payment on this account")
        if payment["reversed"]:
            raise InvalidTransition("this payment has already been reversed")
        return payment

    def reverse_payment(
        self, payment_id: UUID, reason: str, by: UUID, on: date, at: datetime
    ) -> None:
        """Undo a mistaken payment with a mirror entry; its bills are owed again.

        The money never arrived, so neither did the credit it left: where later
        bills were settled from that credit, the credit is first withdrawn from
        them (``CreditWithdrawn``, newest bill first), and they are owed again.
        Credit already refunded or held for a pending refund cannot be withdrawn
        from a bill; such a reversal is refused, and changes nothing.
        """
        payment = self._reversible(payment_id)
        withdrawals = self._credit_to_withdraw(payment)
        for bill_id, part in withdrawals:
            self._credit_withdrawn(
                estate_id=self.estate_id,
                unit_id=self.unit_id,
                bill_id=bill_id,
                payment_id=payment_id,
                amount=part,
                currency=self.currency,
                booked_on=on,
                at=at,
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

    def _credit_to_withdraw(self, payment: dict[str, Any]) -> list[tuple[UUID, Decimal]]:
        """The (bill, amount) parts of the payment's credit to take back from the bills
        its payer's credit settled, newest bill first; none when the payer's
        available credit covers it."""
        holder = payment["payer_id"]
        shortfall = payment["to_credit"] - self.credit_of(holder)
        parts: list[tuple[UUID, Decimal]] = []
        if shortfall <= 0:
            return parts
        # Rare (the credit was spent since), so the archive too is searched: the
        # credit may have settled bills that are settled still.
        for bill in sorted(self.bills.values(), key=oldest_first, reverse=True):
            if shortfall <= 0:
                break
            part = min(shortfall, bill.payments.get(credit_key(holder), Decimal(0)))
            if part > 0:
                parts.append((bill.bill_id, part))
                shortfall -= part
        if shortfall > 0:
            raise InvalidTransition(
                "the credit this payment left has since been refunded or is held for a refund; "
                "decide or reverse the refund first"
            )
        return parts
