"""Commands of online payments: an owner's order, the provider's notification, a settlement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from application.actor import Actor
from domain.finance.money import Money


@dataclass(frozen=True)
class PlaceOrder:
    """An occupant of the unit (``payments:pay``; or estate finance staff for them) asks to
    pay ``amount`` online, by default what ``bill_ids`` still owe."""

    actor: Actor
    unit_id: UUID
    amount: Money | None = None
    bill_ids: list[UUID] = field(default_factory=list)


@dataclass(frozen=True)
class ReceiveNotification:
    """The provider's POST: no user acts; its signature is the authorization."""

    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class RecordSettlement:
    """Finance staff (``finance:manage``) record the provider's payout to the bank;
    without ``fee``, the fee at the configured rate."""

    actor: Actor
    estate_id: UUID
    reference: str
    settled_on: date
    gross: Money
    fee: Money | None = None


@dataclass(frozen=True)
class PlaceParkingOrder:
    """The gate (``gate:operate``) asks the provider for the fee a parking session owes
    at the exit: the driver scans the code and pays (decision 0063)."""

    actor: Actor
    session_id: UUID
