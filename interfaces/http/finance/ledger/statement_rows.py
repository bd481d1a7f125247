"""The rows nested in the statements' answers, typed for the OpenAPI document
(decision 0052; issue 16's last gaps, decision 0055).

The statements (``projections/finance/statements``) answer dicts keyed as
the files print them: the aging's buckets are named as auditors say them
(``"0-30"``, ``"1-2 years"``), hence the aliases.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class AgingBuckets(BaseModel):
    """Sums by days past due (``buckets`` of the aging), the first year's and all."""

    model_config = ConfigDict(populate_by_name=True)

    not_yet_due: Decimal = Field(alias="not yet due")
    days_0_30: Decimal = Field(alias="0-30")
    days_31_90: Decimal = Field(alias="31-90")
    days_91_180: Decimal = Field(alias="91-180")
    days_181_365: Decimal = Field(alias="181-365")
    years_1_2: Decimal = Field(alias="1-2 years")
    years_2_3: Decimal = Field(alias="2-3 years")
    over_3_years: Decimal = Field(alias="over 3 years")
    within_1_year: Decimal = Field(alias="within 1 year", description="1年以内: 0-30 to 181-365")
    total: Decimal


class AgingBill(BaseModel):
    """A bill with an outstanding amount on 1122, by name and bucket."""

    estate_id: UUID
    estate_name: str | None
    bill_id: UUID
    unit_id: UUID | None
    unit_number: str | None
    currency: str
    due_on: date | None = Field(description="null: due at once")
    outstanding: Decimal
    days_past_due: int
    bucket: str = Field(description="one of the statement's buckets")
    payer_ids: list[UUID] = Field(description="who owed it when it was issued")
    payer_names: list[str] = Field(description='masked, "erased person" after an erasure')


class AgingUnit(AgingBuckets):
    """A unit's outstanding bills in one currency, by bucket."""

    unit_id: UUID | None
    estate_name: str | None
    unit_number: str | None
    currency: str


class AgingDebtor(AgingUnit):
    """The bills one set of debtors owes on a unit in one currency, by bucket."""

    payer_ids: list[UUID]
    payer_names: list[str] = Field(description='masked, "erased person" after an erasure')


class FundUnit(BaseModel):
    """A unit's maintenance fund in one currency: held before, in and out, held after."""

    unit_id: UUID | None
    estate_name: str | None
    unit_number: str | None
    currency: str
    opening: Decimal
    deposits: Decimal
    spending: Decimal
    closing: Decimal


class FundTotals(BaseModel):
    opening: Decimal
    deposits: Decimal
    spending: Decimal
    closing: Decimal


class CasLine(BaseModel):
    """A line of a 企业会计准则 statement: its key, its names, an amount per column."""

    line: str
    name: str
    name_zh: str


class CasBalanceLine(CasLine):
    closing: Decimal = Field(description="期末余额")
    opening: Decimal = Field(description="年初余额")


class CasColumns(BaseModel):
    closing: Decimal
    opening: Decimal


class CasBalanceTotals(BaseModel):
    assets: CasColumns
    liabilities: CasColumns
    equity: CasColumns
    liabilities_and_equity: CasColumns
    balanced: bool


class CasBalanceCurrency(BaseModel):
    """One currency's 资产负债表: its three sections' lines and their totals."""

    assets: list[CasBalanceLine]
    liabilities: list[CasBalanceLine]
    equity: list[CasBalanceLine]
    totals: CasBalanceTotals


class CasIncomeLine(CasLine):
    current: Decimal = Field(description="本期金额")
    year_to_date: Decimal = Field(description="本年累计金额")
    prior_year: Decimal = Field(description="上年同期金额")


class CasIncomeCurrency(BaseModel):
    """One currency's 利润表: its lines, subtotals (营业利润, 利润总额, 净利润) in place."""

    lines: list[CasIncomeLine]
