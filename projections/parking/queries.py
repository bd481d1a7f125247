"""Queries of the car park's read model: car parks, vehicles, passes, sessions, the board.

Staff read the rows of the estates they serve (``parking:read``); an owner
reads the vehicles, passes and sessions of the units they occupy now
(``parking:read:own``). A record outside the reader's reach is missing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Reach
from application.errors import NotFound
from projections.reach import OCCUPIED_UNITS
from projections.records import fetched

OWN = f"unit_id IN ({OCCUPIED_UNITS})"


class CarParkRow(TypedDict):
    car_park_id: UUID
    estate_id: UUID
    temporary_spaces: int
    tariffs: list[dict[str, Any]]  # version, effective_from, tariff; oldest first
    opened_at: datetime
    updated_at: datetime
    position: int


class VehicleRow(TypedDict):
    vehicle_id: UUID
    estate_id: UUID
    plate: str
    unit_id: UUID | None
    blocked: bool
    blocked_reason: str | None
    refusals: int  # entries the blocklist refused
    last_refused_at: datetime | None
    session_id: UUID | None  # the session it is parked in now
    recorded_at: datetime
    updated_at: datetime
    position: int


class PassRow(TypedDict):
    pass_id: UUID
    vehicle_id: UUID
    estate_id: UUID
    unit_id: UUID
    plate: str
    space_id: UUID | None
    starts_on: date
    ends_on: date | None
    billing: str  # unit_account | prepaid
    months: int | None
    amount: Decimal | None
    currency: str
    method: str | None
    reference: str | None
    status: str  # active | cancelled
    issued_at: datetime
    cancelled_at: datetime | None
    deferred: bool  # prepaid since decision 0063: revenue month by month
    recognised_months: int | None
    next_due_on: date | None  # the day the next month is recognised
    updated_at: datetime
    position: int


class SessionRow(TypedDict):
    session_id: UUID
    estate_id: UUID
    vehicle_id: UUID
    plate: str
    unit_id: UUID | None
    pass_id: UUID | None
    tariff_version: int
    entry_gate: str
    entered_at: datetime
    exit_gate: str | None
    exited_at: datetime | None
    minutes: int | None
    fee: Decimal | None
    currency: str
    status: str  # inside | awaiting_payment | paid | left
    method: str | None
    reference: str | None
    paid_at: datetime | None
    left_at: datetime | None
    released_by: UUID | None  # the guard who released it, or let it out with no entry
    release_reason: str | None
    entry_recorded: bool  # false: let out by the guard with no recorded entry
    exit_charge: str | None  # then: lost_ticket | daily_cap | estimated_entry
    paid_amount: Decimal  # all paid, the overstay after the grace included
    overstays: int  # exits past the grace after paying
    updated_at: datetime
    position: int


class ExceptionRow(TypedDict):
    position: int
    estate_id: UUID
    day: date  # Beijing time
    at: datetime
    kind: str  # exit_refused | exit_without_entry | released | entry_refused
    plate: str
    vehicle_id: UUID
    session_id: UUID | None
    gate: str | None
    reason: str | None
    by: UUID | None  # the guard
    fee: Decimal | None
    currency: str | None


class BoardRow(TypedDict):
    car_park_id: UUID
    estate_id: UUID
    pass_spaces: int  # the estate's registered spaces
    temporary_spaces: int
    capacity: int
    occupied_by_pass_holders: int
    occupied_by_temporary: int
    free: int
    awaiting_payment: int
    blocklisted: int


def _reach(reach: Reach, *, own: bool = True) -> tuple[str, list[Any]]:
    if reach.everything:
        return "true", []
    clauses: list[str] = []
    params: list[Any] = []
    if reach.estates:
        clauses.append("estate_id = ANY(%s)")
        params.append(list(reach.estates))
    if reach.own and own:
        clauses.append(OWN)
        params.append(reach.user_id)
    return ("(" + " OR ".join(clauses) + ")" if clauses else "false"), params


def _one(conn: psycopg.Connection[Any], sql: str, args: list[Any], view: type[Any]) -> Any:
    rows = fetched(conn.execute(sql, args), view)  # type: ignore[arg-type]
    if not rows:
        raise NotFound(HIDDEN)
    return rows[0]


def car_parks(
    conn: psycopg.Connection[Any],
    reach: Reach,
    estate_id: UUID | None = None,
    after_key: tuple[UUID] | None = None,
    limit: int = 100,
) -> list[CarParkRow]:
    """The car parks of the estates the reader serves, by ID."""
    where, args = _reach(reach, own=False)
    if estate_id is not None:
        where += " AND estate_id = %s"
        args.append(estate_id)
    if after_key is not None:
        where += " AND car_park_id > %s"
        args.append(after_key[0])
    sql = f"SELECT * FROM parking_car_parks WHERE {where} ORDER BY car_park_id LIMIT %s"
    return fetched(conn.execute(sql, [*args, limit]), CarParkRow)  # type: ignore[arg-type]


def car_park(conn: psycopg.Connection[Any], reach: Reach, car_park_id: UUID) -> CarParkRow:
    where, args = _reach(reach, own=False)
    sql = f"SELECT * FROM parking_car_parks WHERE car_park_id = %s AND {where}"
    return _one(conn, sql, [car_park_id, *args], CarParkRow)  # type: ignore[no-any-return]


def vehicles(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    plate: str | None = None,
    blocked: bool | None = None,
    inside: bool | None = None,
    after_key: tuple[UUID, str, UUID] | None = None,
    limit: int = 500,
) -> list[VehicleRow]:
    """Vehicles the reader may see, by estate and plate."""
    where, args = _reach(reach)
    for column, value in (("estate_id", estate_id), ("unit_id", unit_id), ("plate", plate)):
        if value is not None:
            where += f" AND {column} = %s"
            args.append(value)
    if blocked is not None:
        where += " AND blocked = %s"
        args.append(blocked)
    if inside is not None:
        where += " AND session_id IS NOT NULL" if inside else " AND session_id IS NULL"
    if after_key is not None:
        where += " AND (estate_id, plate, vehicle_id) > (%s, %s, %s)"
        args += after_key
    sql = (
        f"SELECT * FROM parking_vehicles WHERE {where} "
        "ORDER BY estate_id, plate, vehicle_id LIMIT %s"
    )
    return fetched(conn.execute(sql, [*args, limit]), VehicleRow)  # type: ignore[arg-type]


def vehicle(conn: psycopg.Connection[Any], reach: Reach, vehicle_id: UUID) -> VehicleRow:
    where, args = _reach(reach)
    sql = f"SELECT * FROM parking_vehicles WHERE vehicle_id = %s AND {where}"
    return _one(conn, sql, [vehicle_id, *args], VehicleRow)  # type: ignore[no-any-return]


def passes(conn: psycopg.Connection[Any], reach: Reach, vehicle_id: UUID) -> list[PassRow]:
    """The passes of one vehicle the reader may see, oldest first."""
    where, args = _reach(reach)
    sql = (
        f"SELECT * FROM parking_passes WHERE vehicle_id = %s AND {where} "
        "ORDER BY starts_on, pass_id"
    )
    return fetched(conn.execute(sql, [vehicle_id, *args]), PassRow)  # type: ignore[arg-type]


def sessions(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    plate: str | None = None,
    status: str | None = None,
    before_key: tuple[datetime, UUID] | None = None,
    limit: int = 500,
) -> list[SessionRow]:
    """Sessions the reader may see, newest entry first."""
    where, args = _reach(reach)
    for column, value in (
        ("estate_id", estate_id),
        ("unit_id", unit_id),
        ("plate", plate),
        ("status", status),
    ):
        if value is not None:
            where += f" AND {column} = %s"
            args.append(value)
    if before_key is not None:
        where += " AND (entered_at, session_id) < (%s, %s)"
        args += before_key
    sql = (
        f"SELECT * FROM parking_sessions WHERE {where} "
        "ORDER BY entered_at DESC, session_id DESC LIMIT %s"
    )
    return fetched(conn.execute(sql, [*args, limit]), SessionRow)  # type: ignore[arg-type]


def session(conn: psycopg.Connection[Any], reach: Reach, session_id: UUID) -> SessionRow:
    where, args = _reach(reach)
    sql = f"SELECT * FROM parking_sessions WHERE session_id = %s AND {where}"
    return _one(conn, sql, [session_id, *args], SessionRow)  # type: ignore[no-any-return]


def board(conn: psycopg.Connection[Any], reach: Reach, car_park_id: UUID) -> BoardRow:
    """The occupancy board (车位看板): spaces, cars inside by kind, what is free."""
    where, args = _reach(reach, own=False)
    sql = (
        "SELECT c.car_park_id, c.estate_id, "
        "(SELECT count(*) FROM registry_parking p WHERE p.estate_id = c.estate_id)::int "
        "AS pass_spaces, c.temporary_spaces, "
        "(SELECT count(*) FILTER (WHERE s.pass_id IS NOT NULL)::int FROM parking_sessions s "
        "WHERE s.estate_id = c.estate_id AND s.status <> 'left') AS occupied_by_pass_holders, "
        "(SELECT count(*) FILTER (WHERE s.pass_id IS NULL)::int FROM parking_sessions s "
        "WHERE s.estate_id = c.estate_id AND s.status <> 'left') AS occupied_by_temporary, "
        "(SELECT count(*) FILTER (WHERE s.status = 'awaiting_payment')::int "
        "FROM parking_sessions s WHERE s.estate_id = c.estate_id AND s.status <> 'left') "
        "AS awaiting_payment, "
        "(SELECT count(*)::int FROM parking_vehicles v WHERE v.estate_id = c.estate_id "
        "AND v.blocked) AS blocklisted "
        f"FROM (SELECT * FROM parking_car_parks WHERE car_park_id = %s AND {where}) c"
    )
    row = _one(conn, sql, [car_park_id, *args], dict)
    capacity = row["pass_spaces"] + row["temporary_spaces"]
    occupied = row["occupied_by_pass_holders"] + row["occupied_by_temporary"]
    return BoardRow(
        car_park_id=row["car_park_id"],
        estate_id=row["estate_id"],
        pass_spaces=row["pass_spaces"],
        temporary_spaces=row["temporary_spaces"],
        capacity=capacity,
        occupied_by_pass_holders=row["occupied_by_pass_holders"],
        occupied_by_temporary=row["occupied_by_temporary"],
        free=max(0, capacity - occupied),
        awaiting_payment=row["awaiting_payment"],
        blocklisted=row["blocklisted"],
    )


def exceptions(
    conn: psycopg.Connection[Any],
    reach: Reach,
    car_park_id: UUID,
    day: date,
    after_key: tuple[int] | None = None,
    limit: int = 500,
) -> list[ExceptionRow]:
    """The car park's exceptions of one day (Beijing time), in the order they happened."""
    where, args = _reach(reach, own=False)
    park = f"SELECT estate_id FROM parking_car_parks WHERE car_park_id = %s AND {where}"
    _one(conn, park, [car_park_id, *args], dict)
    sql = (
        f"SELECT * FROM parking_exceptions WHERE estate_id = ({park}) AND day = %s "
        "AND position > %s ORDER BY position LIMIT %s"
    )
    after = -1 if after_key is None else after_key[0]
    rows = conn.execute(sql, [car_park_id, *args, day, after, limit])
    return fetched(rows, ExceptionRow)  # type: ignore[arg-type]


class DuePasses:
    """``application.parking.ports.DuePasses``, from ``parking_passes``."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def vehicles_with_months_due(self, today: date) -> list[UUID]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT DISTINCT vehicle_id FROM parking_passes WHERE next_due_on <= %s",
                [today],
            ).fetchall()
        return [vehicle_id for (vehicle_id,) in rows]
