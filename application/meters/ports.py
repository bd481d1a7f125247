"""What the meters context's commands read from its read model."""

from __future__ import annotations

from typing import NamedTuple, Protocol
from uuid import UUID


class MeterEntry(NamedTuple):
    meter_id: UUID
    unit_id: UUID | None
    unit_number: str | None
    building_code: str | None
    kind: str


class MeterDirectory(Protocol):
    def unit_meters(self, estate_id: UUID) -> list[MeterEntry]:
        """The estate's unit meters in service (an import matches its rows to them)."""
        ...
