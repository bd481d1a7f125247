"""Commands on an estate's fee schedule and meter readings: each carries its actor.

Every one needs ``finance:manage`` for the estate; another estate answers as missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import Actor
from domain.finance.money import Money


@dataclass(frozen=True)
class ProposeRateChange:
    """Propose a fee item's rate from the first of a month and open its approval, in
    one save. A rate in force changes only with an owners' assembly resolution; an
    item's first rate may cite the preliminary contract instead. A rate is a price
    per measure, not money (up to four places), so it is no ``Money``."""

    actor: Actor
    estate_id: UUID
    item: str
    rate: Decimal
    currency: str
    basis: str | None
    effective_from: date
    resolution: dict[str, Any] | None = None
    contract_reference: str | None = None


@dataclass(frozen=True)
class WithdrawRateChange:
    """The proposer withdraws a change awaiting approval (or returned for changes)."""

    actor: Actor
    estate_id: UUID
    change_id: UUID
    reason: str


@dataclass(frozen=True)
class SetBillingTerms:
    """Set the estate's due days, late fee and billing currency."""

    actor: Actor
    estate_id: UUID
    due_days: int
    late_fee_daily_rate: Decimal
    late_fee_grace_days: int
    late_fee_cap_ratio: Decimal
    currency: str
    settlement_order: str = "art_561"  # or "principal_first" (decision 0022)


@dataclass(frozen=True)
class NameVacancyPayer:
    """Name who pays a vacant unit's fees and share of shared costs (空置房):
    the developer, or another party, as a person in the estate's registry."""

    actor: Actor
    estate_id: UUID
    person_id: UUID


@dataclass(frozen=True)
class RecordSharedCost:
    """A cost of the period to share over the units (公摊) on the next bill, in the
    currency the estate bills in."""

    actor: Actor
    estate_id: UUID
    period: str
    item: str
    description: str
    amount: Money
    basis: str


@dataclass(frozen=True)
class WithdrawSharedCost:
    """Withdraw a shared cost recorded by mistake, saying why."""

    actor: Actor
    estate_id: UUID
    cost_id: UUID
    reason: str


@dataclass(frozen=True)
class RecordMeterReadings:
    """Record the meter readings of the estate's units for the period."""

    actor: Actor
    estate_id: UUID
    period: str
    readings: list[dict[str, Any]]


@dataclass(frozen=True)
class SetTaxSettings:
    """From a month's first day on, the estate's VAT status and, per fee item, the
    VAT rate and treatment (``revenue`` or ``pass_through``) of its bill lines; the
    items left out take the taxpayer's defaults (decision 0023)."""

    actor: Actor
    estate_id: UUID
    taxpayer: str
    effective_from: date
    items: dict[str, dict[str, Any]]
