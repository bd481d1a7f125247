"""Where a user lives, as the registry's read model knows it (contract 1)."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from application.ports import EventLogPort
from application.registry import lookups
from application.registry.ports import RegistryFacts


class Residence(Protocol):
    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        """(estate_id, unit_id) of the user's current occupancies."""
        ...

    def estate_exists(self, estate_id: UUID) -> bool: ...


class RegistryResidence:
    """Who lives where, from the registry's read model; whether an estate
    exists, from the log (``application/registry/lookups.py``)."""

    def __init__(self, registry: RegistryFacts, event_log: EventLogPort) -> None:
        self.registry = registry
        self.event_log = event_log

    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        return self.registry.units_of_user(user_id)

    def estate_exists(self, estate_id: UUID) -> bool:
        return lookups.estate_exists(self.event_log, estate_id)
