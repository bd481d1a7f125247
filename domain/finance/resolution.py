"""Owners' assembly resolutions (业主大会决议) and the statutory thresholds they must meet.

Civil Code art. 278: a matter decided by the owners needs owners holding at
least two thirds of the exclusive area *and* at least two thirds of the
owners to take part in the vote. Raising the maintenance fund, rebuilding,
and changing the use of common parts (items 6-8) then need three quarters
of the participating area and of the participating owners; every other
matter (fee changes, using the maintenance fund) needs more than half of
both. A resolution is recorded as the minutes state it, and checked here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.errors import ValidationFailed
from domain.finance.money import decimal_of

QUORUM = Decimal(2) / Decimal(3)


class Matter(StrEnum):
    """What the owners decided, as far as the thresholds care."""

    ORDINARY = "ordinary"  # fee rates, using the maintenance fund: more than half
    SPECIAL = "special"  # raising the fund, rebuilding, changing common parts: three quarters


@dataclass(frozen=True)
class Resolution:
    """An owners' assembly vote as its minutes record it."""

    reference: str  # the minutes' number, e.g. "FIN-2026-03"
    meeting_on: date
    total_area: Decimal  # exclusive area of the whole estate, m²
    total_owners: int
    participating_area: Decimal
    participating_owners: int
    area_for: Decimal  # exclusive area of the owners voting for
    owners_for: int

    def __post_init__(self) -> None:
        ref = self.reference.strip()
        if not ref or len(ref) > 100:
            raise ValidationFailed("resolution reference: 1-100 characters")
        for name in ("total_area", "participating_area", "area_for"):
            value = decimal_of(getattr(self, name), f"resolution {name}")
            if value < 0:
                raise ValidationFailed(f"resolution {name}: must not be negative")
            object.__setattr__(self, name, value)
        if self.total_area <= 0 or self.total_owners <= 0:
            raise ValidationFailed("resolution: the estate's total area and owners are positive")
        if not 0 <= self.participating_area <= self.total_area:
            raise ValidationFailed("resolution: participating area exceeds the total")
        if not 0 <= self.participating_owners <= self.total_owners:
            raise ValidationFailed("resolution: participating owners exceed the total")
        if not 0 <= self.area_for <= self.participating_area:
            raise ValidationFailed("resolution: area voting for exceeds the participating area")
        if not 0 <= self.owners_for <= self.participating_owners:
            raise ValidationFailed("resolution: owners voting for exceed the participating owners")

    def shortfalls(self, matter: Matter) -> list[str]:
        """Why the vote does not carry ``matter``; empty when it does."""
        problems = []
        if self.participating_area < QUORUM * self.total_area:
            problems.append("owners holding two thirds of the area did not take part")
        if Decimal(self.participating_owners) < QUORUM * self.total_owners:
            problems.append("two thirds of the owners did not take part")
        if matter is Matter.SPECIAL:
            if self.area_for * 4 < self.participating_area * 3:
                problems.append("under three quarters of the participating area voted for")
            if self.owners_for * 4 < self.participating_owners * 3:
                problems.append("under three quarters of the participating owners voted for")
        else:
            if self.area_for * 2 <= self.participating_area:
                problems.append("not more than half of the participating area voted for")
            if self.owners_for * 2 <= self.participating_owners:
                problems.append("not more than half of the participating owners voted for")
        return problems

    def require(self, matter: Matter) -> Resolution:
        """This resolution if it carries ``matter``; else ValidationFailed with every shortfall."""
        problems = self.shortfalls(matter)
        if problems:
            raise ValidationFailed(f"resolution {self.reference}: " + "; ".join(problems))
        return self

    def as_dict(self) -> dict[str, Any]:
        """As stored in an event (Decimals and the date stay typed)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Resolution:
        return cls(**data)
