"""Commands on unit accounts: each carries the actor who issues it.

Callers without a session act as ``application.actor.system_acting_for(user_id)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from application.actor import Actor
from domain.finance.account import Method


@dataclass(frozen=True)
class RunBilling:
    actor: Actor
    estate_id: UUID
    period: str


@dataclass(frozen=True)
class RecordPayment:
    """Money received for a unit: ``bill_id`` first, then the oldest bills, the rest credit."""

    actor: Actor
    unit_id: UUID
    amount: Decimal
    currency: str
    method: Method
    reference: str | None = None
    bill_id: UUID | None = None
    payment_id: UUID | None = None


@dataclass(frozen=True)
class ReversePayment:
    actor: Actor
    unit_id: UUID
    payment_id: UUID
    reason: str


@dataclass(frozen=True)
class RequestWaiver:
    actor: Actor
    unit_id: UUID
    bill_id: UUID
    amount: Decimal
    currency: str
    reason: str


@dataclass(frozen=True)
class RequestRefund:
    actor: Actor
    unit_id: UUID
    amount: Decimal
    currency: str
    method: Method
    reason: str
