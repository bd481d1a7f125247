"""A line of a bank statement, stored once, and its match to a recorded payment.

One aggregate per (estate, bank account, the bank's serial number of the
line): its ID derives from the three, so importing the same statement again
stores nothing new, and two imports at once conflict in the append. A
credit line is money the bank says arrived; reconciliation pairs it with a
recorded bank-transfer payment (``docs/finance/bank.md``): by rule when the
payment's reference is the line's serial or stands in its memo (附言), the
amounts agree and the value date is within :data:`MATCH_WINDOW_DAYS` of the
day the payment was recorded; by hand otherwise (``Matched``, with who).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/bank-lines")
MATCH_WINDOW_DAYS = 7


def bank_line_id(estate_id: UUID, account: str, serial: str) -> UUID:
    return uuid5(NAMESPACE, f"{estate_id}:{account}:{serial.strip().upper()}")


class LineNotMatchable(InvalidTransition):
    title = "Bank line cannot be matched"


class BankLine(Aggregate):
    @staticmethod
    def create_id(estate_id: UUID, account: str, serial: str, **_: object) -> UUID:
        return bank_line_id(estate_id, account, serial)

    @event("Imported")
    def __init__(
        self,
        estate_id: UUID,
        account: str,
        serial: str,
        value_date: date,
        time: str,
        debit: Decimal,
        credit: Decimal,
        balance: Decimal,
        currency: str,
        counterparty: str,
        counterparty_account: str,
        memo: str,
        layout: str,
        row: int,
        import_id: UUID,
        imported_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.credit = credit
        self.currency = currency
        self.payment_id: UUID | None = None

    def match(
        self, *, payment_id: UUID, amount: Decimal, currency: str, by: UUID, at: datetime
    ) -> None:
        """Match this credit line to a recorded payment of the same amount, by hand."""
        if self.credit <= 0:
            raise LineNotMatchable("only money received (a credit line) matches a payment")
        if self.payment_id is not None:
            raise LineNotMatchable(f"the line is already matched to payment {self.payment_id}")
        if (amount, currency) != (self.credit, self.currency):
            raise LineNotMatchable(
                f"the payment's {amount} {currency} is not the line's {self.credit} {self.currency}"
            )
        self._matched(payment_id=payment_id, by=by, at=at)

    @event("Matched")
    def _matched(self, payment_id: UUID, by: UUID, at: datetime) -> None:
        self.payment_id = payment_id


@dataclass(frozen=True)
class Credit:
    """A credit line, as reconciliation sees it."""

    line_id: UUID
    serial: str
    memo: str
    value_date: date
    amount: Decimal
    matched_to: UUID | None  # by hand


@dataclass(frozen=True)
class Received:
    """A recorded bank-transfer payment, as reconciliation sees it."""

    payment_id: UUID
    reference: str
    amount: Decimal
    on: date


def _by_rule(line: Credit, payment: Received, window: int) -> bool:
    reference = payment.reference.strip().upper()
    said = reference == line.serial.strip().upper() or (
        len(reference) >= 4 and reference in line.memo.upper()
    )
    near = abs((line.value_date - payment.on).days) <= window
    return said and near and line.amount == payment.amount


def pair(
    lines: list[Credit], payments: list[Received], window: int = MATCH_WINDOW_DAYS
) -> dict[UUID, UUID]:
    """Line ID -> payment ID: the matches made by hand, then by rule, each payment once.

    A payment matched by hand to one line is not matched by rule to another;
    by rule, lines in value-date order take the first payment that fits.
    """
    known = {p.payment_id for p in payments}
    pairs = {
        line.line_id: line.matched_to
        for line in lines
        if line.matched_to is not None and line.matched_to in known
    }
    taken = set(pairs.values())
    for line in sorted(lines, key=lambda c: (c.value_date, c.serial)):
        if line.line_id in pairs or line.matched_to is not None:
            continue
        for payment in payments:
            if payment.payment_id not in taken and _by_rule(line, payment, window):
                pairs[line.line_id] = payment.payment_id
                taken.add(payment.payment_id)
                break
    return pairs
