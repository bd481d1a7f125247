"""Handlers of occupancy: move-in, move-out and transfer of ownership (R1.1).

The unit decides (``domain/registry/unit.py``); the handler checks that the
people it names are registered in the unit's estate.
"""

from __future__ import annotations

from uuid import UUID

from application.actor import Actor
from application.registry import commands as c
from application.registry.records import Records, RegistryRecordNotFound
from domain.errors import ValidationFailed
from domain.registry.person import Person
from domain.registry.unit import Unit


class OccupancyHandlers(Records):
    def move_in(self, command: c.MoveIn) -> int:
        unit = self._unit(command.actor, command.unit_id)
        self._person_of(unit, command.person_id, "person_id")
        unit.move_in(
            occupancy_id=self.deps.ids(),
            person_id=command.person_id,
            relation=command.relation,
            on=command.on,
            co_owner=command.co_owner,
        )
        return self.deps.event_log.save_and_position(unit)

    def move_out(self, command: c.MoveOut) -> int:
        unit = self._unit(command.actor, command.unit_id)
        unit.move_out(person_id=command.person_id, on=command.on)
        return self.deps.event_log.save_and_position(unit)

    def transfer_ownership(self, command: c.TransferOwnership) -> int:
        unit = self._unit(command.actor, command.unit_id)
        for person_id in command.new_owner_ids:
            self._person_of(unit, person_id, "new_owner_ids")
        unit.transfer_ownership(
            new_owners=[(self.deps.ids(), p) for p in command.new_owner_ids], on=command.on
        )
        return self.deps.event_log.save_and_position(unit)

    def _unit(self, actor: Actor, unit_id: UUID) -> Unit:
        """The unit, once the actor may manage it (its occupants see it)."""
        unit = self.load(unit_id, Unit)
        self.authorize(
            actor, unit.estate_id, lambda: self.lives_in(actor, unit.estate_id, units={unit.id})
        )
        return unit

    def _person_of(self, unit: Unit, person_id: UUID, field: str) -> Person:
        try:
            person = self.load(person_id, Person)
        except RegistryRecordNotFound:
            raise ValidationFailed(f"{field}: no such person") from None
        if person.estate_id != unit.estate_id:
            raise ValidationFailed(f"{field}: the person is registered in another estate")
        return person
