"""Who and where by name, beside the IDs (issue 16; decision 0053).

Statements, their files and the audit trail name people, estates and units as
the read models show them *now*: a person's name as the registry masks it, a
user's as the user directory masks it, "erased person" once either was erased;
an estate's name; a unit's number. Names are looked up when a document is
read, never copied into another read model, so an erasure (or a renamed
estate) reaches every document at once, old ones included.

A statement that lists many rows joins the names in its own query
(:func:`place_join`, :func:`payer_names`); one that names a few looks them up
by primary key (``= ANY``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict
from uuid import UUID

import psycopg

#: IDs to name; a row of no unit or person brings a None, which names nothing.
Ids = Iterable[UUID | None]
#: Erased people are named so, wherever a name would be (R7.3).
ERASED_PERSON = "erased person"


def person_name(alias: str) -> str:
    """SQL for the name of a ``registry_people`` row ``alias``: masked, or erased."""
    return (
        f"CASE WHEN {alias}.personal_data_erased THEN '{ERASED_PERSON}' "
        f"ELSE {alias}.name_masked END"
    )


def user_name(alias: str) -> str:
    """SQL for the name of a ``user_directory`` row ``alias``: masked, or erased."""
    return (
        f"CASE WHEN {alias}.personal_data_erased THEN '{ERASED_PERSON}' "
        f"ELSE {alias}.display_name END"
    )


class Place(TypedDict):
    """Where a unit is, by name."""

    estate_id: UUID
    estate_name: str
    building: str  # the building's name
    unit_number: str


def _ids(values: Ids) -> list[UUID]:
    return sorted({v for v in values if v is not None}, key=str)


def estate_names(conn: psycopg.Connection[Any], estate_ids: Ids) -> dict[UUID, str]:
    """Each estate's name, by its ID (an estate not in the registry is left out)."""
    rows = conn.execute(
        "SELECT estate_id, name FROM registry_estates WHERE estate_id = ANY(%s)",
        [_ids(estate_ids)],
    ).fetchall()
    return dict(rows)


def places(conn: psycopg.Connection[Any], unit_ids: Ids) -> dict[UUID, Place]:
    """Each unit's estate, building and number, by the unit's ID."""
    rows = conn.execute(
        "SELECT u.unit_id, u.estate_id, e.name, g.name, u.number FROM registry_units u "
        "JOIN registry_estates e ON e.estate_id = u.estate_id "
        "JOIN registry_buildings g ON g.building_id = u.building_id "
        "WHERE u.unit_id = ANY(%s)",
        [_ids(unit_ids)],
    ).fetchall()
    return {
        r[0]: {"estate_id": r[1], "estate_name": r[2], "building": r[3], "unit_number": r[4]}
        for r in rows
    }


def person_names(conn: psycopg.Connection[Any], person_ids: Ids) -> dict[UUID, str]:
    """Each person's name as the registry shows it: masked, or "erased person"."""
    rows = conn.execute(
        f"SELECT p.person_id, {person_name('p')} FROM registry_people p "
        "WHERE p.person_id = ANY(%s)",
        [_ids(person_ids)],
    ).fetchall()
    return {r[0]: r[1] for r in rows if r[1] is not None}


def user_names(conn: psycopg.Connection[Any], user_ids: Ids) -> dict[UUID, str]:
    """Each user's name as the user directory shows it: masked, or "erased person"."""
    rows = conn.execute(
        f"SELECT d.user_id, {user_name('d')} FROM user_directory d WHERE d.user_id = ANY(%s)",
        [_ids(user_ids)],
    ).fetchall()
    return dict(rows)


def payer_names(ids: str) -> str:
    """SQL for the names of the people of the ``uuid[]`` expression ``ids``, in its
    order (the ID itself for a person the registry does not know). Joined in the
    statement's own query: a file of 100,000 bills paid a round trip per batch
    for its names otherwise (decision 0053)."""
    return (
        f"ARRAY(SELECT coalesce({person_name('np')}, x.id::text) "
        f"FROM unnest({ids}) WITH ORDINALITY x(id, n) "
        "LEFT JOIN registry_people np ON np.person_id = x.id ORDER BY x.n)"
    )


def place_join(unit_id: str) -> str:
    """SQL joining the unit of the column ``unit_id`` and its estate, for
    :data:`PLACE_COLUMNS` (a row of no unit, or an unknown one, names none)."""
    return (
        f"LEFT JOIN registry_units nu ON nu.unit_id = {unit_id} "
        "LEFT JOIN registry_estates ne ON ne.estate_id = nu.estate_id"
    )


#: The estate's name and the unit's number, of :func:`place_join`.
PLACE_COLUMNS = "ne.name AS estate_name, nu.number AS unit_number"


class Owner(TypedDict):
    person_id: UUID
    name: str | None  # masked, or "erased person"
    user_id: UUID | None  # their login, if linked: they may read their own name in clear


def owners_now(conn: psycopg.Connection[Any], unit_id: UUID) -> list[Owner]:
    """The unit's owners now, first moved in first, by name."""
    rows = conn.execute(
        f"SELECT o.person_id, {person_name('p')}, p.user_id FROM registry_occupancy o "
        "LEFT JOIN registry_people p ON p.person_id = o.person_id "
        "WHERE o.unit_id = %s AND o.relation = 'owner' AND o.moved_out_on IS NULL "
        "ORDER BY o.moved_in_on, o.person_id",
        [unit_id],
    ).fetchall()
    return [{"person_id": r[0], "name": r[1], "user_id": r[2]} for r in rows]
