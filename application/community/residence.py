"""Where a user lives, as the registry's read model knows it (contract 1)."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from application.ports import EventLogPort
from application.registry import lookups
from projections.registry import queries


class Residence(Protocol):
    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        """(estate_id, unit_id) of the user's current occupancies."""
        ...

    def estate_exists(self, estate_id: UUID) -> bool: ...


class RegistryResidence:
    """Who lives where, from the registry's read model; whether an estate
    exists, from the log (``application/registry/lookups.py``)."""

    def __init__(self, pool: Any, event_log: EventLogPort) -> None:
        self.pool = pool
        self.event_log = event_log

    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        with self.pool.connection() as conn:
            return list(queries.units_of_user(conn, user_id))

    def estate_exists(self, estate_id: UUID) -> bool:
        return lookups.estate_exists(self.event_log, estate_id)
