"""Where a user lives, as the registry's read model knows it (contract 1)."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID


class Residence(Protocol):
    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        """(estate_id, unit_id) of the user's current occupancies."""
        ...

    def estate_exists(self, estate_id: UUID) -> bool: ...


class RegistryResidence:
    """Reads ``projections.registry.queries`` (imported when first needed, so this
    context loads even while the registry is being built)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        from projections.registry import queries

        with self.pool.connection() as conn:
            return list(queries.units_of_user(conn, user_id))

    def estate_exists(self, estate_id: UUID) -> bool:
        from projections.registry import queries

        with self.pool.connection() as conn:
            return bool(queries.estate_exists(conn, estate_id))
