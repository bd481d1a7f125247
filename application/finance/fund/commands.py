"""Maintenance-fund commands: each carries the actor who issues it, so its
handler authorizes against the unit or spending it loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.actor import Actor
from domain.finance.money import Money


@dataclass(frozen=True)
class RecordDeposit:
    """Fund managers of the unit's estate (``fund:manage``) record money paid into the
    fund for it; ``estate_id``, if given, must be the unit's. The first deposit opens
    the unit's fund account; a top-up after the fund was used cites ``resolution``."""

    actor: Actor
    unit_id: UUID
    amount: Money
    method: str
    reference: str
    booked_on: date | None = None
    estate_id: UUID | None = None
    resolution: dict[str, Any] | None = None  # a top-up's: the owners' vote raising the fund


@dataclass(frozen=True)
class ProposeSpending:
    """Fund managers of the estate propose a use of the fund, shared by the given units
    (default: every unit with a fund account), and open its approval in one save."""

    actor: Actor
    estate_id: UUID
    purpose: str
    amount: Money
    basis: str
    resolution: dict[str, Any] | None = None
    emergency: dict[str, Any] | None = None
    unit_ids: list[UUID] | None = None
    vendor: str | None = None


@dataclass(frozen=True)
class DisburseSpending:
    """Fund managers pay an approved spending out, charging each unit its share by
    gross area, on a day not in the future nor in a closed period."""

    actor: Actor
    spending_id: UUID
    reference: str
    booked_on: date | None = None
