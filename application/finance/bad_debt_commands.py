"""Commands of bad debts (坏账): a write-off and a provision, each asked by a maker
and put into effect by a second person (decision 0024)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from application.actor import Actor
from domain.finance.money import Money


@dataclass(frozen=True)
class RequestWriteOff:
    """Ask to write off what a bill still owes (``amount``, as the maker sees it)
    against the allowance; the approval (kind ``write_off``) writes it off."""

    actor: Actor
    unit_id: UUID
    bill_id: UUID
    amount: Money
    reason: str


@dataclass(frozen=True)
class ProvideForBadDebts:
    """Ask to bring the allowance (1231) to the aging's required provision at ``as_of``,
    with finance's rates per aging bucket over the defaults; a journal a second person
    approves (kind ``journal``)."""

    actor: Actor
    estate_id: UUID
    as_of: date
    currency: str = "CNY"
    rates: Mapping[str, Any] = field(default_factory=dict)
