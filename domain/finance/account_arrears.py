"""How a unit account charges late fees and records reminders.

The decisions of :class:`~domain.finance.account.UnitAccount` about unpaid
bills: interest on the unpaid principal, capped per bill, and one reminder
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

from domain.finance.bills import ZERO, Bill
from domain.finance.money import floor_money, round_money


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

        bills: dict[UUID, Bill]
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

    def dun(self, level: int, bill_ids: list[UUID], recipients: list[UUID], at: datetime) -> None:
        """Record a payment reminder of ``level`` for bills not yet reminded at that level.

        The reminder states what its bills' debtors owe on the unit (decision
        0021): a seller is not reminded of the buyer's bills, nor the reverse.
        """
        due = [b for b in bill_ids if self.bill(b).dunning_level < level]
        if not due:
            return
        debtors = {d for b in due for d in self.bill(b).debtors}
        owed = [b for b in self.bills.values() if debtors & set(b.debtors)]
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
