"""Expense commands (R5.2): each carries the actor who issues it, so its
handler authorizes against the record it loads, whatever the caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class RegisterVendor:
    actor: Actor
    name: str
    tax_id: str
    bank_account: str
    contact: str | None
    categories: Sequence[str]


@dataclass(frozen=True)
class ChangeVendor:
    actor: Actor
    vendor_id: UUID
    changes: Mapping[str, object]


@dataclass(frozen=True)
class DeactivateVendor:
    actor: Actor
    vendor_id: UUID
    reason: str


@dataclass(frozen=True)
class SetBudget:
    actor: Actor
    estate_id: UUID
    year: int
    lines: Mapping[str, object]
    currency: str
    reason: str | None = None


@dataclass(frozen=True)
class SubmitClaim:
    actor: Actor
    estate_id: UUID
    vendor_id: UUID
    category: str
    amount: object
    currency: str
    description: str
    incurred_on: date
    invoice_ref: str


@dataclass(frozen=True)
class PayClaim:
    actor: Actor
    claim_id: UUID
    payment_ref: str
    method: str


@dataclass(frozen=True)
class WithdrawClaim:
    actor: Actor
    claim_id: UUID
    reason: str
