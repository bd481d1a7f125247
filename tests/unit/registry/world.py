"""A small registry in memory for handler stories: two estates, a unit in each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from application.actor import Actor
from application.ports import Ids
from application.registry import commands as c
from application.registry.service import RegistryService
from application.services import random_id
from domain.identity.policy import Role
from domain.identity.user import User
from tests.support.actors import EVERY_RIGHT, actor
from tests.support.memory import NoRegistry, memory_deps


class SealingVault:
    """Seals in the open: enough to see which fields a handler sealed."""

    def __init__(self) -> None:
        self.sealed: list[tuple[UUID, str]] = []
        self.erased: list[UUID] = []

    def encrypt(self, subject_id: UUID, field: str, value: str) -> str:
        self.sealed.append((subject_id, field))
        return f"sealed:{field}:{value}"

    def erase(self, subject_id: UUID) -> None:
        self.erased.append(subject_id)


@dataclass
class Registry:
    handlers: RegistryService
    homes: NoRegistry
    vault: SealingVault
    a: UUID
    b: UUID
    building_a: UUID
    unit_a: UUID
    unit_b: UUID
    person_a: UUID
    person_b: UUID

    def login(self, username: str, *estates: UUID) -> UUID:
        """A login account (a user aggregate), assigned to these estates."""
        user = User(username=username, roles=[Role.OWNER], password_hash="-")
        for estate in estates:
            user.assign_estate(estate)
        self.handlers.deps.event_log.save_and_position(user)
        return user.id

    def lives(self, user_id: UUID, estate_id: UUID, unit_id: UUID) -> None:
        """The registry's read model says this login lives in the unit now."""
        self.homes.homes.setdefault(user_id, []).append((estate_id, unit_id))


def registry(ids: Ids = random_id) -> Registry:
    deps = memory_deps(ids=ids)
    vault = SealingVault()
    deps.vault = vault
    assert isinstance(deps.registry, NoRegistry)
    handlers = RegistryService(deps)
    made: dict[str, UUID] = {}
    for code in ("A", "B"):
        estate = handlers.register_estate(c.RegisterEstate(EVERY_RIGHT, code, code, "-")).id
        building = handlers.register_building(c.RegisterBuilding(EVERY_RIGHT, estate, "B1")).id
        unit = handlers.register_unit(
            c.RegisterUnit(EVERY_RIGHT, building, "101", 1, Decimal("90"), Decimal("80"))
        ).id
        person = handlers.register_person(c.RegisterPerson(EVERY_RIGHT, estate, f"Owner {code}"))
        made |= {code: estate, f"building_{code}": building, f"unit_{code}": unit}
        made[f"person_{code}"] = person.id
    return Registry(
        handlers=handlers,
        homes=deps.registry,
        vault=vault,
        a=made["A"],
        b=made["B"],
        building_a=made["building_A"],
        unit_a=made["unit_A"],
        unit_b=made["unit_B"],
        person_a=made["person_A"],
        person_b=made["person_B"],
    )


def manager_of(*estates: UUID) -> Actor:
    return actor(Role.PROPERTY_MANAGER, *estates)
