"""The registry's commands (decision 0017): what a caller asks, and who asks it.

Each is a frozen dataclass that carries the :class:`~application.actor.Actor`
issuing it; its handler (``application/registry/handlers.py``) loads the
records it names, authorizes the actor against them, decides and saves.
Unless a command says otherwise it needs ``registry:manage`` on the record's
estate: a record the actor may not see answers as missing, one they see as
its occupant but may not change is forbidden.
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
    """Estates are the company's: only a company-wide manager registers one; codes are unique."""

    actor: Actor
    code: str
    name: str
    address: str


@dataclass(frozen=True)
class ChangeEstate:
    """Rename the estate or change its address; the fields given must change something."""

    actor: Actor
    estate_id: UUID
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class RegisterBuilding:
    """A building of the estate; its code is unique within the estate."""

    actor: Actor
    estate_id: UUID
    code: str
    name: str | None = None
    floors: int | None = None


@dataclass(frozen=True)
class ChangeBuilding:
    """Rename the building or correct its number of floors."""

    actor: Actor
    building_id: UUID
    name: str | None = None
    floors: int | None = None


@dataclass(frozen=True)
class RegisterUnit:
    """A unit of the building, with its areas; its number is unique within the building."""

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
    """A parking space of the estate; its code is unique within the estate."""

    actor: Actor
    estate_id: UUID
    code: str
    level: str | None = None
    kind: str = "standard"


@dataclass(frozen=True)
class ParkingChange:
    """Who holds a space; its unit's occupants are refused, not told it is missing."""

    actor: Actor
    parking_id: UUID


@dataclass(frozen=True)
class AssignParking(ParkingChange):
    """Give a free space to a unit of the same estate."""

    unit_id: UUID


class ReleaseParking(ParkingChange):
    """Free the space from its unit."""


# ---- people ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterPerson:
    """A person of the estate, name and contacts sealed; a ``user_id`` is linked as
    :class:`LinkAccount` allows."""

    actor: Actor
    estate_id: UUID
    name: str
    phone: str | None = None
    national_id: str | None = None
    user_id: UUID | None = None


@dataclass(frozen=True)
class PersonChange:
    """A change to a person's record; their own linked login is refused, not told it is missing."""

    actor: Actor
    person_id: UUID


@dataclass(frozen=True)
class ChangeContact(PersonChange):
    """Only the fields given change, sealed under the person's key."""

    name: str | None = None
    phone: str | None = None
    national_id: str | None = None


@dataclass(frozen=True)
class LinkAccount(PersonChange):
    """Link a login to the person; only someone who manages every estate the login
    belongs to may, and another's login answers as a missing one."""

    user_id: UUID


class UnlinkAccount(PersonChange):
    """The login no longer acts as this person."""


@dataclass(frozen=True)
class ErasePerson(PersonChange):
    """Crypto-shred the person's name, phone and ID everywhere (R2.2); the record stays."""

    reason: str


# ---- occupancy ------------------------------------------------------------------


@dataclass(frozen=True)
class MoveIn:
    """A person of the unit's estate begins to occupy it (owner, resident or tenant)."""

    actor: Actor
    unit_id: UUID
    person_id: UUID
    relation: str
    on: date
    co_owner: bool = False


@dataclass(frozen=True)
class MoveOut:
    """A resident's or tenant's occupancy ends on ``on``; owners leave by a transfer."""

    actor: Actor
    unit_id: UUID
    person_id: UUID
    on: date


@dataclass(frozen=True)
class TransferOwnership:
    """Every current owner's record ends and the new owners' (people of the estate) begin."""

    actor: Actor
    unit_id: UUID
    new_owner_ids: tuple[UUID, ...]
    on: date


# ---- batch import (R3.3) --------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """``read`` gives the rows of the file: reading CSV or xlsx is the caller's
    part, deciding on every row at once the handler's. The handler reads only
    once the actor may import into the estate, so another estate's ID answers
    404 whatever the file holds. Every row is saved, or none."""

    actor: Actor
    estate_id: UUID
    read: Callable[[], Table]


class ImportUnits(Import):
    """Register every unit of the file and the buildings it names."""


class ImportResidents(Import):
    """Register the people of the file and move them into their units, in file order."""
