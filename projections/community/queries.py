"""Queries of the ``community`` read model (``board.py`` keeps its tables).

Each takes a connection and the actor's reach where rows are scoped, so a
list and a single record admit exactly the same rows: one the caller may
not see is simply absent (the route answers 404). Rows come back as the
typed view of their table (``ServiceRequestRow`` ...): the columns of
``board.py``'s tables, with their types.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict, TypeVar, cast
from uuid import UUID

import psycopg

from projections import numbers
from projections.reach import Reaching, clause, page

V = TypeVar("V")


class ServiceRequestRow(TypedDict):
    request_id: UUID
    estate_id: UUID
    unit_id: UUID | None
    category: str
    description: str
    urgency: str
    status: str
    requested_by: UUID
    approval_id: UUID | None
    assignee_id: UUID | None
    scheduled_for: datetime | None
    note: str | None
    submitted_at: datetime
    updated_at: datetime
    position: int
    number: str | None  # HVG-SR-2026-000123 (decision 0050)


class ComplaintRow(TypedDict):
    complaint_id: UUID
    estate_id: UUID
    unit_id: UUID | None
    subject: str
    description: str
    complainant_id: UUID
    status: str
    handler_id: UUID | None
    escalation_level: int
    response: str | None
    resolution: str | None
    note: str | None
    received_at: datetime
    updated_at: datetime
    position: int
    number: str | None  # HVG-CP-2026-000123 (decision 0050)


class SurveyRow(TypedDict):
    survey_id: UUID
    subject_kind: str
    subject_id: UUID
    estate_id: UUID
    respondent_id: UUID
    status: str
    offered_at: datetime
    answered_at: datetime | None
    overall: int | None
    scores: dict[str, int] | None
    comment: str | None
    position: int


class SurveyResultRow(TypedDict):
    estate_id: UUID
    subject_kind: str
    offered: int
    answered: int
    mean_overall: Decimal | None  # no survey answered yet


class AnnouncementRow(TypedDict):
    announcement_id: UUID
    estate_id: UUID
    title: str
    body: str
    status: str
    drafted_by: UUID
    approval_id: UUID | None
    published_at: datetime | None
    updated_at: datetime
    position: int


def _rows(conn: psycopg.Connection[Any], view: type[V], sql: str, params: list[Any]) -> list[V]:
    cur = conn.execute(sql, params)  # type: ignore[arg-type]
    names = [d.name for d in cur.description or ()]
    return cast(list[V], [dict(zip(names, row, strict=True)) for row in cur.fetchall()])


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


#: Per table of records an actor may own: its key, its owner columns, and its
#: order, newest first, which no later event of a record changes (so a
#: cursor's page stays put): when it was received, or drafted (the position
#: of its first event, ``drafted_position``), then its key.
RECORDS = {
    "community_service_requests": ("request_id", ("requested_by",), "submitted_at"),
    "community_complaints": ("complaint_id", ("complainant_id",), "received_at"),
    "community_announcements": ("announcement_id", (), "drafted_position"),
}
#: The announcement columns a view shows (``drafted_position`` orders, it is not shown).
ANNOUNCEMENT_COLUMNS = (
    "announcement_id, estate_id, title, body, status, drafted_by, approval_id, "
    "published_at, updated_at, position"
)
#: The numbered tables' kind codes (decision 0050); their rows show ``number``.
NUMBERED = {"community_service_requests": "SR", "community_complaints": "CP"}
#: What a numbered table's row shows beside its columns (read as ``r``).
_SHOWN = {table: "r.*, " + numbers.said("r", code) for table, code in NUMBERED.items()}


def _listed(
    conn: psycopg.Connection[Any],
    view: type[V],
    table: str,
    reach: Reaching,
    status: str | None,
    estate_id: UUID | None,
    limit: int,
    before_id: UUID | None,
    number: str | None = None,
) -> list[V]:
    """A page of ``table`` in the reach, newest first, after the record
    ``before_id`` (none after one that is not there): a page an estate and
    an owner, merged (``projections/reach.py: page``)."""
    key, owners, newest = RECORDS[table]
    where = [
        (f"r.{column} = %s", [value])
        for column, value in (("status", status), ("estate_id", estate_id))
        if value is not None
    ]
    if number is not None:
        where.append(numbers.matching("r", NUMBERED[table], number))
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
        f"SELECT {_SHOWN.get(table, '*')} FROM {table} r",
        where,
        alias="r",
        order=(f"{newest} DESC", f"{key} DESC"),
        limit=limit,
        owner_columns=owners,
        estate_id=estate_id,
    )
    if statement is None:
        return []
    rows = _rows(conn, view, *statement)
    for row in rows:
        for hidden in ("drafted_position", "number_year", "serial"):
            cast(dict[str, Any], row).pop(hidden, None)
    return rows


def _one(
    conn: psycopg.Connection[Any], view: type[V], table: str, reach: Reaching, key: UUID
) -> V | None:
    column, owners, _ = RECORDS[table]
    where, params = clause(reach, "estate_id", owners)
    columns = ANNOUNCEMENT_COLUMNS if table == "community_announcements" else _SHOWN[table]
    sql = f"SELECT {columns} FROM {table} r WHERE r.{column} = %s AND {where}"
    found = _rows(conn, view, sql, [key, *params])
    for row in found:
        for hidden in ("number_year", "serial"):
            cast(dict[str, Any], row).pop(hidden, None)
    return found[0] if found else None


def service_requests(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    status: str | None = None,
    estate_id: UUID | None = None,
    limit: int = 100,
    before_id: UUID | None = None,
    number: str | None = None,
) -> list[ServiceRequestRow]:
    """Requests of the reach's estates or the actor's own, newest first; ``number``:
    the one so numbered (any case), if the reach holds it."""
    return _listed(
        conn,
        ServiceRequestRow,
        "community_service_requests",
        reach,
        status,
        estate_id,
        limit,
        before_id,
        number,
    )


def service_request(
    conn: psycopg.Connection[Any], reach: Reaching, request_id: UUID
) -> ServiceRequestRow | None:
    return _one(conn, ServiceRequestRow, "community_service_requests", reach, request_id)


def complaints(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    status: str | None = None,
    estate_id: UUID | None = None,
    limit: int = 100,
    before_id: UUID | None = None,
    number: str | None = None,
) -> list[ComplaintRow]:
    """Complaints of the reach's estates or the actor's own, newest first; ``number``:
    the one so numbered (any case), if the reach holds it."""
    return _listed(
        conn,
        ComplaintRow,
        "community_complaints",
        reach,
        status,
        estate_id,
        limit,
        before_id,
        number,
    )


def complaint(
    conn: psycopg.Connection[Any], reach: Reaching, complaint_id: UUID
) -> ComplaintRow | None:
    return _one(conn, ComplaintRow, "community_complaints", reach, complaint_id)


def surveys_of(
    conn: psycopg.Connection[Any],
    respondent_id: UUID,
    *,
    status: str | None,
    before_key: tuple[datetime, UUID] | None = None,
    limit: int,
) -> list[SurveyRow]:
    """The respondent's own surveys, pending and answered, newest offered
    first, after the key ``before_key`` (offered_at, survey_id)."""
    sql, params = _filtered(
        "community_surveys", "respondent_id = %s", [respondent_id], {"status": status}
    )
    if before_key is not None:
        sql += " AND (offered_at, survey_id) < (%s, %s)"
        params += before_key
    order = " ORDER BY offered_at DESC, survey_id DESC LIMIT %s"
    return _rows(conn, SurveyRow, sql + order, [*params, limit])


def survey_results(
    conn: psycopg.Connection[Any], reach: Reaching, estate_id: UUID | None = None
) -> list[SurveyResultRow]:
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
    return _rows(
        conn, SurveyResultRow, sql + " GROUP BY estate_id, subject_kind ORDER BY 1, 2", params
    )


def announcements(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    *,
    status: str | None = None,
    estate_id: UUID | None = None,
    limit: int = 100,
    before_id: UUID | None = None,
) -> list[AnnouncementRow]:
    """Every announcement of the reach's estates, drafts included, newest drafted first."""
    return _listed(
        conn, AnnouncementRow, "community_announcements", reach, status, estate_id, limit, before_id
    )


def board(
    conn: psycopg.Connection[Any],
    estates: frozenset[UUID] | None,
    *,
    estate_id: UUID | None = None,
    before_key: tuple[datetime, UUID] | None = None,
    limit: int = 100,
) -> list[AnnouncementRow]:
    """Published announcements of these estates (None: of every estate),
    newest first, after the key ``before_key`` (published_at, id)."""
    sql = f"SELECT {ANNOUNCEMENT_COLUMNS} FROM community_announcements WHERE status = 'published'"
    params: list[Any] = []
    if estate_id is None and estates is not None and len(estates) == 1:
        # one estate (most residents): its page is read off the board's index in order
        (estate_id,) = estates
    if estates is not None and (estate_id is None or estate_id not in estates):
        sql += " AND estate_id = ANY(%s)"
        params.append(list(estates))
    if estate_id is not None:
        sql += " AND estate_id = %s"
        params.append(estate_id)
    if before_key is not None:
        sql += " AND (published_at, announcement_id) < (%s, %s)"
        params += before_key
    order = " ORDER BY published_at DESC, announcement_id DESC LIMIT %s"
    return _rows(conn, AnnouncementRow, sql + order, [*params, limit])
