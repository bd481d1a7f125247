"""Handlers of batch imports (R3.3): every row of a file, or none.

Every row is checked first; if any fails, :class:`ImportRejected` carries
every error found and nothing is stored. Otherwise everything is appended in
one transaction (``save_bulk``).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.registry import commands as c
from application.registry.importing import (
    Cells,
    RowError,
    a_date,
    boolean,
    check_columns,
    english,
    integer,
    matching,
    relation,
)
from application.registry.people import NATIONAL_ID, PHONE, PeopleHandlers
from domain.errors import DomainError, InvalidTransition
from domain.registry.ids import building_id_for, normalise_code, unit_id_for
from domain.registry.places import Building, Estate, text
from domain.registry.unit import Unit, UnitUse, area, unit_use

UNIT_COLUMNS = ("building", "number", "floor", "gross_area", "internal_area")
UNIT_OPTIONAL = ("use", "building_name")
RESIDENT_COLUMNS = ("building", "unit", "name", "relation", "moved_in_on")
RESIDENT_OPTIONAL = ("phone", "national_id", "co_owner")


@dataclass(frozen=True)
class ImportDone:
    rows: int
    units: int
    buildings: int
    people: int
    position: int


class ImportHandlers(PeopleHandlers):
    def import_units(self, command: c.ImportUnits) -> ImportDone:
        """Register every unit of the file (and the buildings it names), or none."""
        estate = self.load(command.estate_id, Estate)
        self.authorize(command.actor, estate.id)
        table = command.read()
        check_columns(table, UNIT_COLUMNS, UNIT_OPTIONAL)
        errors: list[RowError] = []
        units: list[Unit] = []
        seen: dict[UUID, int] = {}
        buildings: dict[str, tuple[UUID, str | None]] = {}
        for number, row in table.rows:
            cells = Cells(number, row)
            field = cells.field
            building = field("building", lambda v: normalise_code(v, "building"))
            unit_number = field("number", lambda v: normalise_code(v, "number"))
            floor = field("floor", integer)
            gross = field("gross_area", lambda v: area(v, "gross_area"))
            internal = field("internal_area", lambda v: area(v, "internal_area"))
            use = field("use", lambda v: unit_use(english(v) or UnitUse.RESIDENTIAL))
            if gross is not None and internal is not None and internal > gross:
                cells.errors.append(RowError(number, "internal_area", "must not exceed gross_area"))
            if building is not None:
                buildings.setdefault(building, (building_id_for(estate.id, building), None))
                label = field("building_name", lambda v: text(v, "name") if v.strip() else None)
                if label and buildings[building][1] is None:
                    buildings[building] = (buildings[building][0], label)
            if not cells.errors and building is not None and unit_number is not None:
                unit_id = unit_id_for(buildings[building][0], unit_number)
                if unit_id in seen:
                    cells.errors.append(
                        RowError(number, "number", f"repeats row {seen[unit_id]} of this file")
                    )
                else:
                    seen[unit_id] = number
                    units.append(
                        Unit.register(
                            estate_id=estate.id,
                            building_id=buildings[building][0],
                            number=unit_number,
                            floor=floor,
                            gross_area=gross,
                            internal_area=internal,
                            use=use,
                        )
                    )
            errors += cells.errors
        # From the log, not a read model: a unit registered a moment ago counts.
        existing = self.exists(*seen)
        errors += [
            RowError(row, "number", "this unit is registered already")
            for unit_id, row in seen.items()
            if unit_id in existing
        ]
        standing = self.exists(*(b for b, _ in buildings.values()))
        new_buildings = [
            Building.register(estate.id, code, name=name)
            for code, (building_id, name) in buildings.items()
            if building_id not in standing
        ]
        if errors:
            raise table.refused(errors)
        position = self._save_all([*new_buildings, *units])
        return ImportDone(
            rows=len(table.rows),
            units=len(units),
            buildings=len(new_buildings),
            people=0,
            position=position,
        )

    def import_residents(self, command: c.ImportResidents) -> ImportDone:
        """Register the people of the file and move them into their units, or none.

        Rows apply in file order, so a unit's owner comes before a co-owner.
        Rows with the same national ID are one person (an owner of two units).
        """
        estate = self.load(command.estate_id, Estate)
        self.authorize(command.actor, estate.id)
        table = command.read()
        check_columns(table, RESIDENT_COLUMNS, RESIDENT_OPTIONAL)
        errors: list[RowError] = []
        units: dict[UUID, Unit | None] = {}
        people: dict[str, UUID] = {}  # national ID -> person
        new_people: list[tuple[UUID, str, str | None, str | None]] = []
        for number, row in table.rows:
            cells = Cells(number, row)
            field = cells.field
            building = field("building", lambda v: normalise_code(v, "building"))
            unit_number = field("unit", lambda v: normalise_code(v, "unit"))
            name = field("name", lambda v: text(v, "name", 100))
            phone = field("phone", lambda v: matching(v, PHONE, "phone", "digits, spaces or -"))
            national_id = field(
                "national_id", lambda v: matching(v, NATIONAL_ID, "national_id", "6-32 letters")
            )
            moving = field("relation", relation)
            on = field("moved_in_on", a_date)
            co_owner = field("co_owner", boolean)
            unit: Unit | None = None
            if building is not None and unit_number is not None:
                unit_id = unit_id_for(building_id_for(estate.id, building), unit_number)
                if unit_id not in units:
                    found = self.deps.event_log.load_many([unit_id]).get(unit_id)
                    units[unit_id] = found if isinstance(found, Unit) else None
                unit = units[unit_id]
                if unit is None:
                    cells.errors.append(RowError(number, "unit", "no such unit in this estate"))
            if cells.errors or unit is None:
                errors += cells.errors
                continue
            person_id = people.get(national_id) if national_id else None
            if person_id is None:
                person_id = self.deps.ids()
                new_people.append((person_id, name, phone, national_id))
                if national_id:
                    people[national_id] = person_id
            try:
                unit.move_in(
                    occupancy_id=self.deps.ids(),
                    person_id=person_id,
                    relation=moving,
                    on=on,
                    co_owner=bool(co_owner),
                )
            except DomainError as error:
                errors.append(RowError(number, "relation", error.detail))
        if errors:
            raise table.refused(errors)
        # Sealed only now: a refused file leaves no keys behind.
        persons = [
            self.new_person(estate.id, name, phone, national_id, None, person_id=person_id)
            for person_id, name, phone, national_id in new_people
        ]
        touched = [u for u in units.values() if u is not None]
        position = self._save_all([*persons, *touched])
        return ImportDone(
            rows=len(table.rows), units=0, buildings=0, people=len(persons), position=position
        )

    def _save_all(self, aggregates: list[Aggregate]) -> int:
        try:
            position: int = self.deps.event_log.save_bulk(aggregates)
        except IntegrityError:
            raise InvalidTransition(
                "a record of this file was registered by someone else meanwhile; "
                "nothing was imported: send the file again"
            ) from None
        return position
