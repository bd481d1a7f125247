"""What the car park's jobs ask of its read model."""

from __future__ import annotations

from datetime import date
from typing import Protocol
from uuid import UUID


class DuePasses(Protocol):
    def vehicles_with_months_due(self, today: date) -> list[UUID]:
        """Vehicles holding a prepaid pass with a month over before ``today`` (local)
        not yet recognised as revenue."""
        ...
