"""Incidents (projection ``incidents``): each fingerprint's current episode,
its handling, and the lists operators filter by level and status (R6.2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification

from application.errors import NotFound
from domain.operations.incidents import Level
from projections.events import as_uuid, kind_of


class IncidentRow(TypedDict):
    """A row of ``incidents``, as the queries return it (its ``COLUMNS``)."""

    incident_id: UUID
    level: int
    level_name: str
    source: str
    kind: str
    place: str
    summary: str
    status: str
    episode: int
    occurrences: int
    total_occurrences: int
    first_seen: datetime
    last_seen: datetime
    acknowledged_by: UUID | None
    acknowledged_at: datetime | None
    resolved_by: UUID | None
    resolved_at: datetime | None
    cause: str | None
    action: str | None


COLUMNS = tuple(IncidentRow.__annotations__)


class Incidents:
    name = "incidents"
    aggregates = frozenset({"Incident"})
    tables = ("incidents",)
    ddl = (
        """CREATE TABLE IF NOT EXISTS incidents (
            incident_id uuid PRIMARY KEY,
            level smallint NOT NULL,
            level_name text NOT NULL,
            source text NOT NULL,
            kind text NOT NULL,
            place text NOT NULL,
            summary text NOT NULL,
            status text NOT NULL,
            episode integer NOT NULL,
            occurrences bigint NOT NULL,
            total_occurrences bigint NOT NULL,
            first_seen timestamptz NOT NULL,
            last_seen timestamptz NOT NULL,
            acknowledged_by uuid,
            acknowledged_at timestamptz,
            resolved_by uuid,
            resolved_at timestamptz,
            cause text,
            action text
        )""",
        # A page of the list, most recently seen first (keyset: last seen, ID).
        "CREATE INDEX IF NOT EXISTS incidents_seen ON incidents (last_seen, incident_id)",
        "CREATE INDEX IF NOT EXISTS incidents_open ON incidents (status, level, last_seen)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        aggregate, name = kind_of(event)
        if aggregate != "Incident":
            return
        iid = as_uuid(note.originator_id)
        if name == "Recorded":
            cur.execute(
                "INSERT INTO incidents (incident_id, level, level_name, source, kind, place, "
                "summary, status, episode, occurrences, total_occurrences, first_seen, last_seen) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,'recorded',1,%s,%s,%s,%s)",
                [
                    iid,
                    event.level,
                    Level(event.level).label,
                    event.source,
                    event.kind,
                    event.where,
                    event.summary,
                    event.count,
                    event.count,
                    event.first_seen,
                    event.last_seen,
                ],
            )
        elif name == "Recurred":
            cur.execute(
                "UPDATE incidents SET summary = %s, last_seen = GREATEST(last_seen, %s), "
                "occurrences = occurrences + %s, total_occurrences = total_occurrences + %s "
                "WHERE incident_id = %s",
                [event.summary, event.last_seen, event.count, event.count, iid],
            )
        elif name == "Reopened":
            cur.execute(
                "UPDATE incidents SET summary = %s, status = 'recorded', episode = episode + 1, "
                "first_seen = %s, last_seen = %s, occurrences = %s, "
                "total_occurrences = total_occurrences + %s, acknowledged_by = NULL, "
                "acknowledged_at = NULL, resolved_by = NULL, resolved_at = NULL, cause = NULL, "
                "action = NULL WHERE incident_id = %s",
                [event.summary, event.first_seen, event.last_seen, event.count, event.count, iid],
            )
        elif name == "Acknowledged":
            cur.execute(
                "UPDATE incidents SET status = 'acknowledged', acknowledged_by = %s, "
                "acknowledged_at = %s WHERE incident_id = %s",
                [event.by, event.at, iid],
            )
        elif name == "Resolved":
            cur.execute(
                "UPDATE incidents SET status = 'resolved', resolved_by = %s, resolved_at = %s, "
                "cause = %s, action = %s WHERE incident_id = %s",
                [event.by, event.at, event.cause, event.action, iid],
            )


def _rows(conn: psycopg.Connection[Any], sql: str, params: list[Any]) -> list[IncidentRow]:
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM incidents {sql}", params).fetchall()  # type: ignore[arg-type]
    return cast(list[IncidentRow], [dict(zip(COLUMNS, row, strict=True)) for row in rows])


def incident(conn: psycopg.Connection[Any], incident_id: UUID) -> IncidentRow:
    found = _rows(conn, "WHERE incident_id = %s", [incident_id])
    if not found:
        raise NotFound("no such incident")
    return found[0]


def search_incidents(
    conn: psycopg.Connection[Any],
    *,
    status: str | None,
    level: int | None,
    before_key: tuple[datetime, UUID] | None,
    limit: int,
) -> list[IncidentRow]:
    """Most recently seen first; ``status="open"`` is every unresolved one;
    ``before_key`` (last seen, incident ID) continues a page."""
    where: list[str] = []
    params: list[Any] = []
    if status == "open":
        where.append("status <> 'resolved'")
    elif status:
        where.append("status = %s")
        params.append(status)
    if level is not None:
        where.append("level = %s")
        params.append(level)
    if before_key:
        where.append("(last_seen, incident_id) < (%s, %s)")
        params += list(before_key)
    sql = f"WHERE {' AND '.join(where)} " if where else ""
    return _rows(conn, f"{sql}ORDER BY last_seen DESC, incident_id DESC LIMIT %s", [*params, limit])
