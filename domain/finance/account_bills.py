"""How a unit account charges a bill and settles it from credit at once.

A decision of :class:`~domain.finance.account.UnitAccount`, apart from the
aggregate so that its file keeps to the events; it records only through the
``@event`` methods of ``UnitAccount`` (where the event classes stay).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.archive import Filed
from domain.finance.bills import ZERO, Bill, BillLine
from domain.finance.debtors import holders_for
from domain.finance.money import round_money
from domain.finance.periods import period_bounds


class BillDecisions:
    """Mixed into ``UnitAccount``: issuing bills."""

    if TYPE_CHECKING:
        estate_id: UUID
        unit_id: UUID
        currency: str
        bills: Filed[UUID, Bill]

        credit_of: Callable[[UUID | None], Decimal]

        _bill_issued: Callable[..., None]
        _credit_applied: Callable[..., None]

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
        """Charge a bill; its debtors' credit on the account then settles it as far as it
        goes (credit no payer was named for first, then each debtor's: decision 0021).

        Its revenue is recognised in the month of service (decision 0023): on the
        period's first day when issued before it (a contract liability until then),
        else on the day of issue."""
        if bill_id in self.bills:  # open or archived: billing twice bills once
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
            recognised_on=max(period_bounds(period)[0], issued_on),
            at=at,
        )
        for holder in holders_for(payer_ids):
            usable = min(self.credit_of(holder), self.bills[bill_id].outstanding)
            if usable <= 0:
                continue
            self._credit_applied(
                estate_id=self.estate_id,
                unit_id=self.unit_id,
                bill_id=bill_id,
                amount=usable,
                currency=self.currency,
                booked_on=issued_on,
                at=at,
                payer_id=holder,
            )
