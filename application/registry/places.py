"""Handlers of estates, buildings, units and parking spaces (R1.1)."""

from __future__ import annotations

from uuid import UUID

from application.actor import Actor
from application.registry import commands as c
from application.registry.records import MANAGE, Created, Records, RegistryRecordNotFound
from domain.errors import ValidationFailed
from domain.registry.places import Building, Estate, ParkingSpace
from domain.registry.unit import Unit


class PlaceHandlers(Records):
    # ---- estates ---------------------------------------------------------------

    def register_estate(self, command: c.RegisterEstate) -> Created:
        """Estates are the company's: only a company-wide manager registers one."""
        command.actor.require(MANAGE, None, None)
        estate = Estate.register(code=command.code, name=command.name, address=command.address)
        return self.save_new(estate, f"an estate with code {estate.code} exists")

    def change_estate(self, command: c.ChangeEstate) -> int:
        estate = self.load(command.estate_id, Estate)
        self.authorize(command.actor, estate.id)
        estate.change_details(name=command.name, address=command.address)
        return self.deps.event_log.save_and_position(estate)

    # ---- buildings -------------------------------------------------------------

    def register_building(self, command: c.RegisterBuilding) -> Created:
        estate = self.load(command.estate_id, Estate)
        self.authorize(command.actor, estate.id)
        building = Building.register(
            estate_id=estate.id, code=command.code, name=command.name, floors=command.floors
        )
        return self.save_new(building, f"building {building.code} exists in this estate")

    def change_building(self, command: c.ChangeBuilding) -> int:
        building = self.load(command.building_id, Building)
        self.authorize(
            command.actor,
            building.estate_id,
            lambda: self.lives_in(command.actor, building.estate_id, building_id=building.id),
        )
        building.change_details(name=command.name, floors=command.floors)
        return self.deps.event_log.save_and_position(building)

    # ---- units -----------------------------------------------------------------

    def register_unit(self, command: c.RegisterUnit) -> Created:
        building = self.load(command.building_id, Building)
        self.authorize(
            command.actor,
            building.estate_id,
            lambda: self.lives_in(command.actor, building.estate_id, building_id=building.id),
        )
        unit = Unit.register(
            estate_id=building.estate_id,
            building_id=building.id,
            number=command.number,
            floor=command.floor,
            gross_area=command.gross_area,
            internal_area=command.internal_area,
            use=command.use,
        )
        return self.save_new(unit, f"unit {unit.number} exists in this building")

    def correct_unit(self, command: c.CorrectUnit) -> int:
        unit = self.load(command.unit_id, Unit)
        self.authorize(
            command.actor,
            unit.estate_id,
            lambda: self.lives_in(command.actor, unit.estate_id, units={unit.id}),
        )
        changes = {
            name: value
            for name in ("floor", "gross_area", "internal_area", "use")
            if (value := getattr(command, name)) is not None
        }
        unit.correct(**changes)
        return self.deps.event_log.save_and_position(unit)

    # ---- parking ---------------------------------------------------------------

    def register_parking(self, command: c.RegisterParking) -> Created:
        estate = self.load(command.estate_id, Estate)
        self.authorize(command.actor, estate.id)
        space = ParkingSpace.register(
            estate_id=estate.id, code=command.code, level=command.level, kind=command.kind
        )
        return self.save_new(space, f"parking space {space.code} exists in this estate")

    def assign_parking(self, command: c.AssignParking) -> int:
        space = self._space(command.actor, command.parking_id)
        try:
            unit = self.load(command.unit_id, Unit)
        except RegistryRecordNotFound:
            raise ValidationFailed("unit_id: no such unit") from None
        space.assign(unit.id, unit.estate_id)
        return self.deps.event_log.save_and_position(space)

    def release_parking(self, command: c.ReleaseParking) -> int:
        space = self._space(command.actor, command.parking_id)
        space.release()
        return self.deps.event_log.save_and_position(space)

    def _space(self, actor: Actor, parking_id: UUID) -> ParkingSpace:
        """The space, once the actor may manage it (its unit's occupants see it)."""
        space = self.load(parking_id, ParkingSpace)
        self.authorize(
            actor,
            space.estate_id,
            lambda: (
                space.unit_id is not None
                and self.lives_in(actor, space.estate_id, units={space.unit_id})
            ),
        )
        return space
