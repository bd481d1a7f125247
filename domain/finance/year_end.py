"""The year-end close (结转损益): the year's result into retained earnings.

When December's period close is approved (decision 0024), the balance of every
revenue and expense account at 31 December is closed into 本年利润 (4103, profit
for the year), and 4103 in turn into 利润分配—未分配利润 (4104, retained
earnings), in one entry booked on 31 December: revenue accounts are debited,
expense accounts credited, 4103 takes the result and hands it on to 4104. The
next year so opens with every revenue and expense account at zero, and the
income statement leaves this entry out (it is a closing entry, not revenue or
expense of December). One ``YearEnd`` per estate and year (``uuid5``): a year
is closed once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.finance.accounts import CHART, PROFIT_FOR_THE_YEAR, RETAINED_EARNINGS, Kind
from domain.finance.journal import Entry, Line, PostingFunction, lines_without_zeros

YEAR_END_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/year-end")
ZERO = Decimal(0)
# The ledger's aggregate name of closing entries: the income statement leaves them out.
CLOSING_AGGREGATE = "YearEnd"


def year_end_id(estate_id: UUID, year: int) -> UUID:
    return uuid5(YEAR_END_NAMESPACE, f"{estate_id}/{year}")


def _side(balance: Decimal) -> tuple[Decimal, Decimal]:
    """(debit, credit) that bring a debit-minus-credit ``balance`` to zero."""
    return (ZERO, balance) if balance > 0 else (-balance, ZERO)


def closing_lines(balances: Mapping[tuple[str, str], Decimal]) -> list[dict[str, Any]]:
    """The closing entry's lines from the balances (debit minus credit) at 31 December:
    each revenue and expense account to zero against 4103, then 4103 (with anything
    booked on it by hand) into 4104. Per currency; none when there is nothing to close."""
    lines: list[dict[str, Any]] = []
    currencies = sorted({c for _, c in balances})
    for currency in currencies:
        result = ZERO  # debit minus credit of the P&L accounts: a profit is negative
        for (code, c), balance in sorted(balances.items()):
            if c != currency or balance == 0 or code not in CHART:
                continue
            if CHART[code].kind in (Kind.REVENUE, Kind.EXPENSE):
                debit, credit = _side(balance)
                lines.append(_line(code, debit, credit, currency))
                result += balance
        if result != 0:
            lines.append(_line(PROFIT_FOR_THE_YEAR, *_side(-result), currency))
        carried = result + balances.get((PROFIT_FOR_THE_YEAR, currency), ZERO)
        if carried != 0:
            lines.append(_line(PROFIT_FOR_THE_YEAR, *_side(carried), currency))
            lines.append(_line(RETAINED_EARNINGS, *_side(-carried), currency))
    return lines


def _line(account: str, debit: Decimal, credit: Decimal, currency: str) -> dict[str, Any]:
    return {"account": account, "debit": debit, "credit": credit, "currency": currency}


class YearEnd(Aggregate):
    """The closing entry of one estate's year."""

    @staticmethod
    def create_id(estate_id: UUID, year: int, **_: Any) -> UUID:
        return year_end_id(estate_id, year)

    @event("Closed")
    def __init__(
        self,
        estate_id: UUID,
        year: int,
        booked_on: date,
        lines: list[dict[str, Any]],
        through_position: int,
        closed_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.year = year
        self.lines = lines


def post(event_name: str, payload: Mapping[str, Any]) -> Entry | None:
    """The closing entry (结转损益) as stored."""
    if event_name != "Closed" or not payload["lines"]:
        return None
    return Entry(
        estate_id=payload["estate_id"],
        booked_on=payload["booked_on"],
        memo=f"结转损益 {payload['year']}: the year's result into retained earnings",
        lines=lines_without_zeros(
            [
                Line(x["account"], Decimal(x["debit"]), Decimal(x["credit"]), x["currency"])
                for x in payload["lines"]
            ]
        ),
    )


POSTINGS: dict[str, PostingFunction] = {CLOSING_AGGREGATE: post}
