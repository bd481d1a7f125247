"""Journal entries: what every financial event means in the books (R5.3).

Every event that moves money or a claim to money posts exactly one
:class:`Entry`, balanced per currency. A context that records financial
events gives a *posting function* for its aggregate type:
``post(event_name, payload) -> Entry | None`` (None: the event moves no
money). Posting functions are pure, read only the event's own fields, and
never change meaning for a stored event: a new meaning is a new event type.
The ledger read model and the compliance checks both call them through
:data:`POSTINGS` in ``domain.finance.postings``.

Conventions for financial events' fields: ``estate_id``, ``booked_on`` (the
accounting date, a ``date``), amounts as ``Decimal`` next to a ``currency``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.finance.accounts import CHART


@dataclass(frozen=True)
class Line:
    """One side of an entry on one account. Exactly one of debit and credit is non-zero."""

    account: str
    debit: Decimal
    credit: Decimal
    currency: str
    unit_id: UUID | None = None  # the owner's unit (receivables, credit, fund sub-ledger)
    bill_id: UUID | None = None  # every receivables line names its bill
    party_id: UUID | None = None  # a vendor, for payables and expenses
    due_on: date | None = None  # the bill's due date, on the line that raises it (aging)
    memo: str = ""
    #: A later day this line is booked on (revenue recognised in its month of
    #: service, decision 0023); None: the entry's day.
    booked_on: date | None = None

    @classmethod
    def dr(cls, account: str, amount: Decimal, currency: str, **dims: Any) -> Line:
        return cls(account, amount, Decimal(0), currency, **dims)

    @classmethod
    def cr(cls, account: str, amount: Decimal, currency: str, **dims: Any) -> Line:
        return cls(account, Decimal(0), amount, currency, **dims)


@dataclass(frozen=True)
class Entry:
    estate_id: UUID
    booked_on: date
    memo: str
    lines: tuple[Line, ...] = field(default_factory=tuple)

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(debits, credits) per currency."""
        sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in self.lines:
            sums[line.currency][0] += line.debit
            sums[line.currency][1] += line.credit
        return {c: (d, k) for c, (d, k) in sums.items()}

    def day_of(self, line: Line) -> date:
        return line.booked_on or self.booked_on

    @property
    def balanced(self) -> bool:
        """Debits equal credits per currency, and per day the lines are booked on."""
        days: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
        for line in self.lines:
            days[line.currency, self.day_of(line)] += line.debit - line.credit
        return all(v == 0 for v in days.values())

    def check(self) -> Entry:
        """The entry, if well formed: balanced, known accounts, receivables lines name a bill."""
        if not self.lines:
            raise ValueError(f"{self.memo}: an entry needs lines")
        for line in self.lines:
            if line.account not in CHART:
                raise ValueError(f"{self.memo}: unknown account {line.account}")
            if (line.debit != 0) == (line.credit != 0) or line.debit < 0 or line.credit < 0:
                raise ValueError(f"{self.memo}: a line is a positive debit or a positive credit")
        if not self.balanced:
            raise ValueError(f"{self.memo}: debits and credits differ: {self.totals()}")
        return self


PostingFunction = Callable[[str, Mapping[str, Any]], Entry | None]


def lines_without_zeros(lines: list[Line]) -> tuple[Line, ...]:
    """Drop zero-amount lines (a fully allocated payment has no credit line)."""
    return tuple(line for line in lines if line.debit != 0 or line.credit != 0)
