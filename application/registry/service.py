"""Registry commands over the event log (R1.1, R3.3).

Every command that touches an existing record loads it, hands its estate to
``guard`` (the caller's object-level check, which raises for a record the
caller may not see), then decides. Batch imports validate every row before
anything is stored and store everything in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.registry.importing import (
    ImportRejected,
    RowError,
    check_columns,
    read_table,
)
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, load
from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.identity.user import User
from domain.registry.ids import building_id_for, normalise_code, unit_id_for
from domain.registry.person import Person
from domain.registry.places import Building, Estate, ParkingSpace, text
from domain.registry.unit import (
    Relation,
    Unit,
    UnitUse,
    area,
    floor_number,
    unit_use,
)

Guard = Callable[[UUID], None]
A = TypeVar("A", bound=Aggregate)

PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")
NATIONAL_ID = re.compile(r"^[0-9A-Za-z]{6,32}$")

UNIT_COLUMNS = ("building", "number", "floor", "gross_area", "internal_area")
UNIT_OPTIONAL = ("use", "building_name")
RESIDENT_COLUMNS = ("building", "unit", "name", "relation", "moved_in_on")
RESIDENT_OPTIONAL = ("phone", "national_id", "co_owner")


class RegistryRecordNotFound(LookupError):
    """No such estate, building, unit, parking space or person (answers 404)."""


@dataclass(frozen=True)
class Created:
    id: UUID
    position: int


@dataclass(frozen=True)
class ImportDone:
    rows: int
    units: int
    buildings: int
    people: int
    position: int


def _allow_all(_: UUID) -> None:
    return None


class RegistryService:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return []

    # ---- loading -----------------------------------------------------------

    def load(self, aggregate_id: UUID, kind: type[A]) -> A:
        missing = RegistryRecordNotFound(f"no such {kind.__name__.lower()}")
        return load(self.deps.event_log, aggregate_id, kind, missing)

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.deps.event_log.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def _save_new(self, aggregate: Aggregate, taken: str) -> Created:
        if self._exists(aggregate.id):
            raise InvalidTransition(taken)
        try:
            return Created(aggregate.id, self.deps.event_log.save_and_position(aggregate))
        except IntegrityError:
            raise InvalidTransition(taken) from None

    def _change(self, aggregate_id: UUID, kind: type[A], guard: Guard, change: Any) -> int:
        record = self.load(aggregate_id, kind)
        guard(record.id if isinstance(record, Estate) else record.estate_id)  # type: ignore[attr-defined]
        change(record)
        return self.deps.event_log.save_and_position(record)

    # ---- estates, buildings, parking -----------------------------------------

    def register_estate(self, *, code: str, name: str, address: str) -> Created:
        estate = Estate.register(code=code, name=name, address=address)
        return self._save_new(estate, f"an estate with code {estate.code} exists")

    def change_estate(
        self, estate_id: UUID, guard: Guard, *, name: str | None, address: str | None
    ) -> int:
        return self._change(
            estate_id, Estate, guard, lambda e: e.change_details(name=name, address=address)
        )

    def register_building(
        self, estate_id: UUID, guard: Guard, *, code: str, name: str | None, floors: int | None
    ) -> Created:
        guard(estate_id)
        self.load(estate_id, Estate)
        building = Building.register(estate_id=estate_id, code=code, name=name, floors=floors)
        return self._save_new(building, f"building {building.code} exists in this estate")

    def change_building(
        self, building_id: UUID, guard: Guard, *, name: str | None, floors: int | None
    ) -> int:
        return self._change(
            building_id, Building, guard, lambda b: b.change_details(name=name, floors=floors)
        )

    def register_parking(
        self, estate_id: UUID, guard: Guard, *, code: str, level: str | None, kind: str
    ) -> Created:
        guard(estate_id)
        self.load(estate_id, Estate)
        space = ParkingSpace.register(estate_id=estate_id, code=code, level=level, kind=kind)
        return self._save_new(space, f"parking space {space.code} exists in this estate")

    def assign_parking(self, parking_id: UUID, guard: Guard, *, unit_id: UUID) -> int:
        space = self.load(parking_id, ParkingSpace)
        guard(space.estate_id)
        try:
            unit = self.load(unit_id, Unit)
        except RegistryRecordNotFound:
            raise ValidationFailed("unit_id: no such unit") from None
        space.assign(unit.id, unit.estate_id)
        return self.deps.event_log.save_and_position(space)

    def release_parking(self, parking_id: UUID, guard: Guard) -> int:
        return self._change(parking_id, ParkingSpace, guard, lambda s: s.release())

    # ---- units ---------------------------------------------------------------

    def register_unit(
        self,
        building_id: UUID,
        guard: Guard,
        *,
        number: str,
        floor: int,
        gross_area: Decimal,
        internal_area: Decimal,
        use: str,
    ) -> Created:
        building = self.load(building_id, Building)
        guard(building.estate_id)
        unit = Unit.register(
            estate_id=building.estate_id,
            building_id=building.id,
            number=number,
            floor=floor,
            gross_area=gross_area,
            internal_area=internal_area,
            use=use,
        )
        return self._save_new(unit, f"unit {unit.number} exists in this building")

    def correct_unit(self, unit_id: UUID, guard: Guard, **changes: Any) -> int:
        return self._change(unit_id, Unit, guard, lambda u: u.correct(**changes))

    # ---- people --------------------------------------------------------------

    def register_person(
        self,
        estate_id: UUID,
        guard: Guard,
        *,
        name: str,
        phone: str | None = None,
        national_id: str | None = None,
        user_id: UUID | None = None,
    ) -> Created:
        guard(estate_id)
        self.load(estate_id, Estate)
        if user_id is not None:
            self._check_account(user_id)
        person = self._new_person(estate_id, name, phone, national_id, user_id)
        return Created(person.id, self.deps.event_log.save_and_position(person))

    def link_account(self, person_id: UUID, guard: Guard, *, user_id: UUID) -> int:
        person = self.load(person_id, Person)
        guard(person.estate_id)
        self._check_account(user_id)
        person.link_account(user_id)
        return self.deps.event_log.save_and_position(person)

    def unlink_account(self, person_id: UUID, guard: Guard) -> int:
        return self._change(person_id, Person, guard, lambda p: p.unlink_account())

    def change_contact(
        self,
        person_id: UUID,
        guard: Guard,
        *,
        name: str | None = None,
        phone: str | None = None,
        national_id: str | None = None,
    ) -> int:
        person = self.load(person_id, Person)
        guard(person.estate_id)
        sealed: dict[str, Any] = {}
        if name is not None:
            sealed["name_enc"] = self._seal(person.id, "name", text(name, "name", 100))
        if phone is not None:
            sealed["phone_enc"] = self._seal(person.id, "phone", phone)
        if national_id is not None:
            sealed["national_id_enc"] = self._seal(person.id, "national_id", national_id)
        person.change_contact(**sealed)
        return self.deps.event_log.save_and_position(person)

    def erase_person(self, person_id: UUID, guard: Guard, *, reason: str) -> int:
        """Crypto-shred the person's name, phone and ID everywhere (R2.2)."""
        person = self.load(person_id, Person)
        guard(person.estate_id)
        person.erase_personal_data(reason)
        position = self.deps.event_log.save_and_position(person)
        self.deps.vault.erase(person.id)
        return position

    def _check_account(self, user_id: UUID) -> None:
        try:
            self.load(user_id, User)
        except RegistryRecordNotFound:
            raise ValidationFailed("user_id: no such login account") from None

    def _new_person(
        self,
        estate_id: UUID,
        name: str,
        phone: str | None,
        national_id: str | None,
        user_id: UUID | None,
        person_id: UUID | None = None,
    ) -> Person:
        name = text(name, "name", 100)
        if phone and not PHONE.match(phone):
            raise ValidationFailed("phone: digits, spaces or -, optionally after +")
        if national_id and not NATIONAL_ID.match(national_id):
            raise ValidationFailed("national_id: 6-32 letters or digits")
        person_id = person_id or uuid4()
        return Person(
            id=person_id,
            estate_id=estate_id,
            name_enc=self._seal(person_id, "name", name) or "",
            phone_enc=self._seal(person_id, "phone", phone),
            national_id_enc=self._seal(person_id, "national_id", national_id),
            user_id=user_id,
        )

    def _seal(self, subject_id: UUID, field: str, value: str | None) -> str | None:
        if not value:
            return None
        sealed: str = self.deps.vault.encrypt(subject_id, field, value)
        return sealed

    # ---- occupancy -----------------------------------------------------------

    def _person_of(self, unit: Unit, person_id: UUID, field: str) -> Person:
        try:
            person = self.load(person_id, Person)
        except RegistryRecordNotFound:
            raise ValidationFailed(f"{field}: no such person") from None
        if person.estate_id != unit.estate_id:
            raise ValidationFailed(f"{field}: the person is registered in another estate")
        return person

    def move_in(
        self,
        unit_id: UUID,
        guard: Guard,
        *,
        person_id: UUID,
        relation: str,
        on: date,
        co_owner: bool = False,
    ) -> int:
        unit = self.load(unit_id, Unit)
        guard(unit.estate_id)
        self._person_of(unit, person_id, "person_id")
        unit.move_in(
            occupancy_id=uuid4(), person_id=person_id, relation=relation, on=on, co_owner=co_owner
        )
        return self.deps.event_log.save_and_position(unit)

    def move_out(self, unit_id: UUID, guard: Guard, *, person_id: UUID, on: date) -> int:
        return self._change(unit_id, Unit, guard, lambda u: u.move_out(person_id=person_id, on=on))

    def transfer_ownership(
        self, unit_id: UUID, guard: Guard, *, new_owner_ids: list[UUID], on: date
    ) -> int:
        unit = self.load(unit_id, Unit)
        guard(unit.estate_id)
        for person_id in new_owner_ids:
            self._person_of(unit, person_id, "new_owner_ids")
        unit.transfer_ownership(new_owners=[(uuid4(), p) for p in new_owner_ids], on=on)
        return self.deps.event_log.save_and_position(unit)

    # ---- batch import (R3.3) -------------------------------------------------

    def import_units(self, estate_id: UUID, guard: Guard, content: bytes, kind: str) -> ImportDone:
        """Register every unit of the file (and the buildings it names), or none.

        Every row is checked first; if any fails, :class:`ImportRejected`
        carries every error found and nothing is stored. Otherwise all
        buildings and units are appended in one transaction.
        """
        guard(estate_id)
        self.load(estate_id, Estate)
        table = read_table(content, kind)
        check_columns(table, UNIT_COLUMNS, UNIT_OPTIONAL)
        errors: list[RowError] = []
        units: list[Unit] = []
        seen: dict[UUID, int] = {}
        buildings: dict[str, tuple[UUID, str | None]] = {}
        for number, row in table.rows:
            cells = _Row(number, row)
            field = cells.field
            row_errors = cells.errors

            building = field("building", lambda v: normalise_code(v, "building"))
            unit_number = field("number", lambda v: normalise_code(v, "number"))
            floor = field("floor", _integer)
            gross = field("gross_area", lambda v: area(v, "gross_area"))
            internal = field("internal_area", lambda v: area(v, "internal_area"))
            use = field("use", lambda v: unit_use(v.strip().lower() or UnitUse.RESIDENTIAL))
            if gross is not None and internal is not None and internal > gross:
                row_errors.append(RowError(number, "internal_area", "must not exceed gross_area"))
            if building is not None:
                buildings.setdefault(building, (building_id_for(estate_id, building), None))
                label = field("building_name", lambda v: text(v, "name") if v.strip() else None)
                if label and buildings[building][1] is None:
                    buildings[building] = (buildings[building][0], label)
            if not row_errors and building is not None and unit_number is not None:
                unit_id = unit_id_for(buildings[building][0], unit_number)
                if unit_id in seen:
                    row_errors.append(
                        RowError(number, "number", f"repeats row {seen[unit_id]} of this file")
                    )
                else:
                    seen[unit_id] = number
                    units.append(
                        Unit.register(
                            estate_id=estate_id,
                            building_id=buildings[building][0],
                            number=unit_number,
                            floor=floor,
                            gross_area=gross,
                            internal_area=internal,
                            use=use,
                        )
                    )
            errors += row_errors
        existing = self._existing_units(list(seen))
        errors += [
            RowError(seen[unit_id], "number", "this unit is registered already")
            for unit_id in existing
        ]
        new_buildings: list[Building] = []
        for code, (building_id, building_name) in buildings.items():
            if not self._exists(building_id):
                new_buildings.append(Building.register(estate_id, code, name=building_name))
        if errors:
            raise ImportRejected(sorted(errors, key=_row_order), rows=len(table.rows))
        position = self._save_all([*new_buildings, *units])
        return ImportDone(
            rows=len(table.rows),
            units=len(units),
            buildings=len(new_buildings),
            people=0,
            position=position,
        )

    def import_residents(
        self, estate_id: UUID, guard: Guard, content: bytes, kind: str
    ) -> ImportDone:
        """Register the people of the file and move them into their units, or none.

        Rows apply in file order, so a unit's owner comes before a co-owner.
        Rows with the same national ID are one person (an owner of two units).
        """
        guard(estate_id)
        self.load(estate_id, Estate)
        table = read_table(content, kind)
        check_columns(table, RESIDENT_COLUMNS, RESIDENT_OPTIONAL)
        errors: list[RowError] = []
        units: dict[UUID, Unit | None] = {}
        people: dict[str, UUID] = {}  # national ID -> person
        new_people: list[tuple[UUID, str, str | None, str | None]] = []
        for number, row in table.rows:
            cells = _Row(number, row)
            field = cells.field
            row_errors = cells.errors

            building = field("building", lambda v: normalise_code(v, "building"))
            unit_number = field("unit", lambda v: normalise_code(v, "unit"))
            name = field("name", lambda v: text(v, "name", 100))
            phone = field("phone", lambda v: _pattern(v, PHONE, "phone", "digits, spaces or -"))
            national_id = field(
                "national_id", lambda v: _pattern(v, NATIONAL_ID, "national_id", "6-32 letters")
            )
            relation = field("relation", _relation)
            on = field("moved_in_on", _date)
            co_owner = field("co_owner", _boolean)
            unit: Unit | None = None
            if building is not None and unit_number is not None:
                unit_id = unit_id_for(building_id_for(estate_id, building), unit_number)
                if unit_id not in units:
                    units[unit_id] = self._maybe(unit_id, Unit)
                unit = units[unit_id]
                if unit is None:
                    row_errors.append(RowError(number, "unit", "no such unit in this estate"))
            if row_errors or unit is None:
                errors += row_errors
                continue
            person_id = people.get(national_id) if national_id else None
            if person_id is None:
                person_id = uuid4()
                new_people.append((person_id, name, phone, national_id))
                if national_id:
                    people[national_id] = person_id
            try:
                unit.move_in(
                    occupancy_id=uuid4(),
                    person_id=person_id,
                    relation=relation,
                    on=on,
                    co_owner=bool(co_owner),
                )
            except DomainError as error:
                errors.append(RowError(number, "relation", error.detail))
        if errors:
            raise ImportRejected(sorted(errors, key=_row_order), rows=len(table.rows))
        # Sealed only now: a refused file leaves no keys behind.
        persons = [
            self._new_person(estate_id, name, phone, national_id, None, person_id=person_id)
            for person_id, name, phone, national_id in new_people
        ]
        touched = [u for u in units.values() if u is not None]
        position = self._save_all([*persons, *touched])
        return ImportDone(
            rows=len(table.rows), units=0, buildings=0, people=len(persons), position=position
        )

    def _maybe(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        try:
            return self.load(aggregate_id, kind)
        except RegistryRecordNotFound:
            return None

    def _existing_units(self, unit_ids: list[UUID]) -> list[UUID]:
        """Which of these units the read model knows (the store re-checks on save)."""
        if not unit_ids:
            return []
        with self.deps.pool.connection() as conn:
            rows = conn.execute(
                "SELECT unit_id FROM registry_units WHERE unit_id = ANY(%s)", [unit_ids]
            ).fetchall()
        return [r[0] for r in rows]

    def _save_all(self, aggregates: list[Aggregate]) -> int:
        try:
            position: int = self.deps.event_log.save_bulk(aggregates)
        except IntegrityError:
            raise InvalidTransition(
                "a record of this file was registered by someone else meanwhile; "
                "nothing was imported: send the file again"
            ) from None
        return position


class _Row:
    """One row being read: each field parsed, each failure noted against its column."""

    def __init__(self, number: int, values: dict[str, str]) -> None:
        self.number = number
        self.values = values
        self.errors: list[RowError] = []

    def field(self, column: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(self.values.get(column, ""))
        except DomainError as error:
            self.errors.append(RowError(self.number, column, _message(error, column)))
            return None


def _message(error: DomainError, column: str) -> str:
    detail = error.detail
    prefix = f"{column}: "
    return detail[len(prefix) :] if detail.startswith(prefix) else detail


def _row_order(error: RowError) -> tuple[int, str]:
    return error.row, error.column or ""


def _integer(value: str) -> int:
    try:
        return floor_number(int(value.strip()))
    except ValueError:
        raise ValidationFailed("a whole number") from None


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed("a date as YYYY-MM-DD") from None


def _boolean(value: str) -> bool:
    cleaned = value.strip().lower()
    if cleaned in ("", "false", "no", "0", "n"):
        return False
    if cleaned in ("true", "yes", "1", "y"):
        return True
    raise ValidationFailed("true or false")


def _relation(value: str) -> Relation:
    try:
        return Relation(value.strip().lower())
    except ValueError:
        raise ValidationFailed(f"one of {', '.join(Relation)}") from None


def _pattern(value: str, pattern: re.Pattern[str], column: str, hint: str) -> str | None:
    cleaned = value.strip()
    if not cleaned:
        return None
    if not pattern.match(cleaned):
        raise ValidationFailed(f"{column}: {hint}")
    return cleaned
