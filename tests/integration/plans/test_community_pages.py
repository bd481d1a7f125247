"""Complaints, service requests and announcements page by a cursor: walking
every page shows each record of the reach once, in the order of the OR
query (``old``), merged from a page an estate and a page an owner.

Hypothesis draws small stores (records in a few estates, of a few users,
many received at one instant, announcements edited after they were drafted)
and walks every page of both on real PostgreSQL by ``before_id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.actor import Reach
from projections.community import queries
from projections.community.board import CommunityBoard
from projections.reach import clause
from tests.integration.plans.harness import reaches as harness_reaches
from tests.integration.plans.harness import schema_of

SCHEMA = "community_pages"
ESTATES = [UUID(int=n) for n in range(1, 5)]
USERS = [UUID(int=1000 + n) for n in range(3)]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LISTS = {
    "community_complaints": queries.complaints,
    "community_service_requests": queries.service_requests,
    "community_announcements": queries.announcements,
}


def old(conn: Any, table: str, reach: Reach, f: dict[str, Any], limit: int) -> list[UUID]:
    """Every record the OR of the reach admits, in the list's order."""
    key, owners, newest = queries.RECORDS[table]
    where, params = clause(reach, "estate_id", owners)
    sql = f"SELECT {key} FROM {table} WHERE {where}"
    for column in ("status", "estate_id"):
        if f[column] is not None:
            sql += f" AND {column} = %s"
            params.append(f[column])
    rows = conn.execute(sql + f" ORDER BY {newest} DESC, {key} DESC", params).fetchall()
    return [r[0] for r in rows]


def walk(conn: Any, table: str, reach: Reach, f: dict[str, Any], limit: int) -> list[UUID]:
    """Every page of the list, each after the last record of the one before."""
    key = queries.RECORDS[table][0]
    seen: list[UUID] = []
    before_id = None
    while True:
        page = LISTS[table](conn, reach, **f, limit=limit, before_id=before_id)
        seen += [r[key] for r in page]
        if len(page) < limit:
            return seen
        before_id = page[-1][key]


def insert(conn: Any, records: list[tuple[int, int, int, str]]) -> None:
    for table in LISTS:
        conn.execute(f"TRUNCATE {table}")
    for n, (estate, user, minute, status) in enumerate(records):
        record = UUID(int=10_000 + n * 7919 % 1000)
        at = T0 + timedelta(minutes=minute)
        e, u = ESTATES[estate], USERS[user]
        conn.execute(
            "INSERT INTO community_complaints (complaint_id, estate_id, subject, description, "
            "complainant_id, status, received_at, updated_at, position) "
            "VALUES (%s, %s, 's', 'd', %s, %s, %s, %s, %s)",
            [record, e, u, status, at, at, n],
        )
        conn.execute(
            "INSERT INTO community_service_requests (request_id, estate_id, category, "
            "description, urgency, status, requested_by, submitted_at, updated_at, position) "
            "VALUES (%s, %s, 'c', 'd', 'low', %s, %s, %s, %s, %s)",
            [record, e, status, u, at, at, n],
        )
        # Edited later in reverse order of drafting: updated_at and position move,
        # the list's order (drafted_position) must not.
        conn.execute(
            "INSERT INTO community_announcements (announcement_id, estate_id, title, body, "
            "status, drafted_by, updated_at, position, drafted_position) "
            "VALUES (%s, %s, 't', 'b', %s, %s, %s, %s, %s)",
            [record, e, status, u, T0 + timedelta(days=1, minutes=-n), 1000 - n, minute * 100 + n],
        )


@pytest.fixture(scope="module")
def store(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    with schema_of(service_urls[0], SCHEMA, CommunityBoard.ddl) as conn:
        yield conn


stores = st.lists(
    st.tuples(
        st.integers(0, len(ESTATES) - 1),
        st.integers(0, len(USERS) - 1),
        st.integers(0, 3),  # few instants: many records share one
        st.sampled_from(["received", "resolved"]),
    ),
    max_size=20,
)
reaches = harness_reaches(ESTATES, USERS)
filters = st.fixed_dictionaries(
    {
        "status": st.none() | st.just("received"),
        "estate_id": st.none() | st.sampled_from(ESTATES),
    }
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=stores, reach=reaches, f=filters, limit=st.integers(1, 4))
def test_every_page_walked_shows_each_record_of_the_reach_once_in_order(
    store: psycopg.Connection[Any],
    data: list[tuple[int, int, int, str]],
    reach: Reach,
    f: dict[str, Any],
    limit: int,
) -> None:
    insert(store, data)
    for table in LISTS:
        assert walk(store, table, reach, f, limit) == old(store, table, reach, f, limit), table


def test_an_announcement_edited_after_a_page_keeps_its_place(
    store: psycopg.Connection[Any],
) -> None:
    insert(store, [(0, 0, 0, "draft")] * 3)
    reach = Reach(everything=False, estates=frozenset({ESTATES[0]}), own=False, user_id=USERS[0])
    [first] = queries.announcements(store, reach, limit=1)
    store.execute(
        "UPDATE community_announcements SET updated_at = %s, position = 5000 "
        "WHERE announcement_id <> %s",
        [T0 + timedelta(days=9), first["announcement_id"]],
    )
    rest = queries.announcements(store, reach, limit=5, before_id=first["announcement_id"])
    assert len(rest) == 2
    assert first["announcement_id"] not in {r["announcement_id"] for r in rest}
    assert "drafted_position" not in first
