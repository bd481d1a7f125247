"""The finance context (R5): fee schedules, unit accounts, expenses, the fund, the books.

One service per part, all built from the same :class:`ServiceDeps` and the
container's shared :class:`ApprovalService` (rate changes, refunds, waivers,
large expenses and fund spending are approved through it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from application.approvals.service import ApprovalService
from application.finance.accounts import AccountService
from application.finance.bad_debts import BadDebtService
from application.finance.bank import BankService
from application.finance.compliance import ComplianceService
from application.finance.expenses import ExpenseService
from application.finance.fund import FundService
from application.finance.invoices import InvoiceIssuer, InvoiceService
from application.finance.ledger import LedgerService
from application.finance.online import OnlinePayments
from application.finance.online.ports import (
    OnlineClearing,
    PaymentProvider,
    UnconfiguredProvider,
)
from application.finance.ports import (
    ComplianceChecks,
    EstateTotals,
    EstateUnits,
    LedgerStatements,
    OverdueBills,
)
from application.finance.rates import RateService
from application.finance.receipts import Receipts
from application.finance.renovation import RenovationService
from application.scheduling import ScheduledJob
from application.services import ServiceDeps


@dataclass
class FinanceServices:
    rates: RateService
    accounts: AccountService
    expenses: ExpenseService
    fund: FundService
    ledger: LedgerService
    compliance: ComplianceService
    online: OnlinePayments
    bad_debts: BadDebtService
    renovation: RenovationService
    receipts: Receipts
    bank: BankService
    invoices: InvoiceService

    @classmethod
    def build(
        cls,
        deps: ServiceDeps,
        approvals: ApprovalService,
        *,
        statements: LedgerStatements,
        checks: ComplianceChecks,
        units: EstateUnits,
        totals: EstateTotals,
        overdue: OverdueBills,
        clearing: OnlineClearing,
        invoices: InvoiceIssuer,
        provider: PaymentProvider | None = None,
        provider_fee_rate: Decimal = Decimal("0.006"),
    ) -> FinanceServices:
        rates = RateService(deps, approvals, totals)
        accounts = AccountService(deps, approvals, rates, overdue)
        provider = provider or UnconfiguredProvider()
        online = OnlinePayments(deps, accounts, provider, clearing, provider_fee_rate)
        ledger = LedgerService(deps, statements, approvals)
        return cls(
            rates=rates,
            accounts=accounts,
            expenses=ExpenseService(deps, approvals),
            fund=FundService(deps, approvals, units, totals),
            ledger=ledger,
            compliance=ComplianceService(deps, statements, checks),
            online=online,
            bad_debts=BadDebtService(deps, approvals, ledger, statements),
            renovation=RenovationService(deps, approvals),
            receipts=accounts.receipts,
            bank=BankService(deps),
            invoices=InvoiceService(deps, invoices),
        )

    def scheduled(self) -> list[ScheduledJob]:
        return [
            *self.rates.scheduled(),
            *self.accounts.scheduled(),
            *self.expenses.scheduled(),
            *self.fund.scheduled(),
            *self.ledger.scheduled(),
            *self.compliance.scheduled(),
        ]
