"""The registry read model's answers to other contexts' commands
(``application/registry/ports.py: RegistryFacts``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.registry.ports import BillingUnit, OwnershipRow
from projections.registry import queries


class RegistryFacts:
    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        with self.pool.connection() as conn:
            return queries.units_of_user(conn, user_id)

    def estates_of_login(self, user_id: UUID) -> set[UUID]:
        with self.pool.connection() as conn:
            return queries.estates_of_login(conn, user_id)

    def occupant_user_ids(self, estate_id: UUID) -> list[UUID]:
        with self.pool.connection() as conn:
            return queries.occupant_user_ids(conn, estate_id)

    def billing_units(self, estate_id: UUID) -> list[BillingUnit]:
        with self.pool.connection() as conn:
            return queries.billing_units(conn, estate_id)

    def ownerships(self, estate_id: UUID, unit_id: UUID | None = None) -> list[OwnershipRow]:
        with self.pool.connection() as conn:
            return queries.ownerships(conn, estate_id, unit_id)
