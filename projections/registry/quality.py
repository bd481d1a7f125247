"""What the estate's data-quality report (R7.5) and dashboard read of the registry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from domain.quality.figures import ratio
from projections.failing import RecordCheck

_UNIT = (
    "registry_units u JOIN registry_buildings bd ON bd.building_id = u.building_id",
    "u.unit_id",
    "bd.code || '-' || u.number",
    (("u.building_id", "uuid"), ("u.number", "text"), ("u.unit_id", "uuid")),
)
_CURRENT_OWNER = (
    "SELECT 1 FROM registry_occupancy o WHERE o.unit_id = u.unit_id "
    "AND o.estate_id = %(estate_id)s AND o.relation = 'owner' AND o.moved_out_on IS NULL"
)

UNITS_WITHOUT_AREA = RecordCheck(
    name="units_without_area",
    tables=("registry_units", "registry_buildings"),
    source=_UNIT[0],
    where="u.estate_id = %(estate_id)s AND (u.gross_area <= 0 OR u.internal_area <= 0)",
    id=_UNIT[1],
    label=_UNIT[2],
    detail="'gross ' || u.gross_area || ' m2, internal ' || u.internal_area || ' m2'",
    keys=_UNIT[3],
)
UNITS_WITHOUT_OWNER = RecordCheck(
    name="units_without_owner",
    tables=("registry_units", "registry_buildings", "registry_occupancy"),
    source=_UNIT[0],
    where=f"u.estate_id = %(estate_id)s AND NOT EXISTS ({_CURRENT_OWNER})",
    id=_UNIT[1],
    label=_UNIT[2],
    detail="'no current owner'",
    keys=_UNIT[3],
)
OCCUPANTS_WITHOUT_CONTACT = RecordCheck(
    name="occupants_without_contact",
    tables=("registry_people", "registry_occupancy"),
    source="registry_people p",
    where=(
        "p.estate_id = %(estate_id)s AND coalesce(p.phone_masked, '') = '' "
        "AND p.user_id IS NULL AND NOT p.personal_data_erased AND EXISTS ("
        "SELECT 1 FROM registry_occupancy o WHERE o.person_id = p.person_id "
        "AND o.estate_id = %(estate_id)s AND o.moved_out_on IS NULL)"
    ),
    id="p.person_id",
    label="coalesce(p.name_masked, '')",
    detail="'lives in a unit with neither a phone nor a login'",
    keys=(("p.person_id", "uuid"),),
)


class OccupancyFigures(TypedDict):
    units: int
    occupied: int  # units someone lives in now (a current occupancy of any relation)
    rate: Decimal | None  # occupied / units, 4 places; None without units


def occupancy(conn: psycopg.Connection[Any], estate_id: UUID) -> OccupancyFigures:
    """The estate's units, and those with a current occupancy."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM registry_units WHERE estate_id = %s), "
        "(SELECT count(DISTINCT unit_id) FROM registry_occupancy "
        "WHERE estate_id = %s AND moved_out_on IS NULL)",
        [estate_id, estate_id],
    ).fetchone()
    units, occupied = (int(row[0]), int(row[1])) if row else (0, 0)
    return {"units": units, "occupied": occupied, "rate": ratio(occupied, units)}


def estate_ids(conn: psycopg.Connection[Any]) -> list[UUID]:
    """Every estate registered, by code."""
    return [r[0] for r in conn.execute("SELECT estate_id FROM registry_estates ORDER BY code")]
