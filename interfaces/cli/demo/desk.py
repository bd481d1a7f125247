"""What the finance desk hands out: a renovation deposit taken and refunded after
the inspection (docs/finance/deposits.md), and an invoice for bills paid
(docs/finance/invoices.md)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from application.finance.invoices import RequestInvoice
from application.finance.renovation import ForfeitDeposit, RefundDeposit, TakeDeposit
from domain.finance.invoices import InvoiceKind
from domain.finance.money import Money
from interfaces.cli.demo.books import BooksBase

RENOVATING = ("A", "501")  # Zhang Wei redoes the kitchen
INVOICED = ("A", "302")  # Wang Fang asks for an invoice of the last month


class DeskDemo(BooksBase):
    renovation_deposit: UUID

    def take_renovation_deposit(self) -> None:
        with self.clerk(self.day(self.periods[0], 5)) as finance:
            done = self.c.finance.renovation.take(
                TakeDeposit(
                    finance,
                    self.unit[RENOVATING],
                    Money.of("3000.00", "CNY"),
                    "bank_transfer",
                    "ZX-A501-01",
                    "kitchen and bathroom renovation",
                )
            )
        self.renovation_deposit = done.id
        self.d.count("renovation_deposits")

    def refund_renovation_deposit(self) -> None:
        """The inspection found a cracked corridor tile: 200.00 of the deposit is
        forfeited (a second person approves), the rest goes back to the owner."""
        deposit_id = self.renovation_deposit
        renovation = self.c.finance.renovation
        with self.clerk(self.day(self.periods[-1], 6)) as finance:
            asked = renovation.forfeit(
                ForfeitDeposit(
                    finance, deposit_id, Decimal("200.00"), "corridor tile cracked (ZX-A501-INSP)"
                )
            )
        assert asked.approval_id is not None
        with self.on(self.day(self.periods[-1], 6)):
            self.approve(asked.approval_id)
        with self.clerk(self.day(self.periods[-1], 7)) as finance:
            renovation.refund(
                RefundDeposit(
                    finance,
                    deposit_id,
                    "bank_transfer",
                    "ZX-A501-RF",
                    "inspection ZX-A501-INSP: the rest of the work as applied for",
                )
            )

    def invoice(self) -> None:
        """A normal VAT invoice (增值税普通发票) at 6% for the last month's paid bill."""
        unit_id = self.unit[INVOICED]
        account = self.c.finance.accounts.account(unit_id)
        assert account is not None
        [bill] = [b for b in account.bills.values() if b.period == self.periods[-1]]
        with self.clerk(self.day(self.periods[-1], 12)) as finance:
            self.c.finance.invoices.request(
                RequestInvoice(
                    finance,
                    unit_id,
                    InvoiceKind.NORMAL,
                    [bill.bill_id],
                    Money.of(bill.charged, "CNY"),
                    Decimal("0.06"),
                    "Wang Fang",
                )
            )
        self.d.count("invoices")
