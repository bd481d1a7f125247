"""Queries over the equipment read models: the equipment list, the status
board, stale records, alarms and the facility archive.

Lists take the actor's :class:`~application.actor.Reach` (rendered by
``projections/reach.py``), so they show only rows of estates the caller may
see; one record is looked up for an actor and is missing (404) to a caller
who may not see it, as a record of another estate must be. Rows come back as
the read models' typed views (``EquipmentRow``, ``AlarmRow``, ``ArchiveEntry``),
keyed by their ``COLUMNS``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypedDict, TypeVar, cast
from uuid import UUID

import psycopg

from application.actor import Actor, Reach
from application.equipment.service import NotFound
from domain.equipment.severity import SEVERITY_BY_RANK
from projections.equipment.alarms import COLUMNS as ALARM_COLUMNS
from projections.equipment.alarms import AlarmRow
from projections.equipment.archive import COLUMNS as ARCHIVE_COLUMNS
from projections.equipment.archive import ArchiveEntry
from projections.equipment.listing import COLUMNS as EQUIPMENT_COLUMNS
from projections.equipment.listing import EquipmentRow
from projections.reach import clause, page

ENTRY_COLUMNS = tuple(c for c in ARCHIVE_COLUMNS if c != "equipment_id")
# when a record was last looked after: serviced, else installed, else registered
LAST_CARE = "coalesce(last_serviced_at, installed_on::timestamptz, registered_at)"
V = TypeVar("V")


class StatusBoardRow(TypedDict):
    equipment_id: UUID
    estate_id: UUID
    kind: str
    name: str
    location: str | None
    status: str
    state: str | None
    active_conditions: list[str]
    open_alarms: int
    last_reading_at: datetime | None
    latest: dict[str, str]  # metric -> its latest value or state, as text
    connectivity: Literal["online", "offline"]
    condition: Literal["normal", "alarm"]
    worst_severity: str | None
    worst_rank: int  # 0 without open alarms: the board's order and its cursor


def _rows(
    conn: psycopg.Connection[Any],
    view: type[V],
    sql: str,
    params: list[Any],
    columns: tuple[str, ...],
) -> list[V]:
    rows = conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
    return cast(list[V], [dict(zip(columns, row, strict=True)) for row in rows])


def like(text: str) -> str:
    """An ILIKE pattern that matches ``text`` anywhere, its wildcards taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


# ---- equipment ----------------------------------------------------------------


def equipment(conn: psycopg.Connection[Any], equipment_id: UUID) -> EquipmentRow | None:
    found = _rows(
        conn,
        EquipmentRow,
        f"SELECT {', '.join(EQUIPMENT_COLUMNS)} FROM equipment_list WHERE equipment_id = %s",
        [equipment_id],
        EQUIPMENT_COLUMNS,
    )
    return found[0] if found else None


def visible_equipment(
    conn: psycopg.Connection[Any], actor: Actor, equipment_id: UUID
) -> EquipmentRow:
    """The equipment's row, if the actor may read its estate's equipment."""
    row = equipment(conn, equipment_id)
    if row is None:
        raise NotFound("no such equipment")
    actor.check("equipment:read", None, row["estate_id"])
    return row


def search_equipment(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    estate_id: UUID | None,
    kind: str | None,
    status: str | None,
    installed_before: date | None,
    installed_after: date | None,
    min_age_years: float | None,
    today: date,
    min_repairs: int | None,
    max_repairs: int | None,
    text: str | None,
    after_key: tuple[str, UUID] | None,
    limit: int,
) -> list[EquipmentRow]:
    """By name, then ID; ``after_key`` (name, equipment ID) continues a page.
    ``min_age_years`` counts from ``today`` (the installation date decides)."""
    if min_age_years is not None:
        cutoff = today - timedelta(days=round(min_age_years * 365.25))
        installed_before = min(installed_before or cutoff, cutoff)
    filters: list[tuple[str, list[Any]]] = []
    for column, op, value in (
        ("estate_id", "=", estate_id),
        ("kind", "=", kind),
        ("status", "=", status),
        ("installed_on", "<=", installed_before),
        ("installed_on", ">=", installed_after),
        ("repair_count", ">=", min_repairs),
        ("repair_count", "<=", max_repairs),
    ):
        if value is not None:
            filters.append((f"{column} {op} %s", [value]))
    if text:
        filters.append(("(name ILIKE %s OR model ILIKE %s OR location ILIKE %s)", [like(text)] * 3))
    if after_key:
        filters.append(("(name, equipment_id) > (%s, %s)", list(after_key)))
    # A page of several estates is a page of each, merged (projections/reach.py: page).
    query = page(
        reach,
        f"SELECT {', '.join(EQUIPMENT_COLUMNS)} FROM equipment_list e",
        filters,
        alias="e",
        order=("name", "equipment_id"),
        limit=limit,
        estate_id=estate_id,
    )
    return [] if query is None else _rows(conn, EquipmentRow, *query, EQUIPMENT_COLUMNS)


def stale_equipment(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    cared_for_before: datetime,
    estate_id: UUID | None,
    after_id: UUID | None = None,
    limit: int,
) -> list[EquipmentRow]:
    """Equipment in use not serviced (nor installed, nor registered) since the
    given moment, longest neglected first (then name, ID), after the
    equipment ``after_id``."""
    where, params = clause(reach, "estate_id")
    clauses = [where, "status <> 'decommissioned'", f"{LAST_CARE} < %s"]
    params.append(cared_for_before)
    if estate_id:
        clauses.append("estate_id = %s")
        params.append(estate_id)
    if after_id is not None:
        clauses.append(
            f"({LAST_CARE}, name, equipment_id) > (SELECT {LAST_CARE}, name, equipment_id "
            "FROM equipment_list WHERE equipment_id = %s)"
        )
        params.append(after_id)
    sql = (
        f"SELECT {', '.join(EQUIPMENT_COLUMNS)} FROM equipment_list "
        f"WHERE {' AND '.join(clauses)} ORDER BY {LAST_CARE}, name, equipment_id LIMIT %s"
    )
    return _rows(conn, EquipmentRow, sql, [*params, limit], EQUIPMENT_COLUMNS)


BOARD_COLUMNS = (
    "equipment_id",
    "estate_id",
    "kind",
    "name",
    "location",
    "status",
    "state",
    "active_conditions",
    "open_alarms",
    "worst_rank",
    "last_reading_at",
    "latest",
)


def _board_row(row: dict[str, Any], offline_before: datetime) -> StatusBoardRow:
    """A device is offline when it says so or has sent nothing since ``offline_before``;
    in alarm while any of its alarms is open."""
    last_at = row["last_reading_at"]
    offline = row["state"] == "offline" or last_at is None or last_at < offline_before
    rank = row["worst_rank"]
    return {
        "equipment_id": row["equipment_id"],
        "estate_id": row["estate_id"],
        "kind": row["kind"],
        "name": row["name"],
        "location": row["location"],
        "status": row["status"],
        "state": row["state"],
        "active_conditions": list(row["active_conditions"] or []),
        "open_alarms": row["open_alarms"],
        "last_reading_at": last_at,
        "latest": row["latest"] or {},
        "connectivity": "offline" if offline else "online",
        "condition": "alarm" if row["open_alarms"] else "normal",
        "worst_severity": SEVERITY_BY_RANK.get(rank) if rank else None,
        "worst_rank": rank or 0,
    }


# The live board's last readings: the telemetry ingest's table (decision 0007).
LIVE_READINGS = (
    "SELECT max(at) AS last_at, jsonb_object_agg(metric, coalesce(value::text, state)) AS latest "
    "FROM equipment_latest_readings WHERE equipment_id = e.equipment_id"
)


def board(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    estate_id: UUID | None,
    kind: str | None,
    offline_before: datetime,
    after_key: tuple[int, str, UUID] | None = None,
    limit: int,
    readings: str = LIVE_READINGS,
) -> list[StatusBoardRow]:
    """Every device in service with its open alarms (count, worst severity) and
    its latest reading per metric, online or offline; worst first (then name,
    ID), after the key ``after_key`` (worst rank, name, ID). The devices in
    service, not their history: the board reads every one of the reach. ``readings``
    (a device's last_at, latest): the live ones, or board_past.py's kept ones."""
    where, params = clause(reach, "e.estate_id")
    clauses = [where, "e.status <> 'decommissioned'"]
    if estate_id:
        clauses.append("e.estate_id = %s")
        params.append(estate_id)
    if kind:
        clauses.append("e.kind = %s")
        params.append(kind)
    if after_key is not None:
        # -rank ascending is rank descending: one row comparison for the order
        clauses.append("(-coalesce(a.worst, 0), e.name, e.equipment_id) > (-%s, %s, %s)")
        params += after_key
    sql = (
        "SELECT e.equipment_id, e.estate_id, e.kind, e.name, e.location, e.status, e.state, "
        "e.active_conditions, coalesce(a.open, 0), a.worst, r.last_at, r.latest "
        "FROM equipment_list e "
        "LEFT JOIN LATERAL (SELECT count(*) AS open, max(severity_rank) AS worst "
        "  FROM equipment_alarms WHERE equipment_id = e.equipment_id AND status <> 'cleared') a "
        "  ON true "
        f"LEFT JOIN LATERAL ({readings}) r ON true "
        f"WHERE {' AND '.join(clauses)} "
        "ORDER BY -coalesce(a.worst, 0), e.name, e.equipment_id LIMIT %s"
    )
    rows = _rows(conn, dict[str, Any], sql, [*params, limit], BOARD_COLUMNS)
    return [_board_row(r, offline_before) for r in rows]


def archive(
    conn: psycopg.Connection[Any],
    equipment_id: UUID,
    *,
    category: str | None,
    since: datetime | None,
    until: datetime | None,
    after_position: int | None,
    limit: int,
) -> list[ArchiveEntry]:
    """The equipment's archive entries in log order (ask for the equipment first:
    its estate decides who may read them)."""
    clauses = ["equipment_id = %s"]
    params: list[Any] = [equipment_id]
    for condition, value in (
        ("category = %s", category),
        ("at >= %s", since),
        ("at < %s", until),
        ("position > %s", after_position),
    ):
        if value is not None:
            clauses.append(condition)
            params.append(value)
    sql = (
        f"SELECT {', '.join(ENTRY_COLUMNS)} FROM equipment_archive "
        f"WHERE {' AND '.join(clauses)} ORDER BY position LIMIT %s"
    )
    return _rows(conn, ArchiveEntry, sql, [*params, limit], ENTRY_COLUMNS)


# ---- alarms -------------------------------------------------------------------


def visible_alarm(conn: psycopg.Connection[Any], actor: Actor, alarm_id: UUID) -> AlarmRow:
    """The alarm's row, if the actor may read its estate's alarms."""
    found = _rows(
        conn,
        AlarmRow,
        f"SELECT {', '.join(ALARM_COLUMNS)} FROM equipment_alarms WHERE alarm_id = %s",
        [alarm_id],
        ALARM_COLUMNS,
    )
    if not found:
        raise NotFound("no such alarm")
    actor.check("alarms:read", None, found[0]["estate_id"])
    return found[0]


def search_alarms(
    conn: psycopg.Connection[Any],
    reach: Reach,
    *,
    status: str | None,
    severity: str | None,
    estate_id: UUID | None,
    equipment_id: UUID | None,
    code: str | None,
    since: datetime | None,
    before_key: tuple[datetime, UUID] | None,
    limit: int,
) -> list[AlarmRow]:
    """Newest first; ``status="open"`` is every uncleared alarm; ``before_key``
    (raised at, alarm ID) continues a page. A page of several estates is a
    page of each, merged (``projections/reach.py: page``)."""
    filters: list[tuple[str, list[Any]]] = []
    if status == "open":
        filters.append(("status <> 'cleared'", []))
    elif status:
        filters.append(("status = %s", [status]))
    for column, value in (
        ("severity", severity),
        ("estate_id", estate_id),
        ("equipment_id", equipment_id),
        ("code", code),
    ):
        if value is not None:
            filters.append((f"{column} = %s", [value]))
    if since:
        filters.append(("raised_at >= %s", [since]))
    if before_key:
        filters.append(("(raised_at, alarm_id) < (%s, %s)", list(before_key)))
    query = page(
        reach,
        f"SELECT {', '.join(ALARM_COLUMNS)} FROM equipment_alarms a",
        filters,
        alias="a",
        order=("raised_at DESC", "alarm_id DESC"),
        limit=limit,
        estate_id=estate_id,
    )
    return [] if query is None else _rows(conn, AlarmRow, *query, ALARM_COLUMNS)


class DueWork:
    """The equipment jobs' candidates (``application/equipment/ports.py``)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def alarms_to_escalate(self, now: datetime) -> list[UUID]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT alarm_id FROM equipment_alarms WHERE status IN ('raised', 'escalated') "
                "AND next_escalation_at <= %s ORDER BY next_escalation_at LIMIT 1000",
                [now],
            ).fetchall()
        return [alarm_id for (alarm_id,) in rows]

    def stale_records(self, cared_for_before: datetime) -> list[tuple[UUID, datetime | None]]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT equipment_id, last_serviced_at FROM equipment_list "
                f"WHERE status <> 'decommissioned' AND {LAST_CARE} < %s LIMIT 1000",
                [cared_for_before],
            ).fetchall()
        return [(equipment_id, serviced) for equipment_id, serviced in rows]


def latest_readings(
    conn: psycopg.Connection[Any], estate_id: UUID
) -> list[tuple[UUID, str, Decimal | None, str | None, datetime]]:
    """The newest reading per metric of every device of the estate that is not
    decommissioned: (equipment, metric, value, state, at)."""
    rows = conn.execute(
        "SELECT r.equipment_id, r.metric, r.value, r.state, r.at "
        "FROM equipment_list e JOIN equipment_latest_readings r USING (equipment_id) "
        "WHERE e.estate_id = %s AND e.status <> 'decommissioned' "
        "ORDER BY r.equipment_id, r.metric",
        [estate_id],
    ).fetchall()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
