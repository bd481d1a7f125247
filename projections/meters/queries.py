"""Queries of the ``meters`` read model (``register.py`` keeps its tables).

Each takes a connection and the actor's reach: staff see their estates'
meters, readings and rounds; an occupant the meters of the units they
occupy and their readings; a technician the rounds assigned to them. A row
the caller may not see is simply absent (the route answers 404).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict, TypeVar
from uuid import UUID

import psycopg

from application.meters.ports import MeterEntry
from domain.finance.periods import period_end
from domain.meters.values import AVERAGE_OVER, JUMP_FACTOR
from projections.reach import OCCUPIED_UNITS, Reaching, clause, page
from projections.records import fetched

V = TypeVar("V")


class MeterRow(TypedDict):
    meter_id: UUID
    estate_id: UUID
    unit_id: UUID | None
    unit_label: str | None
    area: str | None
    kind: str
    serial: str
    installed_on: date
    initial_reading: Decimal
    last_reading: Decimal
    last_read_on: date
    cumulative: Decimal  # the reading plus the replacements' carry: what billing reads
    replacements: int
    waiting: int
    installed_at: datetime
    updated_at: datetime
    position: int


class ReadingRow(TypedDict):
    reading_id: UUID
    meter_id: UUID
    estate_id: UUID
    unit_id: UUID | None
    kind: str
    period: str | None
    reading: Decimal
    read_on: date
    usage: Decimal
    cumulative: Decimal | None
    source: str
    status: str
    note: str | None
    photo_ref: str | None
    round_id: UUID | None
    entered_by: UUID | None
    decided_by: UUID | None
    entered_at: datetime
    updated_at: datetime
    position: int


class RoundRow(TypedDict):
    round_id: UUID
    estate_id: UUID
    period: str
    technician_id: UUID
    due_on: date
    status: str
    meter_count: int
    read_count: int
    held_count: int
    planned_by: UUID
    planned_at: datetime
    updated_at: datetime
    position: int


class StopRow(TypedDict):
    seq: int
    meter_id: UUID
    unit_label: str | None
    area: str | None
    kind: str
    serial: str
    last_reading: Decimal
    reading_id: UUID | None
    status: str | None


class UnreadRow(TypedDict):
    meter_id: UUID
    place: str  # the unit's building and number, or the shared meter's area
    unit_id: UUID | None
    unit_label: str | None
    area: str | None
    kind: str
    serial: str
    last_reading: Decimal
    last_read_on: date
    waiting: int


class JumpRuleRow(TypedDict):
    estate_id: UUID
    factor: Decimal
    window: int
    changed_by: UUID | None  # None: never changed, the default
    updated_at: datetime | None


#: A row of a unit the caller occupies is their own (one %s: the user).
OWN_UNIT = f"r.unit_id IN ({OCCUPIED_UNITS})"


def _listed(
    conn: psycopg.Connection[Any],
    view: type[V],
    reach: Reaching,
    *,
    table: str,
    key: str,
    newest: str,
    filters: dict[str, Any],
    limit: int,
    before_id: UUID | None,
    owned: str,
) -> list[V]:
    """A page of ``table`` in the reach, newest first, after the row ``before_id``."""
    where = [(f"r.{c} = %s", [v]) for c, v in filters.items() if v is not None]
    if before_id is not None:
        where.append(
            (
                f"(r.{newest}, r.{key}) < (SELECT c.{newest}, c.{key} FROM {table} c "
                f"WHERE c.{key} = %s)",
                [before_id],
            )
        )
    statement = page(
        reach,
        f"SELECT r.* FROM {table} r",
        where,
        alias="r",
        order=(f"{newest} DESC", f"{key} DESC"),
        limit=limit,
        own_units=OCCUPIED_UNITS if owned == "unit" else None,
        owner_columns=(owned,) if owned != "unit" else (),
        estate_id=filters.get("estate_id"),
    )
    if statement is None:
        return []
    with conn.cursor() as cur:
        cur.execute(*statement)
        return fetched(cur, view)


def _one(
    conn: psycopg.Connection[Any], view: type[V], sql: str, reach: Reaching, key: UUID, owner: str
) -> V | None:
    where, params = clause(reach, "r.estate_id", (owner,))
    with conn.cursor() as cur:
        cur.execute(f"{sql} AND {where}", [key, *params])
        found = fetched(cur, view)
    return found[0] if found else None


def meters(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    unit_id: UUID | None = None,
    kind: str | None = None,
    limit: int = 100,
    before_id: UUID | None = None,
) -> list[MeterRow]:
    """Meters of the reach's estates or of the caller's units, newest first."""
    return _listed(
        conn,
        MeterRow,
        reach,
        table="meters",
        key="meter_id",
        newest="installed_at",
        filters={"estate_id": estate_id, "unit_id": unit_id, "kind": kind},
        limit=limit,
        before_id=before_id,
        owned="unit",
    )


def meter(conn: psycopg.Connection[Any], reach: Reaching, meter_id: UUID) -> MeterRow | None:
    return _one(
        conn, MeterRow, "SELECT r.* FROM meters r WHERE r.meter_id = %s", reach, meter_id, OWN_UNIT
    )


def readings(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    meter_id: UUID | None = None,
    status: str | None = None,
    period: str | None = None,
    limit: int = 100,
    before_id: UUID | None = None,
) -> list[ReadingRow]:
    """Readings (and replacements) of the reach's meters, newest first: with
    ``status`` held or submitted, what waits for staff to confirm."""
    return _listed(
        conn,
        ReadingRow,
        reach,
        table="meter_readings",
        key="reading_id",
        newest="entered_at",
        filters={"estate_id": estate_id, "meter_id": meter_id, "status": status, "period": period},
        limit=limit,
        before_id=before_id,
        owned="unit",
    )


def rounds(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    estate_id: UUID | None = None,
    status: str | None = None,
    period: str | None = None,
    limit: int = 100,
    before_id: UUID | None = None,
) -> list[RoundRow]:
    """Reading rounds of the reach's estates, or assigned to the caller, newest first."""
    return _listed(
        conn,
        RoundRow,
        reach,
        table="meter_rounds",
        key="round_id",
        newest="planned_at",
        filters={"estate_id": estate_id, "status": status, "period": period},
        limit=limit,
        before_id=before_id,
        owned="technician_id",
    )


def reading_round(
    conn: psycopg.Connection[Any], reach: Reaching, round_id: UUID
) -> RoundRow | None:
    sql = "SELECT r.* FROM meter_rounds r WHERE r.round_id = %s"
    return _one(conn, RoundRow, sql, reach, round_id, "r.technician_id")


def round_stops(conn: psycopg.Connection[Any], round_id: UUID) -> list[StopRow]:
    """The round's meters in route order, with what was read (the caller read the round)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT s.seq, s.meter_id, m.unit_label, m.area, m.kind, m.serial, m.last_reading, "
            "s.reading_id, s.status FROM meter_round_stops s JOIN meters m USING (meter_id) "
            "WHERE s.round_id = %s ORDER BY s.seq",
            [round_id],
        )
        return fetched(cur, StopRow)


def unread(
    conn: psycopg.Connection[Any],
    estate_id: UUID,
    period: str,
    *,
    limit: int = 100,
    after: tuple[str, UUID] | None = None,
) -> list[UnreadRow]:
    """The estate's meters installed by the period's end with no recorded reading
    of the period (``waiting``: readings held or submitted, not yet confirmed),
    by unit (or area), after the cursor's (place, meter)."""
    cursor = "AND (coalesce(m.unit_label, m.area), m.meter_id) > (%s, %s) " if after else ""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT m.meter_id, coalesce(m.unit_label, m.area) AS place, m.unit_id, "
            "m.unit_label, m.area, m.kind, m.serial, m.last_reading, m.last_read_on, m.waiting "
            "FROM meters m WHERE m.estate_id = %s AND m.installed_on <= %s AND NOT EXISTS ("
            "SELECT 1 FROM meter_readings g WHERE g.meter_id = m.meter_id AND g.period = %s "
            f"AND g.status = 'recorded') {cursor}"
            "ORDER BY coalesce(m.unit_label, m.area), m.meter_id LIMIT %s",
            [estate_id, period_end(period), period, *(after or ()), limit],
        )
        return fetched(cur, UnreadRow)


def unit_meters(conn: psycopg.Connection[Any], estate_id: UUID) -> list[MeterEntry]:
    """The estate's unit meters with their unit's number and building code."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT meter_id, unit_id, unit_label, kind FROM meters "
            "WHERE estate_id = %s AND unit_id IS NOT NULL",
            [estate_id],
        )
        out = []
        for meter_id, unit_id, label, kind in cur.fetchall():
            building, _, number = (label or "").rpartition(" ")
            out.append(MeterEntry(meter_id, unit_id, number or None, building or None, kind))
        return out


def jump_rule(conn: psycopg.Connection[Any], estate_id: UUID) -> JumpRuleRow | None:
    """The estate's jump rule (decision 0064): the default until its manager
    changes it; None if there is no such estate."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT e.estate_id, coalesce(j.factor, %s) AS factor, "
            'coalesce(j.window_usages, %s) AS "window", j.changed_by, j.updated_at '
            "FROM registry_estates e LEFT JOIN meter_jump_rules j ON j.estate_id = e.estate_id "
            "WHERE e.estate_id = %s",
            [JUMP_FACTOR, AVERAGE_OVER, estate_id],
        )
        found = fetched(cur, JumpRuleRow)
    return found[0] if found else None
