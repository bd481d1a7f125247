"""The opening year of the demo's books: opening balances, December, its bank
statement, and the close that ends the year (decision 0024)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from application.finance.bank import ImportStatement
from application.finance.ledger_commands import ClosePeriod, PostJournal
from domain.finance.accounts import BANK, PAID_IN_CAPITAL
from domain.finance.periods import next_period, period_end
from interfaces.bankfiles import read_rows
from interfaces.cli.demo.books import BooksBase, line

OPENING_BANK = Decimal("100000.00")
ICBC_HEADER = "交易日期,交易时间,借方发生额,贷方发生额,余额,对方户名,对方账号,摘要,交易流水号"


class OpeningDemo(BooksBase):
    def open_books(self) -> None:
        """The books taken over on the first day: the bank balance and the company's
        capital in it, a manual journal a second person approves."""
        opened = self.day(self.opening, 1)
        with self.clerk(opened, 8) as finance:
            _, approval_id, _ = self.c.finance.ledger.post_manual(
                PostJournal(
                    finance,
                    self.d.estate_id,
                    opened,
                    "期初余额: the estate's operating account taken over",
                    [
                        line(BANK, debit=f"{OPENING_BANK}"),
                        line(PAID_IN_CAPITAL, credit=f"{OPENING_BANK}"),
                    ],
                )
            )
        with self.on(opened, 8):
            self.approve(approval_id)
        self.d.count("manual_journals")

    def reconcile_opening_month(self) -> None:
        """The bank's statement of December, an ICBC export built here, imported on
        the month's last day: each transfer a payment recorded (matched by rule)."""
        last = period_end(self.opening)
        with self.clerk(last, 17) as finance:
            done = self.c.finance.bank.import_statement(
                ImportStatement(finance, self.d.estate_id, lambda: read_rows(self.icbc(), "csv"))
            )
        self.d.count("bank_lines", done.imported)

    def icbc(self) -> bytes:
        """The statement as ICBC exports it: title rows, the table, a total row; GBK."""
        rows = [
            "中国工商银行账户明细",
            f"账号,1001 2345 6789 0123 456,币种,人民币,{self.opening}",
            ICBC_HEADER,
        ]
        balance = OPENING_BANK
        for n, (day, reference, amount) in enumerate(self.transfers, start=1):
            balance += amount
            rows.append(
                f"{day:%Y-%m-%d},10:{n:02d}:00,0.00,{amount},{balance},业主,"
                f"6222020200{n:06d},物业费 {reference},ICBC{day:%Y%m%d}{n:04d}"
            )
        credited = sum((amount for _, _, amount in self.transfers), Decimal(0))
        rows.append(f"合计,,0.00,{credited},,,,,")
        return ("\n".join(rows) + "\n").encode("gb18030")

    def close(self, period: str, on: date) -> None:
        """The clerk asks to close ``period``; a second person approves (maker-checker)."""
        self.d.settle()
        with self.clerk(on, 7) as finance:
            approval_id, _ = self.c.finance.ledger.close_period(
                ClosePeriod(finance, self.d.estate_id, period)
            )
        with self.on(on, 7):
            self.approve(approval_id)
        self.d.count("periods_closed")

    def close_opening_year(self) -> None:
        """December's close in the first days of January closes the year's result
        into retained earnings (4104)."""
        self.close(self.opening, self.day(next_period(self.opening), 5))

    def close_through(self, last: str) -> None:
        """Today: the months between, which the demo does not play, then ``last``."""
        period = next_period(self.opening)
        while period <= last:
            self.close(period, self.d.today)
            period = next_period(period)
