"""Registry facts other contexts' commands check, read from the log itself.

A command must not depend on how far a read model has got: an estate
registered a moment ago exists for the next command even if the registry
read model has not applied it yet (lists and searches still use the read
model, ``projections/registry/queries.py``).
"""

from __future__ import annotations

from uuid import UUID

from application.ports import EventLogPort
from application.services import find
from domain.registry.person import Person
from domain.registry.places import Estate
from domain.registry.unit import Unit


def estate_exists(event_log: EventLogPort, estate_id: UUID) -> bool:
    return find(event_log, estate_id, Estate) is not None


def unit_estate(event_log: EventLogPort, unit_id: UUID) -> UUID | None:
    """The estate of the unit, or None if there is no such unit."""
    unit = find(event_log, unit_id, Unit)
    return unit.estate_id if unit is not None else None


def person_of_estate(event_log: EventLogPort, person_id: UUID, estate_id: UUID) -> Person | None:
    """The person, if there is one in the registry of that estate."""
    person = find(event_log, person_id, Person)
    return person if person is not None and person.estate_id == estate_id else None
