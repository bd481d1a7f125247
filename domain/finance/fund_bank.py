"""The fund bank account's statement balance (银行对账单余额), as finance records it.

The maintenance fund has its own bank account (1002.02). Finance records the
balance the bank's statement shows at the end of a day; the service compares
it with the ledger's 1002.02 and with the sum of the unit fund accounts
(``projections/finance/fund_bank.py``), and the compliance check
``fund_bank_reconciled`` flags a difference. One statement balance per estate
and day (:func:`fund_bank_statement_id`): a second for the same day is a
conflict, not a correction. It moves no money and posts nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed
from domain.finance.fund_rules import text
from domain.finance.money import currency_of, exact_money

NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/finance/fund-bank-statement")


def fund_bank_statement_id(estate_id: UUID, on: date) -> UUID:
    return uuid5(NAMESPACE, f"{estate_id}:{on.isoformat()}")


class FundBankStatement(Aggregate):
    """The bank's balance of the estate's fund account at the end of one day."""

    @staticmethod
    def create_id(estate_id: UUID, on: date, **_: object) -> UUID:
        return fund_bank_statement_id(estate_id, on)

    @classmethod
    def state(
        cls,
        *,
        estate_id: UUID,
        on: date,
        balance: object,
        currency: str,
        reference: str,
        recorded_by: UUID,
        at: datetime,
    ) -> FundBankStatement:
        currency = currency_of(currency)
        amount = exact_money(balance, currency, "balance")
        if amount < 0:
            raise ValidationFailed("balance: a deposit account's balance is never negative")
        return cls(
            estate_id=estate_id,
            on=on,
            balance=amount,
            currency=currency,
            reference=text(reference, "reference", 100),
            recorded_by=recorded_by,
            at=at,
        )

    @event("BalanceStated")
    def __init__(
        self,
        estate_id: UUID,
        on: date,
        balance: Decimal,
        currency: str,
        reference: str,
        recorded_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.on = on
        self.balance = balance
        self.currency = currency
