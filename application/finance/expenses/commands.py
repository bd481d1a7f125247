"""Expense commands (R5.2): each carries the actor who issues it, so its
handler authorizes against the record it loads, whatever the caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.actor import Actor
from domain.finance.money import Money


@dataclass(frozen=True)
class RegisterVendor:
    """Vendor managers (``vendors:manage``, company-wide) register a vendor and the
    expense categories it may be paid for."""

    actor: Actor
    name: str
    tax_id: str
    bank_account: str
    contact: str | None
    categories: Sequence[str]


@dataclass(frozen=True)
class ChangeVendor:
    """Vendor managers change the fields in ``changes`` only."""

    actor: Actor
    vendor_id: UUID
    changes: Mapping[str, object]


@dataclass(frozen=True)
class DeactivateVendor:
    """Vendor managers deactivate a vendor: no new claims name it."""

    actor: Actor
    vendor_id: UUID
    reason: str


@dataclass(frozen=True)
class SetBudget:
    """Expense managers of the estate (``expenses:manage``) set the year's budget
    lines: a new budget, or a revision of each line that changes."""

    actor: Actor
    estate_id: UUID
    year: int
    lines: Mapping[str, object]
    currency: str
    reason: str | None = None


@dataclass(frozen=True)
class SubmitClaim:
    """Staff who submit expenses for the estate (``expenses:submit``) claim an amount
    owed to an active vendor of that category, and open its approval in one save."""

    actor: Actor
    estate_id: UUID
    vendor_id: UUID
    category: str
    amount: Money
    description: str
    incurred_on: date
    invoice_ref: str


@dataclass(frozen=True)
class PayClaim:
    """Expense managers of the claim's estate pay its vendor, once it is approved."""

    actor: Actor
    claim_id: UUID
    payment_ref: str
    method: str


@dataclass(frozen=True)
class WithdrawClaim:
    """The submitter withdraws their own claim, an expense manager of the estate
    anyone's, while it awaits approval; its approval is withdrawn with it."""

    actor: Actor
    claim_id: UUID
    reason: str
