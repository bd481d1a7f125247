"""The registry's commands (decision 0017): what a caller asks, and who asks it.

Each is a frozen dataclass that carries the :class:`~application.actor.Actor`
issuing it; its handler (``application/registry/handlers.py``) loads the
records it names, authorizes the actor against them, decides and saves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from application.actor import Actor
from application.registry.importing import Table

# ---- estates, buildings, units, parking ---------------------------------------


@dataclass(frozen=True)
class RegisterEstate:
    actor: Actor
    code: str
    name: str
    address: str


@dataclass(frozen=True)
class ChangeEstate:
    actor: Actor
    estate_id: UUID
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class RegisterBuilding:
    actor: Actor
    estate_id: UUID
    code: str
    name: str | None = None
    floors: int | None = None


@dataclass(frozen=True)
class ChangeBuilding:
    actor: Actor
    building_id: UUID
    name: str | None = None
    floors: int | None = None


@dataclass(frozen=True)
class RegisterUnit:
    actor: Actor
    building_id: UUID
    number: str
    floor: int
    gross_area: Decimal
    internal_area: Decimal
    use: str = "residential"


@dataclass(frozen=True)
class CorrectUnit:
    """Only the fields given change; the areas are checked together."""

    actor: Actor
    unit_id: UUID
    floor: int | None = None
    gross_area: Decimal | None = None
    internal_area: Decimal | None = None
    use: str | None = None


@dataclass(frozen=True)
class RegisterParking:
    actor: Actor
    estate_id: UUID
    code: str
    level: str | None = None
    kind: str = "standard"


@dataclass(frozen=True)
class AssignParking:
    actor: Actor
    parking_id: UUID
    unit_id: UUID


@dataclass(frozen=True)
class ReleaseParking:
    actor: Actor
    parking_id: UUID


# ---- people ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterPerson:
    actor: Actor
    estate_id: UUID
    name: str
    phone: str | None = None
    national_id: str | None = None
    user_id: UUID | None = None


@dataclass(frozen=True)
class ChangeContact:
    actor: Actor
    person_id: UUID
    name: str | None = None
    phone: str | None = None
    national_id: str | None = None


@dataclass(frozen=True)
class LinkAccount:
    actor: Actor
    person_id: UUID
    user_id: UUID


@dataclass(frozen=True)
class UnlinkAccount:
    actor: Actor
    person_id: UUID


@dataclass(frozen=True)
class ErasePerson:
    actor: Actor
    person_id: UUID
    reason: str


# ---- occupancy ------------------------------------------------------------------


@dataclass(frozen=True)
class MoveIn:
    actor: Actor
    unit_id: UUID
    person_id: UUID
    relation: str
    on: date
    co_owner: bool = False


@dataclass(frozen=True)
class MoveOut:
    actor: Actor
    unit_id: UUID
    person_id: UUID
    on: date


@dataclass(frozen=True)
class TransferOwnership:
    actor: Actor
    unit_id: UUID
    new_owner_ids: tuple[UUID, ...]
    on: date


# ---- batch import (R3.3) --------------------------------------------------------


@dataclass(frozen=True)
class ImportUnits:
    """``read`` gives the rows of the file: reading CSV or xlsx is the caller's
    part, deciding on every row at once the handler's. The handler reads only
    once the actor may import into the estate, so another estate's ID answers
    404 whatever the file holds."""

    actor: Actor
    estate_id: UUID
    read: Callable[[], Table]


@dataclass(frozen=True)
class ImportResidents:
    actor: Actor
    estate_id: UUID
    read: Callable[[], Table]
