"""The demo estate's books: a year end, then three months of the whole of finance.

Run by the demo loader after the registry, work orders and approvals exist.
The books open in the December before the year of the three calendar months
before the current one (``books.opening_period``): December is billed, paid,
its bank statement reconciled and closed, which closes that year into 4104
(decision 0024). The months between are not played (they keep no entries and
are closed empty), so that the load stays short. Then the three months are
played through with the services' clock set to each day in turn, so bills,
payments, late fees, expenses, the fund, a sale, an online payment, an
invoice and a renovation deposit carry the dates they would have had; the
last month is billed ahead. Today the bad debts are provided for and one
written off, the months up to the first played one are closed, and the
auditor runs the compliance checks over the quarter.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from application.finance.accounts.commands import RecordPayment, RunBilling
from application.finance.compliance import RunChecks
from application.finance.expenses import PayClaim, RegisterVendor, SetBudget, SubmitClaim
from application.finance.rates.commands import (
    NameVacancyPayer,
    ProposeRateChange,
    SetBillingTerms,
    SetTaxSettings,
)
from domain.finance.account import Method
from domain.finance.money import Money
from domain.finance.periods import period_bounds
from interfaces.cli.demo.debts import DebtsDemo
from interfaces.cli.demo.desk import DeskDemo
from interfaces.cli.demo.fund import FundDemo
from interfaces.cli.demo.online import OnlineDemo
from interfaces.cli.demo.opening import OpeningDemo

RATES = (
    ("property_fee", "2.80", "gross"),
    ("greening", "0.20", "gross"),
    ("parking", "300.00", None),
)
BUDGET = {
    "repairs": "60000.00",
    "cleaning": "48000.00",
    "greening": "24000.00",
    "utilities": "36000.00",
    "security": "90000.00",
}
# A receipt number's prefix, by method (收据: SJ); others show the method.
RECEIPT_PREFIX = {"cash": "SJ"}
# Who pays how, by unit: on time, late, partly, ahead.
HABITS = {
    ("A", "101"): ("online", 1),
    ("A", "302"): ("bank_transfer", 1),
    ("A", "501"): ("cash", 1),
    ("B", "202"): ("online", 0),  # never pays: reminders, late fees, sold in arrears
    ("B", "601"): ("bank_transfer", 2),  # pays two months ahead once
    ("B", "801"): ("online", 1),  # the last month through WeChat Pay
    ("C", "101"): ("cash", 1),
    ("C", "302"): ("online", 1),
}


class FinanceDemo(OpeningDemo, DebtsDemo, FundDemo, DeskDemo, OnlineDemo):
    def run(self) -> None:
        """The parts in the order of their days, so that no job sees a later day's deed."""
        self.setup()
        self.open_books()
        self.month(-1, self.opening, {})
        self.dun(self.opening)
        self.reconcile_opening_month()
        self.close_opening_year()
        self.fund_deposits()
        vendors = self.vendors()
        self.take_renovation_deposit()
        first, second, last = self.periods
        self.month(0, first, vendors)
        self.dun(first)
        self.month(1, second, vendors)
        self.register_sale()
        self.dun(second)
        self.bill(last, self.day(second, 26))  # billed ahead: a contract liability until it begins
        self.refund_renovation_deposit()
        self.month(2, last, vendors, billed=True)
        self.invoice()
        self.seller_paid_up_sells()
        self.buyer_pays()
        self.fund_spending()
        self.dun(last)
        self.fund_top_up()
        self.settle_online()
        self.fund_interest()
        self.provide_for_bad_debts()
        self.write_off()
        self.close_through(first)
        self.compliance()

    # ---- the parts ------------------------------------------------------------

    def setup(self) -> None:
        """Rates, terms, the vacancy payer and VAT from the day the books open."""
        opened = self.day(self.opening, 1)
        with self.clerk(opened, 8) as finance:
            self.rates()
            # The unsold flats (空置房) are the developer's to pay for.
            developer = self.d.world.person(self.d.estate_id, "Harbour View Developments")
            self.c.finance.rates.name_vacancy_payer(
                NameVacancyPayer(finance, self.d.estate_id, developer)
            )
            # VAT: a general taxpayer (decision 0023)
            self.c.finance.rates.set_tax(
                SetTaxSettings(
                    finance,
                    self.d.estate_id,
                    "general",
                    opened,
                    {"water": {"treatment": "pass_through"}},
                )
            )
        for year in sorted({int(p[:4]) for p in self.periods}):
            with self.clerk(self.day(self.periods[0], 1), 8) as finance:
                self.c.finance.expenses.set_budget(
                    SetBudget(
                        actor=finance,
                        estate_id=self.d.estate_id,
                        year=year,
                        lines=BUDGET,
                        currency="CNY",
                        reason="approved by the board",
                    )
                )

    def rates(self) -> None:
        rates = self.c.finance.rates
        finance = self.actor(self.finance)
        for item, rate, basis in RATES:
            _, approval_id, _ = rates.propose(
                ProposeRateChange(
                    finance,
                    self.d.estate_id,
                    item=item,
                    rate=Decimal(rate),
                    currency="CNY",
                    basis=basis,
                    effective_from=self.day(self.opening, 1),
                    resolution=None,
                    contract_reference="HVG-PSC-2014-001",
                )
            )
            self.d.decide(approval_id, self.finance)
        self.d.count("rates", len(RATES))
        # The service contract's late fee (违约金): 0.05% a day, capped at the principal.
        rates.set_terms(
            SetBillingTerms(finance, self.d.estate_id, 15, Decimal("0.0005"), 0, Decimal(1), "CNY")
        )

    def vendors(self) -> dict[str, UUID]:
        expenses = self.c.finance.expenses
        director = self.actor(self.d.users["hvg.director"])
        out = {}
        # Vendors are company master data: the director (a company-wide admin)
        # registers them, as only vendors:manage:any may over HTTP.
        with self.on(self.day(self.periods[0], 2)), self.d.as_user("hvg.director"):
            for key, name, tax_id, categories in (
                ("clean", "Harbour Clean Services", "91310115MA1H8CLN01", ["cleaning"]),
                ("lift", "Eastern Lift Engineering", "91310115MA1H8LFT02", ["repairs"]),
                ("green", "Riverside Landscaping", "91310115MA1H8GRN03", ["greening"]),
            ):
                out[key], _ = expenses.register_vendor(
                    RegisterVendor(
                        actor=director,
                        name=name,
                        tax_id=tax_id,
                        bank_account=f"62220202001{tax_id[-5:]}",
                        contact=None,
                        categories=categories,
                    )
                )
        self.d.count("vendors", len(out))
        return out

    def bill(self, period: str, on: date) -> None:
        self.d.settle()
        with self.clerk(on, 8) as finance:
            run = self.c.finance.accounts.bill(RunBilling(finance, self.d.estate_id, period))
        self.d.count("bills", run.bills)

    def month(
        self, number: int, period: str, vendors: dict[str, UUID], *, billed: bool = False
    ) -> None:
        """A month to the 12th: its bills (unless billed ahead), the owners' payments
        by their habits, the expenses (none in the opening month)."""
        accounts = self.c.finance.accounts
        if not billed:
            self.bill(period, self.day(period, 1))
        self.d.settle()
        for key, (method, months) in HABITS.items():
            if months == 0 or (months == 2 and number != 1):
                continue
            if key == ("A", "501") and number == 2:
                continue  # pays the last month late, after a reminder
            if key == ("B", "801") and number == 2:
                self.pay_online(self.unit[key], "hvg.huangli", self.day(period, 8 + number))
                continue
            outstanding = self.outstanding(self.unit[key])
            if not outstanding:
                continue
            amount = outstanding * months if months == 2 else outstanding
            # A cash payment's reference is its paper receipt's number (收据号).
            reference = (
                f"{RECEIPT_PREFIX.get(method, method[:4].upper())}-{key[0]}{key[1]}-{period}"
            )
            day = self.day(period, 8 + max(number, 0))
            with self.clerk(day) as finance:
                accounts.pay(
                    RecordPayment(
                        actor=finance,
                        unit_id=self.unit[key],
                        amount=Money.of(amount, "CNY"),
                        method=Method(method),
                        reference=reference,
                        bill_id=None,
                    )
                )
            if period == self.opening and method == "bank_transfer":
                self.transfers.append((day, reference, amount))
            self.d.count("payments")
        if number >= 0:
            self.expenses(number, period, vendors)

    def dun(self, period: str) -> None:
        """The 25th's jobs: late fees accrued to date, reminders of what is overdue."""
        accounts = self.c.finance.accounts
        self.d.settle()
        with self.on(self.day(period, 25), 2):
            self.d.count("late_fees", accounts.charge_late_fees(self.deps.clock()))
            self.d.count("payment_reminders", accounts.send_reminders(self.deps.clock()))

    def expenses(self, number: int, period: str, vendors: dict[str, UUID]) -> None:
        expenses = self.c.finance.expenses
        claims: list[tuple[str, str, str, str]] = [
            ("clean", "cleaning", "4000.00", f"Monthly cleaning contract, {period}"),
        ]
        if number == 1:
            claims.append(("lift", "repairs", "12800.00", "Replace lift A2 door operator"))
        if number == 2:
            claims.append(("green", "greening", "3200.00", "Spring planting"))
        for vendor, category, amount, text in claims:
            with self.clerk(self.day(period, 12)) as finance:
                claim_id, approval_id, _ = expenses.submit_claim(
                    SubmitClaim(
                        actor=finance,
                        estate_id=self.d.estate_id,
                        vendor_id=vendors[vendor],
                        category=category,
                        amount=Money.of(amount, "CNY"),
                        description=text,
                        incurred_on=self.day(period, 10),
                        invoice_ref=f"INV-{period}-{vendor.upper()}",
                    )
                )
            with self.on(self.day(period, 12)):
                self.d.decide(approval_id, self.finance)
            with self.clerk(self.day(period, 12)) as finance:
                expenses.pay_claim(
                    PayClaim(
                        actor=finance,
                        claim_id=claim_id,
                        payment_ref=f"PAY-{period}-{vendor}",
                        method="bank_transfer",
                    )
                )
            self.d.count("expenses")

    def compliance(self) -> None:
        self.d.settle()
        with self.on(self.d.today, 7), self.d.as_user("hvg.auditor") as auditor:
            review = self.c.finance.compliance.run(
                RunChecks(
                    actor=self.actor(auditor),
                    estate_id=self.d.estate_id,
                    date_from=self.day(self.periods[0], 1),
                    date_to=period_bounds(self.periods[-1])[1],
                )
            )
        self.d.count("compliance_reviews")
        self.d.count("compliance_findings", len(review.review.findings))
