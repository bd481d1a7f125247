"""Commands on unit accounts: each carries the actor who issues it.

Callers without a session act as ``application.actor.system_acting_for(user_id)``.
A unit of an estate the actor may not act for answers as missing. An amount
is one :class:`~domain.finance.money.Money` (docs/finance.md, Money): the
caller builds it, the handler gives the domain its amount and currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.actor import Actor
from domain.finance.account import Method
from domain.finance.money import Money


@dataclass(frozen=True)
class RunBilling:
    """Finance staff of the estate (``finance:manage``) bill every owned unit for the
    period, at most a month ahead; a later run of the period bills only what no
    run of it billed (a supplementary run), or nothing."""

    actor: Actor
    estate_id: UUID
    period: str


@dataclass(frozen=True)
class RecordPayment:
    """Money received for a unit (``payments:record`` for its estate) from ``payer_id``
    (default: the unit's first owner now): ``bill_id`` first, then the payer's oldest
    bills, the rest the payer's credit; the first payment opens the account.
    ``received_on`` is the day the money arrived (到账日; default today)."""

    actor: Actor
    unit_id: UUID
    amount: Money
    method: Method
    reference: str | None = None
    bill_id: UUID | None = None
    payment_id: UUID | None = None
    payer_id: UUID | None = None
    received_on: date | None = None


@dataclass(frozen=True)
class ReversePayment:
    """Finance staff (``finance:manage``) ask to mirror a mistaken payment; when a second
    person approves (kind ``reversal``), its bills are owed again."""

    actor: Actor
    unit_id: UUID
    payment_id: UUID
    reason: str


@dataclass(frozen=True)
class RequestWaiver:
    """Finance staff ask to waive part of a bill; the approval (kind ``waiver``) decides."""

    actor: Actor
    unit_id: UUID
    bill_id: UUID
    amount: Money
    reason: str
    part: str = "bill"  # or "late_fee": the late fee alone, its income reversed (decision 0022)


@dataclass(frozen=True)
class RequestRefund:
    """Finance staff ask to refund credit, held until the approval (kind ``refund``) decides."""

    actor: Actor
    unit_id: UUID
    amount: Money
    method: Method
    reason: str
    payer_id: UUID | None = None  # whose credit; none: the unit's one holder of credit


@dataclass(frozen=True)
class IssueClearance:
    """Finance staff (``finance:manage``) certify that ``person_id`` owes nothing on the
    unit for bills issued up to ``as_of`` (default today): 物业费结清证明."""

    actor: Actor
    unit_id: UUID
    person_id: UUID
    as_of: date | None = None
