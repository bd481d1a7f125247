"""What a unit account answers of its own state: open bills, credit per holder, money.

Mixed into :class:`~domain.finance.account.UnitAccount`, apart from its
``@event`` methods. Credit is kept per holder (the payer whose overpayment
left it, decision 0021); ``credit`` and ``reserved`` are the unit's totals.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.errors import ValidationFailed
from domain.finance.archive import Filed
from domain.finance.bills import ZERO, Bill
from domain.finance.money import exact_money


class AccountQueries:
    """Mixed into ``UnitAccount``: its queries."""

    if TYPE_CHECKING:
        currency: str
        bills: Filed[UUID, Bill]
        debtor_ids: set[UUID]
        credit: Decimal
        reserved: Decimal
        credits: dict[UUID | None, Decimal]
        held: dict[UUID | None, Decimal]
        payments: Filed[UUID, dict[str, Any]]

    @property
    def open_bills(self) -> list[Bill]:
        """Bills with something left to pay, oldest first (due date, then period).

        Only open bills are looked at: an archived one owes nothing (decision 0033)."""
        bills = [b for b in self.bills.open.values() if b.outstanding > 0]
        return sorted(bills, key=oldest_first)

    @property
    def outstanding(self) -> Decimal:
        return sum((b.outstanding for b in self.bills.open.values()), ZERO)

    @property
    def available_credit(self) -> Decimal:
        return self.credit - self.reserved

    def credit_of(self, holder: UUID | None) -> Decimal:
        """The credit ``holder`` may still use or have refunded."""
        return self.credits.get(holder, ZERO) - self.held.get(holder, ZERO)

    @property
    def debtors(self) -> set[UUID]:
        """Everyone who owes or owed a bill of this unit."""
        return set(self.debtor_ids)

    def _move_credit(self, holder: UUID | None, credit: Decimal, held: Decimal = ZERO) -> None:
        self.credit += credit
        self.reserved += held
        self.credits[holder] = self.credits.get(holder, ZERO) + credit
        self.held[holder] = self.held.get(holder, ZERO) + held

    def overdue(self, on: date) -> bool:
        """Whether a bill left to pay fell due before ``on``: only then may a late
        fee accrue or be owed, and a payment needs the contract's terms."""
        return any(b.due_on < on for b in self.open_bills)

    def bill(self, bill_id: UUID) -> Bill:
        """The bill, open or archived: read it, never change it."""
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


def oldest_first(bill: Bill) -> tuple[date, str, str]:
    """The order bills are settled in: due date, then period."""
    return (bill.due_on, bill.period, str(bill.bill_id))
