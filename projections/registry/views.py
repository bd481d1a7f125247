"""The registry read model's answers to the API's reads (decision 0017).

Every query takes the caller's reach (``application.actor.Reach``) and shows
only the rows it admits: every row, their estates', or their own. A place is
an occupant's own while they live there now: an estate or a building they
live in, the unit, a parking space of the unit; a person is the own record of
the login linked to it. A single record outside the reach is None, as a
missing one is, so the caller cannot tell them apart. Rows are typed views
(``EstateRow`` ...) keyed as the API names the fields.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict, TypeVar, cast
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from projections.reach import OCCUPIED_UNITS, Reaching, clause, page

Conn = psycopg.Connection[Any]
V = TypeVar("V")


class EstateRow(TypedDict):
    id: UUID
    code: str
    name: str
    address: str
    created_at: datetime
    updated_at: datetime
    version: int


class BuildingRow(TypedDict):
    id: UUID
    estate_id: UUID
    code: str
    name: str
    floors: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class UnitRow(TypedDict):
    id: UUID
    estate_id: UUID
    building_id: UUID
    number: str
    floor: int
    gross_area: Decimal
    internal_area: Decimal
    use: str
    created_at: datetime
    updated_at: datetime
    version: int


class OccupancyRow(TypedDict):
    id: UUID
    unit_id: UUID
    estate_id: UUID
    building_id: UUID
    person_id: UUID
    person_name: str | None  # masked; None once erased
    user_id: UUID | None
    relation: str
    moved_in_on: date
    moved_out_on: date | None
    ended_by: str | None
    current: bool


class ParkingRow(TypedDict):
    id: UUID
    estate_id: UUID
    code: str
    level: str | None
    kind: str
    unit_id: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class PersonRow(TypedDict):
    id: UUID
    estate_id: UUID
    name: str | None
    phone: str | None
    national_id: str | None
    user_id: UUID | None
    personal_data_erased: bool
    created_at: datetime
    updated_at: datetime
    version: int


def _occupants_of(column: str) -> str:
    # A uuid[] expression, so that projections.reach renders it "%s = ANY(...)".
    return (
        "ARRAY(SELECT o.user_id FROM registry_occupancy o "
        f"WHERE o.{column} AND o.moved_out_on IS NULL AND o.user_id IS NOT NULL)[]"
    )


ESTATES = (
    "SELECT e.estate_id AS id, e.code, e.name, e.address, e.created_at, e.updated_at, e.version "
    "FROM registry_estates e WHERE {where}"
)
ESTATE_OWNERS = (_occupants_of("estate_id = e.estate_id"),)

BUILDINGS = (
    "SELECT b.building_id AS id, b.estate_id, b.code, b.name, b.floors, b.created_at, "
    "b.updated_at, b.version FROM registry_buildings b WHERE {where}"
)
BUILDING_OWNERS = (_occupants_of("building_id = b.building_id"),)

UNITS = (
    "SELECT u.unit_id AS id, u.estate_id, u.building_id, u.number, u.floor, u.gross_area, "
    "u.internal_area, u.use, u.created_at, u.updated_at, u.version "
    "FROM registry_units u WHERE {where}"
)
UNIT_OWNERS = ("u.occupant_user_ids[]",)

PARKING = (
    "SELECT p.parking_id AS id, p.estate_id, p.code, p.level, p.kind, p.unit_id, "
    "p.created_at, p.updated_at, p.version FROM registry_parking p WHERE {where}"
)
PARKING_OWNERS = (_occupants_of("unit_id = p.unit_id"),)

PEOPLE = (
    "SELECT p.person_id AS id, p.estate_id, p.name_masked AS name, p.phone_masked AS phone, "
    "p.national_id_masked AS national_id, p.user_id, p.personal_data_erased, p.created_at, "
    "p.updated_at, p.version FROM registry_people p WHERE {where}"
)
PERSON_OWNERS = ("p.user_id",)

OCCUPANCY = (
    "SELECT o.occupancy_id AS id, o.unit_id, o.estate_id, o.building_id, o.person_id, "
    "p.name_masked AS person_name, o.user_id, o.relation, o.moved_in_on, o.moved_out_on, "
    "o.ended_by, o.moved_out_on IS NULL AS current FROM registry_occupancy o "
    "LEFT JOIN registry_people p ON p.person_id = o.person_id "
)


def _select(
    conn: Conn,
    view: type[V],
    sql: str,
    reach: Reaching,
    estate_column: str,
    owners: tuple[str, ...],
    filters: list[tuple[str, Any]],
    tail: str = "",
    tail_params: tuple[Any, ...] = (),
) -> list[V]:
    """Rows of ``sql`` the reach admits, narrowed by ``filters`` (a condition
    with one placeholder, its value; None leaves it out)."""
    estate_id = dict(filters).get(f"{estate_column} = %s")
    where, params = clause(reach, estate_column, owners, estate_id=estate_id)
    for condition, value in filters:
        if value is not None:
            where += f" AND {condition}"
            params.extend(value) if isinstance(value, tuple) else params.append(value)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql.format(where=where) + tail, [*params, *tail_params])  # type: ignore[arg-type]
        return cast(list[V], cur.fetchall())


def _occupancy(conn: Conn, where: str, key: UUID) -> list[OccupancyRow]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(OCCUPANCY + where, [key])  # type: ignore[arg-type]
        return cast(list[OccupancyRow], cur.fetchall())


def _one(rows: list[V]) -> V | None:
    return rows[0] if rows else None


# ---- estates, buildings -------------------------------------------------------------


def estates(
    conn: Conn, reach: Reaching, *, after_code: str | None = None, limit: int
) -> list[EstateRow]:
    """A page of estates in code order (codes are unique), after ``after_code``."""
    return _select(
        conn,
        EstateRow,
        ESTATES,
        reach,
        "e.estate_id",
        ESTATE_OWNERS,
        [("e.code > %s", after_code)],
        " ORDER BY e.code LIMIT %s",
        (limit,),
    )


def estate(conn: Conn, reach: Reaching, estate_id: UUID) -> EstateRow | None:
    filters = [("e.estate_id = %s", estate_id)]
    return _one(_select(conn, EstateRow, ESTATES, reach, "e.estate_id", ESTATE_OWNERS, filters))


def buildings(
    conn: Conn,
    reach: Reaching,
    *,
    estate_id: UUID | None,
    after_key: tuple[UUID, str] | None = None,
    limit: int,
) -> list[BuildingRow]:
    """A page of buildings in (estate, code) order, after the key ``after_key``."""
    return _select(
        conn,
        BuildingRow,
        BUILDINGS,
        reach,
        "b.estate_id",
        BUILDING_OWNERS,
        [("b.estate_id = %s", estate_id), ("(b.estate_id, b.code) > (%s, %s)", after_key)],
        " ORDER BY b.estate_id, b.code LIMIT %s",
        (limit,),
    )


def building(conn: Conn, reach: Reaching, building_id: UUID) -> BuildingRow | None:
    filters = [("b.building_id = %s", building_id)]
    return _one(
        _select(conn, BuildingRow, BUILDINGS, reach, "b.estate_id", BUILDING_OWNERS, filters)
    )


# ---- units and their occupancy ----------------------------------------------------------


def units(
    conn: Conn,
    reach: Reaching,
    *,
    estate_id: UUID | None,
    building_id: UUID | None,
    cursor: UUID | None,
    limit: int,
) -> list[UnitRow]:
    """A page of units in building and number order, after the unit ``cursor``:
    over the reach, a page an estate and the units the user occupies
    elsewhere, merged (``projections/reach.py: page``)."""
    filters = [
        (condition, [value])
        for condition, value in (
            ("u.estate_id = %s", estate_id),
            ("u.building_id = %s", building_id),
            (
                "(u.building_id, u.number) > "
                "(SELECT building_id, number FROM registry_units WHERE unit_id = %s)",
                cursor,
            ),
        )
        if value is not None
    ]
    statement = page(
        reach,
        UNITS.removesuffix(" WHERE {where}"),
        filters,
        alias="u",
        order=("building_id", "number"),
        limit=limit,
        own_units=OCCUPIED_UNITS,
        estate_id=estate_id,
    )
    if statement is None:
        return []
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(*statement)  # type: ignore[arg-type]
        return cast(list[UnitRow], cur.fetchall())


def unit(conn: Conn, reach: Reaching, unit_id: UUID) -> UnitRow | None:
    return _one(
        _select(
            conn, UnitRow, UNITS, reach, "u.estate_id", UNIT_OWNERS, [("u.unit_id = %s", unit_id)]
        )
    )


def unit_occupancy(conn: Conn, reach: Reaching, unit_id: UUID) -> list[OccupancyRow] | None:
    """The unit's occupancy history, oldest first; None if the unit is not to be seen."""
    if unit(conn, reach, unit_id) is None:
        return None
    order = "ORDER BY o.moved_in_on, o.recorded_at, o.relation"
    return _occupancy(conn, "WHERE o.unit_id = %s " + order, unit_id)


# ---- parking ------------------------------------------------------------------------------


def parking(
    conn: Conn,
    reach: Reaching,
    *,
    estate_id: UUID | None,
    after_key: tuple[UUID, str] | None = None,
    limit: int,
) -> list[ParkingRow]:
    """A page of parking spaces in (estate, code) order, after the key ``after_key``."""
    return _select(
        conn,
        ParkingRow,
        PARKING,
        reach,
        "p.estate_id",
        PARKING_OWNERS,
        [("p.estate_id = %s", estate_id), ("(p.estate_id, p.code) > (%s, %s)", after_key)],
        " ORDER BY p.estate_id, p.code LIMIT %s",
        (limit,),
    )


def parking_space(conn: Conn, reach: Reaching, parking_id: UUID) -> ParkingRow | None:
    filters = [("p.parking_id = %s", parking_id)]
    return _one(_select(conn, ParkingRow, PARKING, reach, "p.estate_id", PARKING_OWNERS, filters))


# ---- people ---------------------------------------------------------------------------------


def people(
    conn: Conn, reach: Reaching, *, estate_id: UUID | None, cursor: UUID | None, limit: int
) -> list[PersonRow]:
    """A page of people (masked) in ID order, after the person ``cursor``."""
    filters = [("p.estate_id = %s", estate_id), ("p.person_id > %s", cursor)]
    return _select(
        conn,
        PersonRow,
        PEOPLE,
        reach,
        "p.estate_id",
        PERSON_OWNERS,
        filters,
        " ORDER BY p.person_id LIMIT %s",
        (limit,),
    )


def person(conn: Conn, reach: Reaching, person_id: UUID) -> PersonRow | None:
    filters = [("p.person_id = %s", person_id)]
    return _one(_select(conn, PersonRow, PEOPLE, reach, "p.estate_id", PERSON_OWNERS, filters))


def person_occupancy(conn: Conn, reach: Reaching, person_id: UUID) -> list[OccupancyRow] | None:
    """Every unit the person has occupied, oldest first; None if they are not to be seen."""
    if person(conn, reach, person_id) is None:
        return None
    return _occupancy(
        conn, "WHERE o.person_id = %s ORDER BY o.moved_in_on, o.recorded_at", person_id
    )
