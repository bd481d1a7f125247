"""Approvals and units over the reach, merged from a page a scope item (an
estate; a requester and a delegate; the units one occupies), are the pages
the OR of the scopes gave: every page walked, the same rows in the same order.

``old_approvals`` and ``old_units`` are the queries as they were before
``projections/reach.py: page`` (``clause`` and one ``ORDER BY ... LIMIT``);
Hypothesis draws small stores and walks every page of both on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from application.actor import Reach
from projections.approvals import queries as approvals
from projections.approvals.workflow import ApprovalWorkflow
from projections.reach import clause
from projections.registry import views as registry
from projections.registry.tables import DDL as REGISTRY_DDL
from tests.integration.plans.harness import reaches as harness_reaches
from tests.integration.plans.harness import schema_of

SCHEMA = "owner_pages"
ESTATES = [UUID(int=n) for n in range(1, 5)]
USERS = [UUID(int=1000 + n) for n in range(3)]
BUILDINGS = [UUID(int=500 + n) for n in range(3)]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def old_approvals(conn: Any, reach: Reach, f: dict[str, Any], limit: int, before: Any) -> Any:
    """``approvals.approvals`` before paging by scope, verbatim (no decider)."""
    where, params = clause(reach, "estate_id", approvals.OWNERS, estate_id=f["estate_id"])
    for column, value in f.items():
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    if before:
        where += " AND position < %s"
        params.append(before)
    rows = conn.execute(
        f"SELECT {approvals.SHOWN} FROM approvals a WHERE {where} ORDER BY position DESC LIMIT %s",
        [*params, limit],
    ).fetchall()
    return [dict(zip(approvals.NAMES, r, strict=True)) for r in rows]


def new_approvals(conn: Any, reach: Reach, f: dict[str, Any], limit: int, before: Any) -> Any:
    return approvals.approvals(conn, reach, filters=dict(f), before=before, limit=limit)


def old_units(conn: Any, reach: Reach, f: dict[str, Any], limit: int, cursor: Any) -> Any:
    """``registry.units`` before paging by scope, verbatim."""
    where, params = clause(reach, "u.estate_id", registry.UNIT_OWNERS, estate_id=f["estate_id"])
    for condition, value in (
        ("u.estate_id = %s", f["estate_id"]),
        ("u.building_id = %s", f["building_id"]),
        (
            "(u.building_id, u.number) > "
            "(SELECT building_id, number FROM registry_units WHERE unit_id = %s)",
            cursor,
        ),
    ):
        if value is not None:
            where += f" AND {condition}"
            params.append(value)
    with conn.cursor(row_factory=dict_row) as cur:
        sql = registry.UNITS.format(where=where) + " ORDER BY u.building_id, u.number LIMIT %s"
        return cur.execute(sql, [*params, limit]).fetchall()


def new_units(conn: Any, reach: Reach, f: dict[str, Any], limit: int, cursor: Any) -> Any:
    return registry.units(conn, reach, **f, cursor=cursor, limit=limit)


def walk(query: Any, conn: Any, reach: Reach, f: dict[str, Any], limit: int, key: str) -> Any:
    """Every page, each after the last row of the one before."""
    pages: list[Any] = []
    cursor = None
    while True:
        page = query(conn, reach, f, limit, cursor)
        pages.append(page)
        if len(page) < limit:
            return pages
        cursor = page[-1][key]


@pytest.fixture(scope="module")
def store(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    with schema_of(service_urls[0], SCHEMA, (*REGISTRY_DDL, *ApprovalWorkflow.ddl)) as conn:
        yield conn


user = st.integers(0, len(USERS) - 1)
records = st.lists(
    st.tuples(
        st.integers(0, len(ESTATES) - 1),
        user,
        st.none() | user,  # a delegate; for a unit, its occupant
        st.integers(0, len(BUILDINGS) - 1),
        st.sampled_from(["pending", "approved"]),
    ),
    max_size=20,
)
reaches = harness_reaches(ESTATES, USERS)


def insert(conn: Any, data: list[tuple[int, int, int | None, int, str]]) -> None:
    conn.execute("TRUNCATE approvals, registry_units")
    for n, (estate, requester, other, building, status) in enumerate(data):
        record = UUID(int=10_000 + n * 7919 % 1000)
        conn.execute(
            "INSERT INTO approvals (approval_id, kind, subject_id, estate_id, status, levels, "
            "requested_by, delegate_id, summary, urgency, opened_at, updated_at, position) "
            "VALUES (%s, 'k', %s, %s, %s, '[]', %s, %s, 's', 'normal', %s, %s, %s)",
            [
                record,
                record,
                ESTATES[estate],
                status,
                USERS[requester],
                None if other is None else USERS[other],
                T0,
                T0,
                n * 37 % 101 + 1,
            ],
        )
        conn.execute(
            "INSERT INTO registry_units (unit_id, estate_id, building_id, number, floor, "
            "gross_area, internal_area, use, occupant_user_ids, created_at, updated_at, version) "
            "VALUES (%s, %s, %s, %s, 1, 1, 1, 'residential', %s, %s, %s, 1)",
            [
                record,
                ESTATES[estate],
                BUILDINGS[building],
                f"N{n * 7 % 20:02d}",
                [] if other is None else [USERS[other]],
                T0,
                T0,
            ],
        )


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=records,
    reach=reaches,
    estate=st.none() | st.sampled_from(ESTATES),
    building=st.none() | st.sampled_from(BUILDINGS),
    status=st.none() | st.just("pending"),
    limit=st.integers(1, 4),
)
def test_approvals_and_units_merged_by_scope_are_the_pages_of_the_or(
    store: psycopg.Connection[Any],
    data: list[tuple[int, int, int | None, int, str]],
    reach: Reach,
    estate: UUID | None,
    building: UUID | None,
    status: str | None,
    limit: int,
) -> None:
    insert(store, data)
    f = {"estate_id": estate, "status": status}
    assert walk(new_approvals, store, reach, f, limit, "position") == walk(
        old_approvals, store, reach, f, limit, "position"
    )
    u = {"estate_id": estate, "building_id": building}
    assert walk(new_units, store, reach, u, limit, "id") == walk(
        old_units, store, reach, u, limit, "id"
    )
