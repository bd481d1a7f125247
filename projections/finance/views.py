"""The typed views the finance read models' queries return (``expenses.py``,
``fund.py``, ``compliance.py``, ``rates.py``): one per row shape, keyed and
typed as the tables' columns (``tests/integration/views/`` holds each to
what PostgreSQL returns)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

# ---- expenses ----------------------------------------------------------------------


class VendorRow(TypedDict):
    vendor_id: UUID
    name: str
    tax_id: str
    bank_account: str | None  # masked
    contact: str | None
    categories: list[str]
    active: bool
    registered_at: datetime
    updated_at: datetime
    position: int


class ClaimRow(TypedDict):
    claim_id: UUID
    estate_id: UUID
    vendor_id: UUID
    category: str
    amount: Decimal
    currency: str
    description: str
    incurred_on: date
    invoice_ref: str
    submitted_by: UUID
    year: int
    status: str
    approval_id: UUID
    approval_kind: str
    over_budget: bool
    remaining_before: Decimal | None
    approved_on: date | None
    paid: bool
    paid_on: date | None
    payment_ref: str | None
    payment_method: str | None
    note: str | None
    submitted_at: datetime
    updated_at: datetime
    position: int


class BudgetView(TypedDict):
    """A year's budget; its lines and totals are ``domain/finance/expense_figures.py``'s."""

    estate_id: UUID
    year: int
    currency: str
    set_by: UUID | None
    lines: list[dict[str, Any]]
    total_budget: Decimal
    total_committed: Decimal
    total_paid: Decimal
    total_remaining: Decimal


class AnalysisView(TypedDict):
    """A year's expense analysis; its figures are ``domain/finance/expense_figures.py``'s."""

    estate_id: UUID
    year: int
    currency: str
    total: Decimal
    total_paid: Decimal
    total_budget: Decimal
    months: list[dict[str, Any]]
    categories: list[dict[str, Any]]


# ---- the maintenance fund ----------------------------------------------------------


class FundAccountRow(TypedDict):
    unit_id: UUID
    account_id: UUID
    estate_id: UUID
    currency: str
    balance: Decimal
    first_deposit: Decimal | None
    first_deposit_assessed: Decimal | None  # per m² by the local rule; None if never assessed
    low_balance_threshold: Decimal | None  # None until the first deposit
    deposited: Decimal
    charged: Decimal
    interest: Decimal  # allocated to the unit (增值分摊)
    low: bool
    low_since: datetime | None
    opened_at: datetime
    updated_at: datetime
    position: int


class MovementRow(TypedDict):
    source_id: UUID  # the deposit, the spending charged, or the interest allocated
    kind: str  # deposit | charge | interest
    amount: Decimal  # signed: a charge is negative
    balance_after: Decimal
    currency: str
    method: str | None
    reference: str | None
    booked_on: date
    at: datetime
    position: int
    resolution: dict[str, Any] | None  # a top-up's: the owners' vote raising the fund


class FundAccountDetail(FundAccountRow):
    movements: list[MovementRow]


class SpendingRow(TypedDict):
    spending_id: UUID
    estate_id: UUID
    purpose: str
    amount: Decimal
    currency: str
    basis: str
    resolution: dict[str, Any] | None
    emergency: dict[str, Any] | None
    unit_ids: list[UUID]
    vendor: str | None
    approval_id: UUID
    status: str
    proposed_by: UUID
    note: str | None
    splits: list[dict[str, Any]] | None  # once disbursed
    reference: str | None
    booked_on: date | None
    proposed_at: datetime
    disbursed_at: datetime | None
    updated_at: datetime
    position: int


# ---- compliance reviews ------------------------------------------------------------


class ReviewFields(TypedDict):
    review_id: UUID
    estate_id: UUID | None  # None: a company-wide review
    date_from: date
    date_to: date
    as_of_position: int
    parameters: dict[str, Any]
    checks: list[dict[str, Any]]
    passed: bool
    open_findings: int
    rectified_findings: int
    closed_findings: int
    run_by: UUID | None
    run_at: datetime
    updated_at: datetime
    position: int


class ReviewRow(ReviewFields):
    findings: int  # how many


class FindingRow(TypedDict):
    finding_id: UUID
    review_id: UUID
    seq: int
    estate_id: UUID | None
    check_name: str
    severity: str
    subject_id: UUID | None
    subject: str
    detail: str
    status: str
    rectification_note: str | None
    rectified_by: UUID | None
    rectified_at: datetime | None
    closure_note: str | None
    closed_by: UUID | None
    closed_at: datetime | None
    updated_at: datetime
    position: int


class ReviewDetail(ReviewFields):
    findings: list[FindingRow]  # every one, in the order found


# ---- rates, shared costs, meter readings -------------------------------------------


class RateChangeRow(TypedDict):
    change_id: UUID
    estate_id: UUID
    item: str
    rate: Decimal
    currency: str
    basis: str
    effective_from: date
    resolution: dict[str, Any] | None
    contract_reference: str | None
    approval_id: UUID
    proposed_by: UUID
    proposed_at: datetime
    status: str
    outcome: str | None
    decided_at: datetime | None
    adopted_position: int | None


class BillingTermsRow(TypedDict):
    due_days: int
    late_fee_daily_rate: Decimal
    late_fee_grace_days: int
    late_fee_cap_ratio: Decimal
    currency: str
    settlement_order: str
    updated_at: datetime


class RateRow(TypedDict):
    item: str
    rate: Decimal
    currency: str
    basis: str
    effective_from: date
    change_id: UUID


class SharedCostRow(TypedDict):
    cost_id: UUID
    period: str
    item: str
    description: str
    amount: Decimal
    currency: str
    basis: str
    status: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class ReadingRow(TypedDict):
    unit_id: UUID
    meter: str
    reading: Decimal
    read_on: date
    recorded_at: datetime
