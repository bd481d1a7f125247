"""The demo estate's books: three months of bills, payments, expenses and a maintenance fund.

Run by the demo loader after the registry, work orders and approvals exist.
The three calendar months before the current one are played through with
the services' clock set to each day in turn, so bills, payments, late fees,
expenses and the fund carry the dates they would have had; the first month
is closed, and the auditor runs the compliance checks over the quarter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from application.actor import SYSTEM_ACTOR, Actor
from application.finance.accounts.commands import RecordPayment, RunBilling
from application.finance.compliance import RunChecks
from application.finance.expenses import PayClaim, RegisterVendor, SetBudget, SubmitClaim
from application.finance.fund import DisburseSpending, ProposeSpending, RecordDeposit
from application.finance.ledger_commands import ClosePeriod
from application.finance.rates.commands import (
    NameVacancyPayer,
    ProposeRateChange,
    SetBillingTerms,
    SetTaxSettings,
)
from domain.finance.account import Method
from domain.finance.money import Money
from domain.finance.periods import period_bounds
from projections.finance.accounts.queries import unit_account

if TYPE_CHECKING:
    from interfaces.cli.demo.base import LoaderBase as _Loader

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
    ("B", "202"): ("online", 0),  # never pays: reminders and late fees
    ("B", "601"): ("bank_transfer", 2),  # pays two months ahead once
    ("B", "801"): ("online", 1),
    ("C", "101"): ("cash", 1),
    ("C", "302"): ("online", 1),
}


def _periods(today: date) -> list[str]:
    first = today.replace(day=1)
    out = []
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(f"{first.year:04d}-{first.month:02d}")
    return sorted(out)


class FinanceDemo:
    def __init__(self, loader: _Loader) -> None:
        self.d = loader
        self.c = loader.c
        self.deps = self.c.finance.accounts.deps
        self.periods = _periods(loader.today)
        self.unit = loader.units

    def actor(self, user_id: UUID) -> Actor:
        """A demo user acting as themselves: the handlers authorize them like any caller."""
        return Actor.of(self.c.identity.get(user_id), "demo")

    @contextmanager
    def on(self, day: date, hour: int = 9) -> Iterator[datetime]:
        """The services' clock at ``day``, ``hour``:00 UTC while the block runs."""
        before = self.deps.clock
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        self.deps.clock = lambda: moment
        try:
            yield moment
        finally:
            self.deps.clock = before

    def outstanding(self, unit_id: UUID) -> Decimal | None:
        """What the unit owes, from the unit-accounts read model (settled after
        each run); None when it has no account."""
        with self.c.pool.connection() as conn:
            found = unit_account(conn, SYSTEM_ACTOR.reach("finance:read"), unit_id)
        if found is None or found["account"] is None:
            return None
        return found["account"]["outstanding"]

    def day(self, period: str, n: int) -> date:
        first, _ = period_bounds(period)
        return first + timedelta(days=n - 1)

    def run(self) -> None:
        first = self.day(self.periods[0], 1)
        finance = self.d.users["hvg.finance"]
        with self.on(first, 8):
            self.rates(finance)
            # The unsold flats (空置房) are the developer's to pay for.
            developer = self.d.world.person(self.d.estate_id, "Harbour View Developments")
            with self.d.as_user("hvg.finance"):
                self.c.finance.rates.name_vacancy_payer(
                    NameVacancyPayer(self.actor(finance), self.d.estate_id, developer)
                )
            with self.d.as_user("hvg.finance"):  # VAT: a general taxpayer (decision 0023)
                self.c.finance.rates.set_tax(
                    SetTaxSettings(
                        self.actor(finance),
                        self.d.estate_id,
                        "general",
                        first,
                        {"water": {"treatment": "pass_through"}},
                    )
                )
            with self.d.as_user("hvg.finance"):
                self.c.finance.expenses.set_budget(
                    SetBudget(
                        actor=self.actor(finance),
                        estate_id=self.d.estate_id,
                        year=first.year,
                        lines=BUDGET,
                        currency="CNY",
                        reason="approved by the board",
                    )
                )
        self.fund_deposits(finance)
        vendors = self.vendors()
        for number, period in enumerate(self.periods):
            self.month(number, period, finance, vendors)
        self.fund_spending(finance)
        self.d.settle()
        with self.on(self.d.today, 7), self.d.as_user("hvg.finance"):
            approval_id, _ = self.c.finance.ledger.close_period(
                ClosePeriod(self.actor(finance), self.d.estate_id, self.periods[0])
            )
            self.d.decide(approval_id, finance)
        self.d.count("periods_closed", 1)
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

    # ---- the parts ------------------------------------------------------------

    def rates(self, finance: UUID) -> None:
        rates = self.c.finance.rates
        for item, rate, basis in RATES:
            with self.d.as_user("hvg.finance"):
                _, approval_id, _ = rates.propose(
                    ProposeRateChange(
                        self.actor(finance),
                        self.d.estate_id,
                        item=item,
                        rate=Decimal(rate),
                        currency="CNY",
                        basis=basis,
                        effective_from=self.day(self.periods[0], 1),
                        resolution=None,
                        contract_reference="HVG-PSC-2014-001",
                    )
                )
            self.d.decide(approval_id, finance)
        self.d.count("rates", len(RATES))
        # The service contract's late fee (违约金): 0.05% a day, capped at the principal.
        with self.d.as_user("hvg.finance"):
            rates.set_terms(
                SetBillingTerms(
                    self.actor(finance),
                    self.d.estate_id,
                    15,
                    Decimal("0.0005"),
                    0,
                    Decimal(1),
                    "CNY",
                )
            )

    def fund_deposits(self, finance: UUID) -> None:
        with self.on(self.day(self.periods[0], 3)), self.d.as_user("hvg.finance"):
            for key in HABITS:
                self.c.finance.fund.deposit(
                    RecordDeposit(
                        actor=self.actor(finance),
                        unit_id=self.unit[key],
                        amount=Money.of("6000.00" if key[0] != "C" else "4500.00", "CNY"),
                        method="bank_transfer",
                        reference=f"FUND-{key[0]}{key[1]}",
                    )
                )
        self.d.count("fund_deposits", len(HABITS))

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

    def month(self, number: int, period: str, finance: UUID, vendors: dict[str, UUID]) -> None:
        accounts = self.c.finance.accounts
        self.d.settle()
        with self.on(self.day(period, 1), 8), self.d.as_user("hvg.finance"):
            run = accounts.bill(RunBilling(self.actor(finance), self.d.estate_id, period))
        self.d.count("bills", run.bills)
        self.d.settle()
        for key, (method, months) in HABITS.items():
            if months == 0 or (months == 2 and number != 1):
                continue
            outstanding = self.outstanding(self.unit[key])
            if outstanding is None:
                continue
            amount = outstanding * months if months == 2 else outstanding
            if key == ("A", "501") and number == 2:
                continue  # pays March late, after a reminder
            with self.on(self.day(period, 8 + number)), self.d.as_user("hvg.finance"):
                accounts.pay(
                    RecordPayment(
                        actor=self.actor(finance),
                        unit_id=self.unit[key],
                        amount=Money.of(amount, "CNY"),
                        method=Method(method),
                        # A cash payment's reference is its paper receipt's number (收据号).
                        reference=f"{RECEIPT_PREFIX.get(method, method[:4].upper())}-"
                        f"{key[0]}{key[1]}-{period}",
                        bill_id=None,
                    )
                )
            self.d.count("payments")
        self.expenses(number, period, finance, vendors)
        self.d.settle()
        with self.on(self.day(period, 25), 2):
            self.d.count("late_fees", accounts.charge_late_fees(self.deps.clock()))
            self.d.count("payment_reminders", accounts.send_reminders(self.deps.clock()))

    def expenses(self, number: int, period: str, finance: UUID, vendors: dict[str, UUID]) -> None:
        expenses = self.c.finance.expenses
        claims: list[tuple[str, str, str, str]] = [
            ("clean", "cleaning", "4000.00", f"Monthly cleaning contract, {period}"),
        ]
        if number == 1:
            claims.append(("lift", "repairs", "12800.00", "Replace lift A2 door operator"))
        if number == 2:
            claims.append(("green", "greening", "3200.00", "Spring planting"))
        with self.on(self.day(period, 12)):
            for vendor, category, amount, text in claims:
                with self.d.as_user("hvg.finance"):
                    claim_id, approval_id, _ = expenses.submit_claim(
                        SubmitClaim(
                            actor=self.actor(finance),
                            estate_id=self.d.estate_id,
                            vendor_id=vendors[vendor],
                            category=category,
                            amount=Money.of(amount, "CNY"),
                            description=text,
                            incurred_on=self.day(period, 10),
                            invoice_ref=f"INV-{period}-{vendor.upper()}",
                        )
                    )
                self.d.decide(approval_id, finance)
                with self.d.as_user("hvg.finance"):
                    expenses.pay_claim(
                        PayClaim(
                            actor=self.actor(finance),
                            claim_id=claim_id,
                            payment_ref=f"PAY-{period}-{vendor}",
                            method="bank_transfer",
                        )
                    )
                self.d.count("expenses")

    def fund_spending(self, finance: UUID) -> None:
        fund = self.c.finance.fund
        order = next(iter(self.d.orders.values()), None)
        with self.on(self.day(self.periods[-1], 18)), self.d.as_user("hvg.finance"):
            proposed = fund.propose_spending(
                ProposeSpending(
                    actor=self.actor(finance),
                    estate_id=self.d.estate_id,
                    purpose="Replace the failed booster pump of Towers A and B",
                    amount=Money.of("9600.00", "CNY"),
                    basis="emergency",
                    resolution=None,
                    emergency={
                        "category": "pump_failure",
                        "description": "Booster pump 1 failed; upper floors without water.",
                        "evidence": [f"work order {order}" if order else "inspection PUMP-0318"],
                    },
                    unit_ids=None,
                    vendor="Eastern Lift Engineering",
                )
            )
        self.d.decide(proposed.approval_id, finance)
        with self.on(self.day(self.periods[-1], 20)), self.d.as_user("hvg.finance"):
            fund.disburse(DisburseSpending(self.actor(finance), proposed.id, "PUMP-PAY-01"))
        self.d.count("fund_spendings", 1)
