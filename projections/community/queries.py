"""Queries of the ``community`` read model (``board.py`` keeps its tables).

Each takes a connection and the actor's reach where rows are scoped, so a
list and a single record admit exactly the same rows: one the caller may
not see is simply absent (the route answers 404).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from projections.reach import Reaching, clause

Row = dict[str, Any]


def _rows(conn: psycopg.Connection[Any], sql: str, params: list[Any]) -> list[Row]:
    cur = conn.execute(sql, params)  # type: ignore[arg-type]
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _filtered(
    table: str, where: str, params: list[Any], filters: dict[str, Any]
) -> tuple[str, list[Any]]:
    """``SELECT *`` of ``table`` under ``where`` and each filter that is set."""
    sql = f"SELECT * FROM {table} WHERE {where}"
    for column, value in filters.items():
        if value is not None:
            sql += f" AND {column} = %s"
            params.append(value)
    return sql, params


#: Per table of records an actor may own: its key, its owner column, its newest-first order.
RECORDS = {
    "community_service_requests": ("request_id", ("requested_by",), "submitted_at"),
    "community_complaints": ("complaint_id", ("complainant_id",), "received_at"),
    "community_announcements": ("announcement_id", (), "updated_at"),
}


def _listed(
    conn: psycopg.Connection[Any],
    table: str,
    reach: Reaching,
    status: str | None,
    estate_id: UUID | None,
    limit: int,
) -> list[Row]:
    _, owners, newest = RECORDS[table]
    where, params = clause(reach, "estate_id", owners)
    sql, params = _filtered(table, where, params, {"status": status, "estate_id": estate_id})
    return _rows(conn, sql + f" ORDER BY {newest} DESC LIMIT %s", [*params, limit])


def _one(conn: psycopg.Connection[Any], table: str, reach: Reaching, key: UUID) -> Row | None:
    column, owners, _ = RECORDS[table]
    where, params = clause(reach, "estate_id", owners)
    found = _rows(conn, f"SELECT * FROM {table} WHERE {column} = %s AND {where}", [key, *params])
    return found[0] if found else None


def service_requests(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    status: str | None = None,
    estate_id: UUID | None = None,
    limit: int = 100,
) -> list[Row]:
    """Requests of the reach's estates or the actor's own, newest first."""
    return _listed(conn, "community_service_requests", reach, status, estate_id, limit)


def service_request(conn: psycopg.Connection[Any], reach: Reaching, request_id: UUID) -> Row | None:
    return _one(conn, "community_service_requests", reach, request_id)


def complaints(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    status: str | None = None,
    estate_id: UUID | None = None,
    limit: int = 100,
) -> list[Row]:
    """Complaints of the reach's estates or the actor's own, newest first."""
    return _listed(conn, "community_complaints", reach, status, estate_id, limit)


def complaint(conn: psycopg.Connection[Any], reach: Reaching, complaint_id: UUID) -> Row | None:
    return _one(conn, "community_complaints", reach, complaint_id)


def surveys_of(
    conn: psycopg.Connection[Any], respondent_id: UUID, *, status: str | None, limit: int
) -> list[Row]:
    """The respondent's own surveys, pending and answered, newest first."""
    sql, params = _filtered(
        "community_surveys", "respondent_id = %s", [respondent_id], {"status": status}
    )
    return _rows(conn, sql + " ORDER BY offered_at DESC LIMIT %s", [*params, limit])


def survey_results(
    conn: psycopg.Connection[Any], reach: Reaching, estate_id: UUID | None = None
) -> list[Row]:
    """Per estate and subject kind: surveys offered, answered, and the mean overall score."""
    where, params = clause(reach, "estate_id")
    sql = (
        "SELECT estate_id, subject_kind, count(*) AS offered, "
        "count(*) FILTER (WHERE status = 'answered') AS answered, "
        "round(avg(overall), 2) AS mean_overall "
        f"FROM community_surveys WHERE {where}"
    )
    if estate_id is not None:
        sql += " AND estate_id = %s"
        params.append(estate_id)
    return _rows(conn, sql + " GROUP BY estate_id, subject_kind ORDER BY 1, 2", params)


def announcements(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    status: str | None = None,
    estate_id: UUID | None = None,
    limit: int = 100,
) -> list[Row]:
    """Every announcement of the reach's estates, drafts included, latest change first."""
    return _listed(conn, "community_announcements", reach, status, estate_id, limit)


def board(
    conn: psycopg.Connection[Any],
    estates: frozenset[UUID] | None,
    *,
    estate_id: UUID | None = None,
    limit: int = 100,
) -> list[Row]:
    """Published announcements of these estates (None: of every estate), newest first."""
    sql = "SELECT * FROM community_announcements WHERE status = 'published'"
    params: list[Any] = []
    if estates is not None:
        sql += " AND estate_id = ANY(%s)"
        params.append(list(estates))
    if estate_id is not None:
        sql += " AND estate_id = %s"
        params.append(estate_id)
    return _rows(conn, sql + " ORDER BY published_at DESC LIMIT %s", [*params, limit])
