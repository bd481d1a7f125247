"""A unit account's bills and what they are made of: values the account keeps.

The :class:`~domain.finance.account.UnitAccount` holds them; their IDs derive
from the unit (and for a bill its period and first day), so billing twice
bills once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import ValidationFailed
from domain.finance.archive import copy_fields
from domain.finance.money import round_money

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/unit-account")
ZERO = Decimal(0)


def account_id_for(unit_id: UUID) -> UUID:
    return uuid5(NAMESPACE, str(unit_id))


def bill_id_for(unit_id: UUID, period: str, starts_on: date, supplement: int = 0) -> UUID:
    """Bills are named by unit, period, the first billed day and the run of the period
    (0 the first, then each supplementary run's number): billing twice bills once."""
    name = f"bill:{unit_id}:{period}:{starts_on.isoformat()}"
    return uuid5(NAMESPACE, f"{name}:{supplement}" if supplement else name)


class Method(StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    ONLINE = "online"


class BillStatus(StrEnum):
    OPEN = "open"
    SETTLED = "settled"


@dataclass
class Bill:
    """A bill as the account keeps it: what was charged and what has cleared it."""

    bill_id: UUID
    period: str
    issued_on: date
    due_on: date
    principal: Decimal
    late_fees: Decimal = ZERO
    paid: Decimal = ZERO  # by payments and credit
    waived: Decimal = ZERO
    written_off: Decimal = ZERO  # 坏账核销: no longer owed, still in the history
    late_fee_through: date | None = None
    dunning_level: int = 0
    payments: dict[str, Decimal] = field(default_factory=dict)  # payment or credit -> amount
    debtors: tuple[UUID, ...] = ()  # who owes it: its payers at billing time (decision 0021)
    # Of ``paid`` and ``waived``, what went to the late fee rather than the principal.
    late_fee_paid: Decimal = ZERO
    late_fee_waived: Decimal = ZERO
    late_fee_written_off: Decimal = ZERO
    # The late fee's exact interest through ``late_fee_through``, before rounding and cap.
    accrued: Decimal = ZERO
    # The output VAT in the principal, and what waivers took back of it (decision 0023).
    tax: Decimal = ZERO
    tax_waived: Decimal = ZERO
    late_fee_tax: Decimal = ZERO  # the output VAT in its late fees (价外费用)
    late_fee_tax_waived: Decimal = ZERO
    recognised_on: date | None = None  # revenue waits in 2204 until then

    def __deepcopy__(self, memo: dict[int, Any]) -> Bill:
        # A command's copy of an open bill: every field is shared but the dict.
        copied = object.__new__(Bill)
        copy_fields(self, copied, memo)
        return copied

    @property
    def charged(self) -> Decimal:
        return self.principal + self.late_fees

    @property
    def outstanding(self) -> Decimal:
        return self.charged - self.paid - self.waived - self.written_off

    @property
    def late_fee_due(self) -> Decimal:
        """The late fees charged and neither paid nor waived."""
        return (
            self.late_fees - self.late_fee_paid - self.late_fee_waived - self.late_fee_written_off
        )

    @property
    def principal_due(self) -> Decimal:
        """The principal neither paid nor waived: what late fees accrue on."""
        return self.outstanding - self.late_fee_due

    def tax_in_waiver(self, principal: Decimal, currency: str) -> Decimal:
        """The output VAT in ``principal`` more of the principal waived."""
        waived = self.waived - self.late_fee_waived
        return _vat_in_part(principal, waived, self.tax, self.principal, self.tax_waived, currency)

    def tax_in_late_fee(self, fee: Decimal, currency: str) -> Decimal:
        """The output VAT in ``fee`` more of late fees: a 违约金 is 价外费用, taxed as
        the bill's own services are, so it holds the bill's share of VAT."""
        return _vat_in_part(
            fee, self.late_fees, self.tax, self.principal, self.late_fee_tax, currency
        )

    def tax_in_late_fee_waiver(self, fee: Decimal, currency: str) -> Decimal:
        """The output VAT in ``fee`` more of late fees waived."""
        return _vat_in_part(
            fee, self.late_fee_waived, self.late_fee_tax, self.late_fees,
            self.late_fee_tax_waived, currency,
        )  # fmt: skip

    def settle(self, by: str, part: dict[str, Any]) -> dict[str, Any]:
        """Record a payment's allocation ``part`` to this bill; returned naming its
        late fee (an allocation recorded before decision 0022 settled it first)."""
        late_fee = part.get("late_fee")
        if late_fee is None:
            late_fee = min(part["amount"], self.late_fee_due)
            part = {**part, "late_fee": late_fee, "principal": part["amount"] - late_fee}
        self.paid += part["amount"]
        self.late_fee_paid += late_fee
        self.payments[by] = part["amount"]
        return part

    def write_off(self, amount: Decimal) -> None:
        """Write ``amount`` off as a bad debt: its late fee first, as a payment would
        settle it (art. 561), so that neither part is ever owed below zero."""
        self.late_fee_written_off += min(amount, self.late_fee_due)
        self.written_off += amount

    def unsettle(self, by: str, part: dict[str, Any]) -> None:
        """Undo :meth:`settle` of a reversed payment: the bill is owed again."""
        self.paid -= part["amount"]
        self.late_fee_paid -= part["late_fee"]
        self.payments.pop(by, None)

    @property
    def status(self) -> BillStatus:
        return BillStatus.SETTLED if self.outstanding <= 0 else BillStatus.OPEN


@dataclass(frozen=True)
class BillLine:
    item: str
    description: str
    quantity: Decimal
    unit: str  # "m2·month", "space·month", "m3", "kWh", "share"
    rate: Decimal
    amount: Decimal  # tax-inclusive (含税价)
    vat_rate: Decimal = ZERO
    tax: Decimal = ZERO  # output VAT within ``amount``
    treatment: str = "revenue"  # or "pass_through" (代收代付), see domain/finance/tax.py

    @property
    def net(self) -> Decimal:
        return self.amount - self.tax

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "description": self.description,
            "quantity": self.quantity,
            "unit": self.unit,
            "rate": self.rate,
            "amount": self.amount,
            "vat_rate": self.vat_rate,
            "net": self.net,
            "tax": self.tax,
            "treatment": self.treatment,
        }


def _vat_in_part(
    part: Decimal, counted: Decimal, vat: Decimal, of: Decimal, taken: Decimal, currency: str
) -> Decimal:
    """The VAT in ``part`` more of an amount ``of`` that holds ``vat``, ``counted`` of
    it already counted: the VAT in all of it so far, to the fen, less what the
    earlier parts ``taken``, so that the parts' VAT sums to the VAT of their total.
    Never more than the part itself: a waiver recorded before VAT was taken back
    (v1) left its VAT for a later part, but not beyond that part."""
    if not vat:
        return ZERO
    return min(round_money((counted + part) * vat / of, currency) - taken, part)


def bill_issued_v1_v2(state: dict[str, Any]) -> None:
    """A ``BillIssued`` of version 1 was booked as it will always be: revenue on the
    day of issue, no VAT (decision 0023)."""
    state["recognised_on"] = state["booked_on"]
    for line in state["lines"]:
        line.update(vat_rate=ZERO, net=line["amount"], tax=ZERO, treatment="revenue")


def due_date(period_starts: date, issued_on: date, due_days: int) -> date:
    """A bill falls due ``due_days`` after its period begins, or after its issue day
    when issued late: never before it was issued (decision 0023)."""
    return max(period_starts, issued_on) + timedelta(days=due_days)


def clean_reason(text: str, what: str = "reason") -> str:
    text = text.strip()
    if not text or len(text) > 500:
        raise ValidationFailed(f"{what}: 1-500 characters")
    return text
