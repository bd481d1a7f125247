"""What the books' reads answer, for the OpenAPI document (decision 0052).

The routes answer the statement dicts of ``projections/finance/statements``
as they are (``to_json``); these models describe them field by field, so a
generated client gets types. Amounts are decimal strings, keyed by currency
where a statement holds several (``{"CNY": {...}}``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from interfaces.http.finance.ledger.statement_rows import (
    AgingBill,
    AgingBuckets,
    AgingDebtor,
    AgingUnit,
    CasBalanceCurrency,
    CasIncomeCurrency,
    FundTotals,
    FundUnit,
)
from interfaces.http.schemas import Page


class Account(BaseModel):
    code: str
    name: str
    name_zh: str
    kind: str = Field(description="asset, liability, equity, revenue or expense")
    cash: bool
    sub_ledger: str | None


class JournalLineView(BaseModel):
    line_no: int
    account: str
    account_name: str
    debit: Decimal
    credit: Decimal
    currency: str
    unit_id: UUID | None
    bill_id: UUID | None
    party_id: UUID | None
    due_on: date | None
    memo: str | None
    booked_on: date


class JournalEntry(BaseModel):
    position: int
    estate_id: UUID | None
    booked_on: date
    aggregate: str
    event: str
    originator_id: UUID
    originator_version: int
    recorded_at: datetime
    memo: str | None
    lines: list[JournalLineView]


class JournalPage(Page[JournalEntry]):
    """A page of the journal, and the position of the books it was read at."""

    as_of_position: int | None


class NamedEstate(BaseModel):
    """An estate a statement covers, by name beside its ID (decision 0053)."""

    estate_id: UUID
    estate_name: str


class _Dated(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    as_of_position: int | None = Field(description="the books as they stood then; null: now")
    estates: list[NamedEstate] | None = Field(
        None, description="the estates covered, by name; null: every estate (company-wide)"
    )


class _Ranged(_Dated):
    from_: date | None = Field(alias="from")
    to: date | None


class AccountLine(BaseModel):
    account: str
    name: str
    name_zh: str
    kind: str | None
    currency: str


class TrialBalanceRow(AccountLine):
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal


class TrialBalanceTotals(BaseModel):
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal
    balanced: bool


class TrialBalance(_Ranged):
    """试算平衡表: balances as debit minus credit."""

    rows: list[TrialBalanceRow]
    totals: dict[str, TrialBalanceTotals]


class BalanceRow(AccountLine):
    balance: Decimal


class BalanceSheetTotals(BaseModel):
    assets: Decimal
    liabilities: Decimal
    equity: Decimal
    result: Decimal
    liabilities_equity_and_result: Decimal
    balanced: bool


class BalanceSheet(_Dated):
    """资产负债表 at the end of ``at``."""

    at: date
    assets: list[BalanceRow]
    liabilities: list[BalanceRow]
    equity: list[BalanceRow]
    totals: dict[str, BalanceSheetTotals]


class AmountRow(AccountLine):
    amount: Decimal


class IncomeTotals(BaseModel):
    revenue: Decimal
    expense: Decimal
    net_result: Decimal


class IncomeStatement(_Ranged):
    """利润表 for the range."""

    revenue: list[AmountRow]
    expense: list[AmountRow]
    totals: dict[str, IncomeTotals]


class CashCategory(BaseModel):
    category: str
    amount: Decimal


class CashFlowTotals(BaseModel):
    opening: Decimal
    categories: list[CashCategory]
    net: Decimal
    closing: Decimal
    reconciles: bool


class CashFlow(_Ranged):
    """现金流量表 of the cash accounts."""

    cash_accounts: list[str]
    totals: dict[str, CashFlowTotals]


class ReceivablesAging(_Dated):
    """应收账款账龄 at the end of ``at``: per bill, unit and debtor, by bucket."""

    at: date
    buckets: list[str]
    bills: list[AgingBill]
    units: list[AgingUnit] = Field(description="per unit and currency: each bucket's sum")
    debtors: list[AgingDebtor] = Field(description="per unit, payers and currency")
    totals: dict[str, AgingBuckets] = Field(description="per currency: each bucket's sum")
    control: dict[str, Decimal] = Field(description="1122's balance per currency, to compare")


class FundStatement(_Ranged):
    """专项维修资金分户账: per unit the fund held, deposits, spending, closing."""

    units: list[FundUnit]
    totals: dict[str, FundTotals] = Field(description="per currency")
    fund_bank: dict[str, Decimal] = Field(description="the fund bank account per currency")


class CasBalanceSheet(_Dated):
    """资产负债表 in the 企业会计准则 layout: 期末余额 beside 年初余额."""

    at: date
    year_start: date
    columns: dict[str, str]
    currencies: dict[str, CasBalanceCurrency] = Field(
        description="per currency: assets, liabilities and equity lines, and totals"
    )


class CasIncomeStatement(_Ranged):
    """利润表 in the 企业会计准则 layout: 本期金额, 本年累计金额, 上年同期金额."""

    columns: dict[str, str]
    currencies: dict[str, CasIncomeCurrency] = Field(description="per currency: its lines")


Statement = (
    TrialBalance
    | BalanceSheet
    | IncomeStatement
    | CashFlow
    | ReceivablesAging
    | FundStatement
    | CasBalanceSheet
    | CasIncomeStatement
)


class StatementLine(BaseModel):
    position: int
    line_no: int
    booked_on: date
    account: str
    debit: Decimal
    credit: Decimal
    currency: str
    bill_id: UUID | None
    due_on: date | None
    memo: str | None
    aggregate: str
    event: str
    balance: Decimal = Field(description="the running balance: positive is owed")


class CurrencyStatement(BaseModel):
    opening: Decimal
    lines: list[StatementLine]
    debit: Decimal
    credit: Decimal
    closing: Decimal


class NamedOwner(BaseModel):
    person_id: UUID
    name: str = Field(description='masked; in clear for the owner themself; "erased person"')


class UnitStatement(BaseModel):
    """业主对账单 of a unit, per currency, with where it is and who owns it by name."""

    model_config = ConfigDict(populate_by_name=True)

    unit_id: UUID
    estate_id: UUID | None
    estate_name: str | None
    building: str | None
    unit_number: str | None
    owners: list[NamedOwner] = Field(description="the unit's owners now")
    from_: date | None = Field(alias="from")
    to: date | None
    as_of_position: int | None = Field(description="the books as they stood then; null: now")
    currencies: dict[str, CurrencyStatement]


class ClosedPeriod(BaseModel):
    estate_id: UUID
    period: str
    through_position: int
    digest: str = Field(description="sha256 of the period's trial balance")
    closed_by: UUID
    closed_at: datetime


class ClosedPeriods(BaseModel):
    estate_id: UUID
    closed: list[ClosedPeriod]
