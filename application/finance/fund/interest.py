"""Interest the fund's bank account earned, allocated to the units (增值分摊).

The handler reads every fund account of the estate, weighs each by its
daily balance product over the period (``domain/finance/fund_interest.py``),
and saves the allocation with every unit's share in one atomic save: the
entry (Dr 1002.02 / Cr 2241 per unit) and the sub-ledgers never disagree.
The bank statement's reference is the natural key: the same credit twice
is a conflict (409), whatever the amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.finance.fund.handlers import MANAGE, FundRecordNotFound, FundService
from application.registry import lookups
from application.services import find
from domain.errors import InvalidTransition
from domain.finance.fund import FundAccount
from domain.finance.fund_interest import FundInterest, daily_balance_product, fund_interest_id
from domain.finance.money import Money


@dataclass(frozen=True)
class AllocateInterest:
    """Fund managers of the estate record interest the bank credited to the fund's
    account for ``period_from``..``period_to`` (the statement's line ``reference``)
    and allocate it to the units by their daily balance products."""

    actor: Actor
    estate_id: UUID
    amount: Money
    reference: str
    period_from: date
    period_to: date
    booked_on: date | None = None


@dataclass(frozen=True)
class Allocation:
    id: UUID
    position: int
    currency: str
    splits: list[dict[str, Any]]


def allocate_interest(fund: FundService, cmd: AllocateInterest) -> Allocation:
    """Record the interest and credit each unit its share, in one save."""
    cmd.actor.check(MANAGE, None, cmd.estate_id)
    log = fund.deps.event_log
    if not lookups.estate_exists(log, cmd.estate_id):
        raise FundRecordNotFound(HIDDEN)
    interest_id = fund_interest_id(cmd.estate_id, cmd.reference)
    if find(log, interest_id, FundInterest) is not None:
        raise InvalidTransition(f"reference: interest {cmd.reference.strip()} is already allocated")
    now = fund.deps.clock()
    booked_on = fund.booking_day(cmd.estate_id, cmd.booked_on)
    accounts: dict[UUID, FundAccount] = {}
    for unit_id in fund.units.in_order(cmd.estate_id):
        account = fund.account(unit_id)
        if account is not None and account.currency == cmd.amount.currency:
            accounts[unit_id] = account
    interest = FundInterest.allocate(
        estate_id=cmd.estate_id,
        reference=cmd.reference,
        amount=cmd.amount.amount,
        currency=cmd.amount.currency,
        period_from=cmd.period_from,
        period_to=cmd.period_to,
        booked_on=booked_on,
        weights={
            u: daily_balance_product(a.movements, cmd.period_from, cmd.period_to)
            for u, a in accounts.items()
        },
        recorded_by=cmd.actor.user_id,
        at=now,
    )
    shares = [s for s in interest.splits if s["amount"] > 0]  # a fen or more
    for split in shares:
        accounts[split["unit_id"]].credit_interest(
            interest_id=interest.id,
            amount=split["amount"],
            reference=interest.reference,
            booked_on=booked_on,
            at=now,
        )
    credited = [accounts[s["unit_id"]] for s in shares]
    position = log.save_and_position(interest, *credited)
    return Allocation(interest.id, position, interest.currency, interest.splits)
