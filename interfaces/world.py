"""World builders: estates, their buildings, units and parking, people and staff.

The demo loader (``interfaces/cli/demo/``) builds its estate with these, and
so do the tests (``tests/support/world.py``), so a world is built one way:
each record by its command, sent to its handler as the builder's actor
(:data:`~application.actor.SYSTEM_ACTOR` unless told), as the CLI would.
They live here, not in ``tests/``, because production code may not import
the tests (decision 0019).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

from application.actor import SYSTEM_ACTOR, Actor
from application.identity.commands import PreassignEstate, RegisterUser
from application.registry import commands as registry
from application.registry.imports import ImportDone
from domain.identity.policy import Role
from interfaces.importfiles import read_table

if TYPE_CHECKING:
    from bootstrap import Container


class WorldBuilder:
    """Sends the commands that make a world's records; each method answers the new ID."""

    def __init__(self, container: Container, password: str, actor: Actor = SYSTEM_ACTOR) -> None:
        self.c = container
        self.password = password  # every account's, unless a call names another
        self.actor = actor

    # ---- places --------------------------------------------------------------------

    def estate(self, code: str, name: str, address: str) -> UUID:
        command = registry.RegisterEstate(self.actor, code, name, address)
        return self.c.registry.register_estate(command).id

    def building(
        self, estate_id: UUID, code: str, name: str | None = None, floors: int | None = None
    ) -> UUID:
        command = registry.RegisterBuilding(self.actor, estate_id, code, name, floors)
        return self.c.registry.register_building(command).id

    def unit(
        self,
        building_id: UUID,
        number: str,
        floor: int,
        gross_area: Decimal,
        internal_area: Decimal,
        use: str = "residential",
    ) -> UUID:
        command = registry.RegisterUnit(
            self.actor, building_id, number, floor, gross_area, internal_area, use
        )
        return self.c.registry.register_unit(command).id

    def units(self, estate_id: UUID, csv: bytes) -> ImportDone:
        """Every unit of a CSV table (building,number,floor,gross_area,internal_area,use)."""
        command = registry.ImportUnits(self.actor, estate_id, partial(read_table, csv, "csv"))
        return self.c.registry.import_units(command)

    def parking(
        self, estate_id: UUID, code: str, level: str | None = None, kind: str = "standard"
    ) -> UUID:
        command = registry.RegisterParking(self.actor, estate_id, code, level, kind)
        return self.c.registry.register_parking(command).id

    def assign_parking(self, space_id: UUID, unit_id: UUID) -> int:
        command = registry.AssignParking(self.actor, space_id, unit_id)
        return self.c.registry.assign_parking(command)

    # ---- people --------------------------------------------------------------------

    def account(
        self,
        username: str,
        roles: Role | Iterable[Role],
        *,
        display_name: str | None = None,
        password: str | None = None,
        phone: str | None = None,
        national_id: str | None = None,
    ) -> tuple[UUID, int]:
        """A login account: its ID and the position of its registration."""
        return self.c.identity.admin.register(
            RegisterUser(
                self.actor,
                username,
                password or self.password,
                display_name or username.title(),
                [roles] if isinstance(roles, Role) else list(roles),
                phone=phone,
                national_id=national_id,
            )
        )

    def user(
        self,
        username: str,
        roles: Role | Iterable[Role],
        *estates: UUID,
        display_name: str | None = None,
    ) -> UUID:
        """A login account serving ``estates`` (which the registry may not hold yet)."""
        user_id, _ = self.account(username, roles, display_name=display_name)
        for estate_id in estates:
            command = PreassignEstate(self.actor, user_id, estate_id)
            self.c.identity.admin.preassign_estate(command)
        return user_id

    def person(
        self,
        estate_id: UUID,
        name: str,
        *,
        phone: str | None = None,
        national_id: str | None = None,
        user_id: UUID | None = None,
    ) -> UUID:
        command = registry.RegisterPerson(self.actor, estate_id, name, phone, national_id, user_id)
        return self.c.registry.register_person(command).id

    def move_in(self, unit_id: UUID, person_id: UUID, relation: str, on: date) -> int:
        command = registry.MoveIn(self.actor, unit_id, person_id, relation, on)
        return self.c.registry.move_in(command)

    def move_out(self, unit_id: UUID, person_id: UUID, on: date) -> int:
        return self.c.registry.move_out(registry.MoveOut(self.actor, unit_id, person_id, on))
