"""Debts that belong to the debtor (decision 0021) and bad debts (decision 0024):
a sale with the seller in arrears, a seller who paid up and is certified so,
the provision for bad debts and a write-off, each approved by a second person."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from application.actor import SYSTEM_ACTOR
from application.finance.accounts.commands import IssueClearance, RecordPayment
from application.finance.bad_debt_commands import ProvideForBadDebts, RequestWriteOff
from application.registry.commands import TransferOwnership
from domain.finance.account import Method
from domain.finance.money import Money
from domain.finance.periods import period_end
from interfaces.cli.demo.books import BooksBase

SOLD_IN_ARREARS = ("B", "202")  # Liu Yang, who never pays
SOLD_PAID_UP = ("C", "302")  # Xu Na, who pays every month


class DebtsDemo(BooksBase):
    buyer: UUID  # of B-202, a person without a login

    def register_sale(self) -> None:
        """B-202 changes hands in the middle of the last month (the handover day of
        the contract, registered a few days after signing): the month, billed ahead,
        is split to the day between seller and buyer."""
        last = self.periods[-1]
        buyer = self.d.world.person(self.d.estate_id, "Deng Hao", phone="13900000202")
        self.buyer = buyer
        with self.on(self.day(self.periods[1], 20)):
            self.c.registry.transfer_ownership(
                TransferOwnership(
                    SYSTEM_ACTOR, self.unit[SOLD_IN_ARREARS], (buyer,), self.day(last, 15)
                )
            )
        self.d.count("sales")

    def buyer_pays(self) -> None:
        """The buyer pays their own days of the month at the desk; the seller's
        arrears stay the seller's."""
        unit_id = self.unit[SOLD_IN_ARREARS]
        account = self.c.finance.accounts.account(unit_id)
        assert account is not None
        buyer = self.buyer
        owed = sum(
            (b.outstanding for b in account.bills.values() if buyer in b.debtors),
            start=Decimal(0),
        )
        with self.clerk(self.day(self.periods[-1], 16)) as finance:
            self.c.finance.accounts.pay(
                RecordPayment(
                    actor=finance,
                    unit_id=unit_id,
                    amount=Money.of(owed, "CNY"),
                    method=Method.CASH,
                    reference=f"SJ-B202-{self.periods[-1]}-BUYER",
                    payer_id=buyer,
                )
            )
        self.d.count("payments")

    def seller_paid_up_sells(self) -> None:
        """C-302's owner, who paid every bill, sells on the 15th and is given a fee
        clearance certificate (物业费结清证明) that day."""
        sold_on = self.day(self.periods[-1], 15)
        seller = self.d.persons["hvg.xuna"]
        buyer = self.d.world.person(self.d.estate_id, "Tang Yi", phone="13900000312")
        with self.clerk(sold_on, 10) as finance:
            self.c.registry.transfer_ownership(
                TransferOwnership(SYSTEM_ACTOR, self.unit[SOLD_PAID_UP], (buyer,), sold_on)
            )
            self.c.finance.accounts.certify(
                IssueClearance(finance, self.unit[SOLD_PAID_UP], seller, sold_on)
            )
        self.d.count("sales")
        self.d.count("clearance_certificates")

    def provide_for_bad_debts(self) -> None:
        """At the end of the last month the allowance (1231) is brought to what the
        aging asks, at the default rates: a journal a second person approves."""
        self.d.settle()
        with self.clerk(self.d.today, 8) as finance:
            asked = self.c.finance.bad_debts.provide(
                ProvideForBadDebts(finance, self.d.estate_id, period_end(self.periods[-1]))
            )
        with self.on(self.d.today, 8):
            self.approve(asked.approval_id)
        self.d.count("bad_debt_provisions")

    def write_off(self) -> None:
        """The seller's oldest bill, a year old and never paid, written off against the
        allowance: finance asks, a second person and an administrator approve."""
        unit_id = self.unit[SOLD_IN_ARREARS]
        account = self.c.finance.accounts.account(unit_id)
        assert account is not None
        oldest = min(
            (b for b in account.bills.values() if b.outstanding > 0), key=lambda b: b.issued_on
        )
        with self.clerk(self.d.today, 9) as finance:
            _, approval_id, _ = self.c.finance.bad_debts.request_write_off(
                RequestWriteOff(
                    finance,
                    unit_id,
                    oldest.bill_id,
                    Money.of(oldest.outstanding, "CNY"),
                    "uncollectable: the seller moved abroad and answers no reminder",
                )
            )
        with self.on(self.d.today, 9):
            self.approve(approval_id)
        self.d.count("write_offs")
