"""Interest the fund's bank account earns, allocated to the units (增值分摊).

The bank credits interest to the fund's own account (1002.02); it belongs to
the owners, unit by unit, in proportion to what each unit's money did to
earn it: the unit's **daily balance product** (积数) over the interest
period, the sum over every day of the period of the unit's balance at the
end of that day, by the booking day of its deposits, charges and earlier
interest. It is the basis banks use to compute the interest itself, so a
unit that paid in halfway through the period earns half as much as one
that held the same balance all along. The parts are rounded down to the
fen and the fen left over go by largest remainder (``money.allocate``),
so they sum to the interest exactly.

:class:`FundInterest` is one allocation, keyed by the estate and the bank
statement's reference (the same credit is never allocated twice). Its
``Allocated`` event posts one entry: Dr 1002.02 for the interest / Cr 2241
per unit; each unit's ``FundAccount`` records its share as
``InterestCredited``, which posts nothing (as a ``Charged`` posts nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed
from domain.finance.fund_rules import positive, text
from domain.finance.money import allocate, currency_of

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/fund-interest")
BASIS = "daily_balance_product"
LONGEST_PERIOD_DAYS = 366 * 5


def fund_interest_id(estate_id: UUID, reference: str) -> UUID:
    """One allocation per bank statement line of the estate's fund account."""
    return uuid5(NAMESPACE, f"{estate_id}:{reference.strip()}")


def daily_balance_product(
    movements: Iterable[tuple[date, Decimal]], start: date, end: date
) -> Decimal:
    """Sum, over each day from ``start`` to ``end`` inclusive, of the balance at the
    end of that day, the balance being every movement booked on or before it."""
    if end < start:
        raise ValidationFailed("period_to: before period_from")
    by_day: dict[date, Decimal] = {}
    balance = Decimal(0)
    for day, amount in movements:
        if day < start:
            balance += amount
        elif day <= end:
            by_day[day] = by_day.get(day, Decimal(0)) + amount
    product = Decimal(0)
    day = start
    for change_day in sorted(by_day):
        product += balance * (change_day - day).days
        balance += by_day[change_day]
        day = change_day
    return product + balance * ((end - day).days + 1)


class FundInterest(Aggregate):
    """One interest credit of the fund's bank account, allocated to the units."""

    @staticmethod
    def create_id(estate_id: UUID, reference: str, **_: Any) -> UUID:
        return fund_interest_id(estate_id, reference)

    @classmethod
    def allocate(
        cls,
        *,
        estate_id: UUID,
        reference: str,
        amount: object,
        currency: str,
        period_from: date,
        period_to: date,
        booked_on: date,
        weights: Mapping[UUID, Decimal],
        recorded_by: UUID,
        at: datetime,
    ) -> FundInterest:
        """Split ``amount`` over the units by ``weights`` (their daily balance products)."""
        currency = currency_of(currency)
        amount = positive(amount, currency)
        if period_to < period_from:
            raise ValidationFailed("period_to: before period_from")
        if period_to > booked_on:
            raise ValidationFailed("period_to: after the day the interest is booked")
        if period_to - period_from > timedelta(days=LONGEST_PERIOD_DAYS):
            raise ValidationFailed("period_from: an interest period is at most five years")
        units = [u for u in weights if weights[u] > 0]
        if not units:
            raise ValidationFailed(
                "no unit held a fund balance in the period: nothing to allocate to"
            )
        parts = allocate(amount, [weights[u] for u in units], currency)
        splits = [
            {"unit_id": u, "amount": p, "weight": weights[u]}
            for u, p in zip(units, parts, strict=True)
        ]
        return cls(
            estate_id=estate_id,
            reference=text(reference, "reference", 100),
            amount=amount,
            currency=currency,
            period_from=period_from,
            period_to=period_to,
            booked_on=booked_on,
            basis=BASIS,
            splits=splits,
            recorded_by=recorded_by,
            at=at,
        )

    @event("Allocated")
    def __init__(
        self,
        estate_id: UUID,
        reference: str,
        amount: Decimal,
        currency: str,
        period_from: date,
        period_to: date,
        booked_on: date,
        basis: str,
        splits: list[dict[str, Any]],
        recorded_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.reference = reference
        self.amount = amount
        self.currency = currency
        self.booked_on = booked_on
        self.splits = splits
