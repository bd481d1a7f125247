"""How a unit account charges late fees and records reminders.

The decisions of :class:`~domain.finance.account.UnitAccount` about unpaid
bills: interest on the unpaid principal, accrued day by day and capped per bill, and one reminder
per bill and dunning level. They live apart from the aggregate so that each
file reads as one concept; they record only through the ``@event`` methods
of ``UnitAccount`` (where the event classes, and so their stored topics,
stay).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from domain.finance.archive import Filed
from domain.finance.bills import ZERO, Bill
from domain.finance.money import floor_money, round_money
from domain.finance.rate_values import BillingTerms


class ArrearsDecisions:
    """Mixed into ``UnitAccount``: late fees and dunning."""

    # What the decisions read of ``UnitAccount``, for mypy alone. The ``@event``
    # methods are typed loosely: restating their signatures here would be a
    # second copy to keep in step, and the tests call every one of them.
    if TYPE_CHECKING:
        estate_id: UUID
        unit_id: UUID
        currency: str

        @property
        def outstanding(self) -> Decimal: ...

        bills: Filed[UUID, Bill]

        @property
        def open_bills(self) -> list[Bill]: ...

        bill: Callable[[UUID], Bill]
        _late_fee_charged: Callable[..., None]
        _dunned: Callable[..., None]

    def charge_late_fee(
        self,
        bill_id: UUID,
        *,
        through: date,
        daily_rate: Decimal,
        grace_days: int,
        cap_ratio: Decimal,
        at: datetime,
        nil: bool = False,
        booked_on: date | None = None,
    ) -> Decimal:
        """Charge the late fee the bill accrued up to and including the day ``through``,
        booked on ``through`` unless ``booked_on`` names another day (a closed period).

        Each day after the due date and the grace days accrues ``daily_rate`` of
        the principal unpaid at the start of that day (decision 0022). The bill
        keeps the exact interest (``accrued``); its late fees are always that
        total rounded half-up to the fen, never more than ``cap_ratio`` of the
        principal (rounded down), so charging daily or once gives the same sum.
        ``nil``: record the accrual even when it rounds to nothing new (a
        payment is about to change the principal it accrues on). Returns the
        amount charged.
        """
        bill = self.bill(bill_id)
        start = bill.late_fee_through or date.fromordinal(bill.due_on.toordinal() + grace_days)
        days = (through - start).days
        unpaid = bill.principal_due
        if days <= 0 or unpaid <= 0 or daily_rate <= 0:
            return ZERO
        accrued = bill.accrued + unpaid * daily_rate * days
        cap = floor_money(bill.principal * cap_ratio, self.currency)
        fee = min(round_money(accrued, self.currency), cap) - bill.late_fees
        if fee < 0 or (fee == 0 and (not nil or bill.late_fees >= cap)):
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
            booked_on=booked_on or through,
            at=at,
            accrued=accrued,
            tax=bill.tax_in_late_fee(fee, self.currency),
        )
        return fee

    def charge_late_fees(
        self,
        terms: BillingTerms,
        *,
        through: date,
        at: datetime,
        nil: bool = False,
        booked_on: date | None = None,
    ) -> int:
        """Charge every open bill's late fee up to and including ``through``, per the
        contract's ``terms``: none where they provide no daily rate. Returns how
        many bills were charged."""
        charged = 0
        if terms.late_fee_daily_rate <= 0:
            return charged
        for bill in self.open_bills:
            fee = self.charge_late_fee(
                bill.bill_id,
                through=through,
                daily_rate=terms.late_fee_daily_rate,
                grace_days=terms.late_fee_grace_days,
                cap_ratio=terms.late_fee_cap_ratio,
                at=at,
                nil=nil,
                booked_on=booked_on,
            )
            charged += fee > 0
        return charged

    def dun(self, level: int, bill_ids: list[UUID], recipients: list[UUID], at: datetime) -> None:
        """Record a payment reminder of ``level`` for bills not yet reminded at that level.

        The reminder states what its bills' debtors owe on the unit (decision
        0021): a seller is not reminded of the buyer's bills, nor the reverse.
        """
        due = [b for b in bill_ids if self.bill(b).dunning_level < level]
        if not due:
            return
        debtors = {d for b in due for d in self.bill(b).debtors}
        # An archived bill owes nothing: the open ones hold all that is owed.
        owed = [b for b in self.bills.open.values() if debtors & set(b.debtors)]
        self._dunned(
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            level=level,
            bill_ids=due,
            outstanding=sum((b.outstanding for b in owed), ZERO) if debtors else self.outstanding,
            currency=self.currency,
            recipients=recipients,
            at=at,
        )
