"""Batch imports decide on every row at once: all rows are stored, or none (R3.3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from application.errors import NotFound
from application.registry import commands as c
from application.registry.importing import ImportRejected, Table
from domain.identity.policy import Role
from domain.registry.ids import building_id_for, unit_id_for
from domain.registry.person import Person
from domain.registry.places import Building
from domain.registry.unit import Unit
from tests.support.actors import actor
from tests.unit.registry.world import manager_of, registry

UNITS = ["building", "number", "floor", "gross_area", "internal_area", "building_name"]
RESIDENTS = ["building", "unit", "name", "relation", "moved_in_on", "national_id", "co_owner"]


def _table(columns: list[str], *rows: tuple[str, ...]) -> Table:
    # Row numbers as a spreadsheet shows them: the header is row 1.
    return Table(
        columns=columns,
        rows=[(n, dict(zip(columns, row, strict=True))) for n, row in enumerate(rows, start=2)],
    )


def _rows(table: Table) -> Callable[[], Table]:
    return lambda: table


def test_a_clean_file_registers_its_units_and_the_buildings_it_names() -> None:
    w = registry()
    table = _table(
        UNITS,
        ("B1", "102", "1", "90", "80", ""),
        ("T2", "201", "2", "61.5", "55", "Tower Two"),
    )
    done = w.handlers.import_units(c.ImportUnits(manager_of(w.a), w.a, _rows(table)))
    assert (done.rows, done.units, done.buildings) == (2, 2, 1)
    tower = w.handlers.load(building_id_for(w.a, "T2"), Building)
    assert tower.name == "Tower Two"
    assert w.handlers.load(unit_id_for(tower.id, "201"), Unit).floor == 2


def test_one_bad_row_refuses_the_whole_file_and_names_every_error() -> None:
    w = registry()
    head = w.handlers.deps.event_log.head()
    table = _table(
        UNITS,
        ("B1", "102", "1", "90", "80", ""),
        ("B1", "103", "x", "90", "95", ""),
        ("B1", "102", "1", "90", "80", ""),
        ("B1", "101", "1", "90", "80", ""),
    )
    with pytest.raises(ImportRejected) as refused:
        w.handlers.import_units(c.ImportUnits(manager_of(w.a), w.a, _rows(table)))
    assert [(e.row, e.column, e.message) for e in refused.value.errors] == [
        (3, "floor", "a whole number"),
        (3, "internal_area", "must not exceed gross_area"),
        (4, "number", "repeats row 2 of this file"),
        (5, "number", "this unit is registered already"),
    ]
    assert w.handlers.deps.event_log.head() == head


def test_missing_columns_are_reported_on_the_header_row() -> None:
    w = registry()
    table = _table(["building", "number", "colour"], ("B1", "1", "red"))
    with pytest.raises(ImportRejected) as refused:
        w.handlers.import_units(c.ImportUnits(manager_of(w.a), w.a, _rows(table)))
    assert {(e.row, e.column) for e in refused.value.errors} == {
        (1, "floor"),
        (1, "gross_area"),
        (1, "internal_area"),
        (1, "colour"),
    }


def test_another_estates_import_is_refused_before_the_file_is_read() -> None:
    w = registry()

    def unread() -> Table:
        raise AssertionError("the file was read before the caller was authorized")

    with pytest.raises(NotFound):
        w.handlers.import_units(c.ImportUnits(manager_of(w.a), w.b, unread))
    with pytest.raises(NotFound):
        w.handlers.import_residents(c.ImportResidents(actor(Role.OWNER), w.a, unread))


def test_residents_move_in_in_file_order_and_one_national_id_is_one_person() -> None:
    w = registry()
    manager = manager_of(w.a)
    w.handlers.import_units(
        c.ImportUnits(manager, w.a, _rows(_table(UNITS, ("B1", "102", "1", "90", "80", ""))))
    )
    table = _table(
        RESIDENTS,
        ("B1", "101", "Li Na", "owner", "2019-01-01", "310101199001011234", ""),
        ("B1", "102", "Li Na", "owner", "2019-02-01", "310101199001011234", ""),
        ("B1", "101", "Wang Fang", "owner", "2019-03-01", "", "yes"),
    )
    done = w.handlers.import_residents(c.ImportResidents(manager, w.a, _rows(table)))
    assert done.people == 2
    unit = w.handlers.load(w.unit_a, Unit)
    owners = {record["person_id"] for record in unit.current("owner").values()}
    assert len(owners) == 2
    assert all(isinstance(w.handlers.load(p, Person), Person) for p in owners)
    second = w.handlers.load(unit_id_for(w.building_a, "102"), Unit)
    assert owners & {r["person_id"] for r in second.current("owner").values()}


def test_a_refused_residents_file_seals_nothing() -> None:
    w = registry()
    head, sealed = w.handlers.deps.event_log.head(), list(w.vault.sealed)
    table = _table(
        RESIDENTS,
        ("B1", "101", "Li Na", "owner", "2019-01-01", "", ""),
        ("B1", "999", "Nobody", "owner", "2019-01-01", "", ""),
        ("B1", "101", "Wang Fang", "owner", "2019-03-01", "", ""),
    )
    with pytest.raises(ImportRejected) as refused:
        w.handlers.import_residents(c.ImportResidents(manager_of(w.a), w.a, _rows(table)))
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "unit"), (4, "relation")]
    assert w.handlers.deps.event_log.head() == head
    assert w.vault.sealed == sealed
