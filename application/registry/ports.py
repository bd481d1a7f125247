"""What commands of other contexts ask the registry's read model.

Who lives where changes with move-ins and move-outs, which a command reads
from the registry's read model (``projections/registry/facts.py`` answers);
whether an estate or a unit exists is read from the log itself
(``application/registry/lookups.py``), so a record registered a moment ago
counts at once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple, Protocol
from uuid import UUID


class BillingUnit(NamedTuple):
    unit_id: UUID
    gross_area: Decimal
    internal_area: Decimal
    parking_spaces: int


class OwnershipRow(NamedTuple):
    unit_id: UUID
    person_id: UUID
    user_id: UUID | None
    moved_in_on: date
    moved_out_on: date | None


class RegistryFacts(Protocol):
    def units_of_user(self, user_id: UUID) -> list[tuple[UUID, UUID]]:
        """(estate_id, unit_id) of every unit the login account currently occupies."""
        ...

    def estates_of_login(self, user_id: UUID) -> set[UUID]:
        """The estates of every person this login account is linked to, as of
        the log's head: a link made a moment ago counts (the login-link rule
        of ``PeopleHandlers.may_link`` depends on it)."""
        ...

    def occupant_user_ids(self, estate_id: UUID) -> list[UUID]:
        """Login accounts of the current owners and residents of an estate."""
        ...

    def billing_units(self, estate_id: UUID) -> list[BillingUnit]:
        """Every unit of an estate with what its fees are measured by."""
        ...

    def ownerships(self, estate_id: UUID, unit_id: UUID | None = None) -> list[OwnershipRow]:
        """Every owner of the estate's units (or of one unit), past and present."""
        ...
