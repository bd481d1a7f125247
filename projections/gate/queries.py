"""Queries of the ``gate`` read model (``passes.py`` keeps its tables).

A pass's ``status`` is derived when it is read, since expiry is the clock
passing its window, not an event: ``inside``, ``revoked``, ``expired``,
``used_up``, ``not_yet_valid`` or ``valid`` (``domain/gate/visitor_pass.py:
VisitorPass.status`` says the same of the aggregate). It is judged at the
read's moment, ``at``: the service's clock now, or the moment of the position
an auditor reads as of (without one, the database's ``now()``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict, TypeVar, cast
from uuid import UUID

import psycopg
from psycopg.sql import Literal

from projections.reach import Reaching, clause, page
from projections.records import fetched

V = TypeVar("V")

STATUSES = ("inside", "revoked", "expired", "used_up", "not_yet_valid", "valid")
STATUS = (
    "CASE WHEN p.inside THEN 'inside' WHEN p.revoked_at IS NOT NULL THEN 'revoked' "
    "WHEN p.valid_until <= {at} THEN 'expired' "
    "WHEN p.entries_used >= p.entries_allowed THEN 'used_up' "
    "WHEN p.valid_from > {at} THEN 'not_yet_valid' ELSE 'valid' END"
)
FIELDS = (
    "p.pass_id, p.estate_id, p.unit_id, p.issued_by, p.visitor_user_id, p.visitor_name, "
    "p.visitor_phone, p.plate, p.valid_from, p.valid_until, p.entries_allowed, "
    "p.entries_used, p.inside, p.last_in_at, p.last_out_at, p.revoked_at, p.revoked_by, "
    "p.revoke_reason, p.issued_at, p.updated_at, p.position"
)
OWNERS = ("issued_by", "visitor_user_id")


def status_at(conn: psycopg.Connection[Any], at: datetime | None) -> str:
    """The status expression, judged at ``at`` (a literal the driver quotes: the
    expression is repeated in every branch of a page, so it takes no parameter)."""
    moment = "now()" if at is None else Literal(at).as_string(conn)
    return STATUS.format(at=moment)


def _columns(conn: psycopg.Connection[Any], at: datetime | None) -> str:
    return f"{FIELDS}, {status_at(conn, at)} AS status"


class PassRow(TypedDict):
    pass_id: UUID
    estate_id: UUID
    unit_id: UUID
    issued_by: UUID
    visitor_user_id: UUID | None
    visitor_name: str | None  # masked; None once the pass's key is gone
    visitor_phone: str | None  # masked
    plate: str | None
    valid_from: datetime
    valid_until: datetime
    entries_allowed: int
    entries_used: int
    inside: bool
    last_in_at: datetime | None
    last_out_at: datetime | None
    revoked_at: datetime | None
    revoked_by: UUID | None
    revoke_reason: str | None
    issued_at: datetime
    updated_at: datetime
    position: int
    status: str


class MovementRow(TypedDict):
    position: int
    pass_id: UUID
    estate_id: UUID
    movement: str  # in, out, door
    at: datetime
    entry: int | None
    by_user: UUID | None
    controller_id: UUID | None
    refusal: str | None
    visitor_name: str | None
    plate: str | None
    unit_id: UUID


def passes(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    status: str | None = None,
    limit: int = 100,
    before_id: UUID | None = None,
    at: datetime | None = None,
) -> list[PassRow]:
    """Passes of the reach's estates, or those the actor issued or was issued,
    newest first, after the pass ``before_id``; their status judged at ``at``."""
    where: list[tuple[str, list[Any]]] = [
        (f"p.{column} = %s", [value])
        for column, value in (("estate_id", estate_id), ("unit_id", unit_id))
        if value is not None
    ]
    if status is not None:
        where.append((f"({status_at(conn, at)}) = %s", [status]))
    if before_id is not None:
        where.append(
            (
                "(p.issued_position, p.pass_id) < (SELECT c.issued_position, c.pass_id "
                "FROM gate_passes c WHERE c.pass_id = %s)",
                [before_id],
            )
        )
    statement = page(
        reach,
        f"SELECT {_columns(conn, at)}, p.issued_position FROM gate_passes p",
        where,
        alias="p",
        order=("issued_position DESC", "pass_id DESC"),
        limit=limit,
        owner_columns=OWNERS,
        estate_id=estate_id,
    )
    if statement is None:
        return []
    rows = fetched(conn.execute(statement[0], statement[1]), PassRow)  # type: ignore[arg-type]
    for row in rows:
        cast(dict[str, Any], row).pop("issued_position", None)
    return rows


def visitor_pass(
    conn: psycopg.Connection[Any], reach: Reaching, pass_id: UUID, at: datetime | None = None
) -> PassRow | None:
    where, params = clause(reach, "p.estate_id", tuple(f"p.{o}" for o in OWNERS))
    statement = f"SELECT {_columns(conn, at)} FROM gate_passes p WHERE p.pass_id = %s AND {where}"
    found = fetched(conn.execute(statement, [pass_id, *params]), PassRow)
    return found[0] if found else None


def inside(
    conn: psycopg.Connection[Any], estate_id: UUID, at: datetime | None = None
) -> list[PassRow]:
    """The visitors inside the estate now, who came in first first."""
    statement = (
        f"SELECT {_columns(conn, at)} FROM gate_passes p WHERE p.estate_id = %s AND p.inside "
        "ORDER BY p.last_in_at, p.pass_id"
    )
    return fetched(conn.execute(statement, [estate_id]), PassRow)


def movements(
    conn: psycopg.Connection[Any],
    estate_id: UUID,
    *,
    since: datetime,
    until: datetime,
    limit: int = 100,
    after_position: int | None = None,
) -> list[MovementRow]:
    """The gate's log of the estate between ``since`` and ``until``, in order."""
    sql = (
        "SELECT m.position, m.pass_id, m.estate_id, m.movement, m.at, m.entry, m.by_user, "
        "m.controller_id, m.refusal, p.visitor_name, p.plate, p.unit_id "
        "FROM gate_movements m JOIN gate_passes p ON p.pass_id = m.pass_id "
        "WHERE m.estate_id = %s AND m.at >= %s AND m.at < %s"
    )
    params: list[Any] = [estate_id, since, until]
    if after_position is not None:
        sql += " AND (m.at, m.position) > (SELECT a.at, a.position FROM gate_movements a "
        sql += "WHERE a.position = %s)"
        params.append(after_position)
    sql += " ORDER BY m.at, m.position LIMIT %s"
    return fetched(conn.execute(sql, [*params, limit]), MovementRow)
