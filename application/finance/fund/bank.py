"""The fund bank account's statement balance, recorded by finance (银行对账).

The handler authorizes the actor against the estate (``fund:manage``), refuses
a day in the future or one already stated, and saves; the comparison with
the ledger and the unit accounts is a read (``projections/finance/fund_bank.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.finance.fund.handlers import MANAGE, FundRecordNotFound
from application.registry import lookups
from application.services import ServiceDeps, find
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.fund_bank import FundBankStatement, fund_bank_statement_id
from domain.finance.money import Money


@dataclass(frozen=True)
class StateBankBalance:
    """Fund managers of the estate record the balance the bank's statement shows
    for the fund's account at the end of ``on``."""

    actor: Actor
    estate_id: UUID
    on: date
    balance: Money
    reference: str  # the statement's number or page


def state_bank_balance(deps: ServiceDeps, cmd: StateBankBalance) -> tuple[UUID, int]:
    cmd.actor.check(MANAGE, None, cmd.estate_id)
    if not lookups.estate_exists(deps.event_log, cmd.estate_id):
        raise FundRecordNotFound(HIDDEN)
    if cmd.on > deps.clock().date():
        raise ValidationFailed(f"on: {cmd.on} is in the future")
    if find(deps.event_log, fund_bank_statement_id(cmd.estate_id, cmd.on), FundBankStatement):
        raise InvalidTransition(f"on: the bank balance of {cmd.on} is already recorded")
    statement = FundBankStatement.state(
        estate_id=cmd.estate_id,
        on=cmd.on,
        balance=cmd.balance.amount,
        currency=cmd.balance.currency,
        reference=cmd.reference,
        recorded_by=cmd.actor.user_id,
        at=deps.clock(),
    )
    return statement.id, deps.event_log.save_and_position(statement)
