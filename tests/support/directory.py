"""A user directory for the notification rules' tests, without a database: who
holds a role (and so an action), and who lives in the one unit asked about."""

from __future__ import annotations

from uuid import UUID

from projections.notifications.rules import roles_holding


class RolesDirectory:
    """``by_role`` maps a role to its users; ``occupants`` live in every unit asked."""

    def __init__(
        self, by_role: dict[str, list[UUID]] | None = None, occupants: list[UUID] | None = None
    ) -> None:
        self.by_role = by_role or {}
        self.unit_occupants = occupants or []

    def holders(self, estate_id: UUID | None, action: str) -> list[UUID]:
        return [u for r in roles_holding(action) for u in self.by_role.get(r, [])]

    def with_role(self, estate_id: UUID | None, role: str) -> list[UUID]:
        return list(self.by_role.get(role, []))

    def residents(self, estate_id: UUID | None) -> list[UUID]:
        return []

    def occupants(self, unit_id: UUID | None) -> list[UUID]:
        return list(self.unit_occupants)
