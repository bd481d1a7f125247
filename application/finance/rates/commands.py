"""Commands on an estate's fee schedule and meter readings: each carries its actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class ProposeRateChange:
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
    actor: Actor
    estate_id: UUID
    change_id: UUID
    reason: str


@dataclass(frozen=True)
class SetBillingTerms:
    actor: Actor
    estate_id: UUID
    due_days: int
    late_fee_daily_rate: Decimal
    late_fee_grace_days: int
    late_fee_cap_ratio: Decimal
    currency: str


@dataclass(frozen=True)
class RecordSharedCost:
    actor: Actor
    estate_id: UUID
    period: str
    item: str
    description: str
    amount: Decimal
    currency: str
    basis: str


@dataclass(frozen=True)
class WithdrawSharedCost:
    actor: Actor
    estate_id: UUID
    cost_id: UUID
    reason: str


@dataclass(frozen=True)
class RecordMeterReadings:
    actor: Actor
    estate_id: UUID
    period: str
    readings: list[dict[str, Any]]
