"""What other contexts ask the registry (contract 1 of the issue-5 brief).

Plain functions over a psycopg connection and the ``registry`` projection's
tables. "Current" occupancy is one not yet ended (``moved_out_on IS NULL``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from application.registry.ports import BillingUnit, OwnershipRow


def estate_exists(conn: psycopg.Connection[Any], estate_id: UUID) -> bool:
    row = conn.execute(
        "SELECT 1 FROM registry_estates WHERE estate_id = %s", [estate_id]
    ).fetchone()
    return row is not None


def unit_estate(conn: psycopg.Connection[Any], unit_id: UUID) -> UUID | None:
    """The estate of a unit, or None if there is no such unit."""
    row = conn.execute(
        "SELECT estate_id FROM registry_units WHERE unit_id = %s", [unit_id]
    ).fetchone()
    return row[0] if row else None


def units_of_user(conn: psycopg.Connection[Any], user_id: UUID) -> list[tuple[UUID, UUID]]:
    """(estate_id, unit_id) of every unit the login account currently occupies."""
    rows = conn.execute(
        "SELECT DISTINCT estate_id, unit_id FROM registry_occupancy "
        "WHERE user_id = %s AND moved_out_on IS NULL ORDER BY estate_id, unit_id",
        [user_id],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def estates_of_login(conn: psycopg.Connection[Any], user_id: UUID) -> set[UUID]:
    """The estates of every person this login account is linked to."""
    rows = conn.execute(
        "SELECT estate_id FROM registry_people WHERE user_id = %s", [user_id]
    ).fetchall()
    return {r[0] for r in rows}


def occupant_user_ids(conn: psycopg.Connection[Any], estate_id: UUID) -> list[UUID]:
    """Login accounts of the current owners and residents of an estate."""
    rows = conn.execute(
        "SELECT DISTINCT user_id FROM registry_occupancy "
        "WHERE estate_id = %s AND user_id IS NOT NULL AND moved_out_on IS NULL "
        "ORDER BY user_id",
        [estate_id],
    ).fetchall()
    return [r[0] for r in rows]


def billing_units(conn: psycopg.Connection[Any], estate_id: UUID) -> list[BillingUnit]:
    """(unit_id, gross_area, internal_area, parking spaces assigned) of every unit of an estate."""
    rows = conn.execute(
        "SELECT u.unit_id, u.gross_area, u.internal_area, "
        "(SELECT count(*) FROM registry_parking p WHERE p.unit_id = u.unit_id) "
        "FROM registry_units u WHERE u.estate_id = %s ORDER BY u.unit_id",
        [estate_id],
    ).fetchall()
    return [BillingUnit(*row) for row in rows]


def ownerships(
    conn: psycopg.Connection[Any], estate_id: UUID, unit_id: UUID | None = None
) -> list[OwnershipRow]:
    """(unit_id, person_id, user_id, moved_in_on, moved_out_on) of every owner, past and present."""
    rows = conn.execute(
        "SELECT unit_id, person_id, user_id, moved_in_on, moved_out_on FROM registry_occupancy "
        "WHERE estate_id = %s AND relation = 'owner' AND (%s::uuid IS NULL OR unit_id = %s) "
        "ORDER BY unit_id, moved_in_on",
        [estate_id, unit_id, unit_id],
    ).fetchall()
    return [OwnershipRow(*row) for row in rows]
