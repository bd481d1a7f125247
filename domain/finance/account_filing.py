"""Which of a unit account's items are open, and which are archived (decision 0033).

Mixed into :class:`~domain.finance.account.UnitAccount` and called only from
its ``@event`` methods, so that only the events recorded decide what is
archived, the same on every replay: a bill is archived when it owes nothing,
a payment when none of the bills it paid is open, a waiver, refund or reversal
once decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.finance.archive import Filed, copy_fields
from domain.finance.bills import Bill


class Filing:
    """Mixed into ``UnitAccount``: moving its items between open and archived."""

    if TYPE_CHECKING:
        bills: Filed[UUID, Bill]
        payments: Filed[UUID, dict[str, Any]]

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """A command's private copy (the repository hands one to every command): its
        open items copied, what never changes (archives, IDs, amounts) shared."""
        copied = object.__new__(type(self))
        copy_fields(self, copied, memo)
        return copied

    def _file_bills(self, bill_ids: Iterable[UUID], payment_id: UUID | None = None) -> None:
        """Archive the bills among ``bill_ids`` that owe nothing, then the payments
        (``payment_id``, just received, among them) that no open bill holds."""
        settled = False
        for bill_id in dict.fromkeys(bill_ids):
            bill = self.bills.open.get(bill_id)
            # Exactly nothing: a bill owed below zero would change the sums of open bills.
            if bill is not None and bill.outstanding == 0:
                self.bills.settle(bill_id)
                settled = True
        candidates = list(self.payments.open) if settled else []
        if payment_id is not None and payment_id not in candidates:
            candidates.append(payment_id)
        for candidate in candidates:
            payment = self.payments.open.get(candidate)
            if payment is not None and not any(
                part["bill_id"] in self.bills.open for part in payment["allocations"]
            ):
                self.payments.settle(candidate)

    @staticmethod
    def _decide(items: Filed[UUID, dict[str, Any]], key: UUID, status: str, **changes: Any) -> None:
        """Record the decision on a waiver, refund or reversal, and archive it."""
        items.reopen(key).update(changes, status=status)
        items.settle(key)
