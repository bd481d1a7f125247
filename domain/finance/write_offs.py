"""Write-offs of bad debts (坏账核销) by two people (issue 14, decisions 0020, 0024).

A receivable the company no longer expects to collect is written off against
the allowance for doubtful accounts (坏账准备, 1231): Dr 1231 / Cr 1122. The
clerk who proposes a write-off (制单) never approves it (审核): the proposal
is a :class:`WriteOffRequest`, which moves nothing, and the approval of kind
``write_off`` records ``BillWrittenOff`` on the unit account, in the same
append, if the bill still owes exactly what the maker saw (a payment that came
in meanwhile makes the checker reject it). A written-off bill owes nothing
more, so it leaves the aging, dunning and late fees, and stays in the unit's
history with what was written off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition
from domain.finance.bills import Bill, clean_reason


class WriteOffRequest(Aggregate):
    """A maker's proposal to write off what bill ``bill_id`` still owes (``amount``)."""

    @event("Requested")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        unit_id: UUID,
        bill_id: UUID,
        amount: Decimal,
        currency: str,
        reason: str,
        approval_id: UUID,
        requested_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.bill_id = bill_id
        self.amount = amount
        self.currency = currency
        self.reason = reason
        self.approval_id = approval_id
        self.requested_by = requested_by
        self.declined: str | None = None

    def decline(self, *, outcome: str, at: datetime) -> None:
        """Record why nothing was written off (an approval is recorded on the unit
        account instead: ``BillWrittenOff`` names this request)."""
        if self.declined is not None:
            raise InvalidTransition(f"write-off request {self.id} was already declined")
        self._declined(outcome=outcome, at=at)

    @event("Declined")
    def _declined(self, outcome: str, at: datetime) -> None:
        self.declined = outcome


class WriteOffDecisions:
    """Mixed into ``UnitAccount``: what may be written off, and writing it off."""

    if TYPE_CHECKING:
        estate_id: UUID
        unit_id: UUID
        currency: str
        bill: Callable[[UUID], Bill]
        _money: Callable[..., Decimal]
        _bill_written_off: Callable[..., None]

    def check_write_off(self, bill_id: UUID, amount: object, currency: str) -> Decimal:
        """The amount, if it is exactly what the bill still owes (a write-off takes the
        whole debt; a part is settled by payment or waiver first)."""
        value = self._money(amount, currency)
        bill = self.bill(bill_id)
        if value != bill.outstanding:
            raise InvalidTransition(
                f"the bill owes {bill.outstanding} {self.currency}, not {value}: "
                "a write-off takes what is left to pay, as it is now"
            )
        return value

    def write_off(
        self,
        *,
        request_id: UUID,
        bill_id: UUID,
        amount: object,
        currency: str,
        reason: str,
        approval_id: UUID,
        today: date,
        at: datetime,
    ) -> None:
        """Write off the bill's debt against the allowance, once a second person approved."""
        value = self.check_write_off(bill_id, amount, currency)
        self._bill_written_off(
            estate_id=self.estate_id,
            unit_id=self.unit_id,
            request_id=request_id,
            bill_id=bill_id,
            amount=value,
            currency=self.currency,
            reason=clean_reason(reason),
            approval_id=approval_id,
            booked_on=today,
            at=at,
        )
