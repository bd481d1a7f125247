"""A page of work orders over the reach, merged from one page an estate and
one a requester and a technician, is the page the OR of them gave; and the
cursor (submitted at, order) loses no order that shares its instant.

``old_orders`` is ``queries.orders`` as it was before ``page`` (``estate =
ANY(...) OR requested_by = me OR assignee_id = me``), with the cursor's
tie-break it gained. Hypothesis draws small stores (orders in a few estates,
requested and assigned by a few users, many at the same instant), a reach
and filters, and walks every page of both on real PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from application.actor import Reach
from projections.reach import clause
from projections.workorders import queries
from projections.workorders.readmodel import DDL
from tests.integration.plans.harness import reaches as harness_reaches
from tests.integration.plans.harness import schema_of

SCHEMA = "workorder_pages"
ESTATES = [UUID(int=n) for n in range(1, 5)]
USERS = [UUID(int=1000 + n) for n in range(3)]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def old_orders(conn: Any, reach: Reach, f: dict[str, Any], limit: int, cursor: Any) -> list[Any]:
    """``queries.orders`` before paging by scope, with the cursor's tie-break."""
    where, params = clause(reach, "estate_id", queries.OWNER_COLUMNS, estate_id=f["estate_id"])
    sql = f"SELECT {queries.ORDER_COLUMNS} FROM workorders o WHERE {where}"
    for column in ("estate_id", "status"):
        if f[column] is not None:
            sql += f" AND {column} = %s"
            params.append(f[column])
    if f["mine"] is not None:
        sql += " AND (requested_by = %s OR assignee_id = %s)"
        params += [f["mine"], f["mine"]]
    if cursor is not None:
        sql += " AND (submitted_at, order_id) < (%s, %s)"
        params += list(cursor)
    sql += " ORDER BY submitted_at DESC, order_id DESC LIMIT %s"
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, [*params, limit]).fetchall()  # type: ignore[no-any-return]


def new_orders(conn: Any, reach: Reach, f: dict[str, Any], limit: int, cursor: Any) -> list[Any]:
    before, before_order = cursor if cursor is not None else (None, None)
    return queries.orders(conn, reach, dict(f), limit, before, before_order)  # type: ignore[return-value]


def walk(query: Any, conn: Any, reach: Reach, f: dict[str, Any], limit: int) -> list[Any]:
    """Every page, each after the last row of the one before."""
    rows: list[Any] = []
    cursor = None
    while True:
        page = query(conn, reach, f, limit, cursor)
        rows.append([r["order_id"] for r in page])
        if len(page) < limit:
            return rows
        cursor = (page[-1]["submitted_at"], page[-1]["order_id"])


def insert(conn: Any, orders: list[tuple[int, int | None, int | None, int, str]]) -> None:
    conn.execute("TRUNCATE workorders")
    for n, (estate, requester, assignee, minute, status) in enumerate(orders):
        conn.execute(
            "INSERT INTO workorders (order_id, estate_id, title, description, source, status, "
            "requested_by, assignee_id, submitted_at, updated_at, version) "
            "VALUES (%s, %s, 't', 'd', 'staff', %s, %s, %s, %s, %s, 1)",
            [
                UUID(int=10_000 + n * 7919 % 1000),
                ESTATES[estate],
                status,
                None if requester is None else USERS[requester],
                None if assignee is None else USERS[assignee],
                T0 + timedelta(minutes=minute),
                T0,
            ],
        )


@pytest.fixture(scope="module")
def store(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    with schema_of(service_urls[0], SCHEMA, DDL) as conn:
        yield conn


users = st.none() | st.integers(0, len(USERS) - 1)
stores = st.lists(
    st.tuples(
        st.integers(0, len(ESTATES) - 1),
        users,
        users,
        st.integers(0, 3),  # few instants: many orders share one
        st.sampled_from(["submitted", "assigned", "closed"]),
    ),
    max_size=25,
)
reaches = harness_reaches(ESTATES, USERS)
filters = st.fixed_dictionaries(
    {
        "estate_id": st.none() | st.sampled_from(ESTATES),
        "status": st.none() | st.just("assigned"),
        "mine": st.none() | st.sampled_from(USERS),
    }
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=stores, reach=reaches, f=filters, limit=st.integers(1, 4))
# An order its requester also works on, outside the reach's estates: one row, not two.
@example(
    data=[(0, 1, 1, 0, "submitted"), (1, 1, 1, 0, "assigned")],
    reach=Reach(everything=False, estates=frozenset({ESTATES[1]}), own=True, user_id=USERS[1]),
    f=dict.fromkeys(("estate_id", "status", "mine")),
    limit=3,
)
def test_a_page_of_orders_merged_by_scope_is_the_page_of_the_or(
    store: psycopg.Connection[Any],
    data: list[tuple[int, int | None, int | None, int, str]],
    reach: Reach,
    f: dict[str, Any],
    limit: int,
) -> None:
    insert(store, data)
    assert walk(new_orders, store, reach, f, limit) == walk(old_orders, store, reach, f, limit)


def test_orders_submitted_at_one_instant_are_each_seen_once_a_page_of_one(
    store: psycopg.Connection[Any],
) -> None:
    insert(store, [(0, None, None, 0, "submitted")] * 3)
    reach = Reach(everything=False, estates=frozenset({ESTATES[0]}), own=False, user_id=USERS[0])
    pages = walk(new_orders, store, reach, dict.fromkeys(("estate_id", "status", "mine")), 1)
    seen = [order for page in pages for order in page]
    assert len(seen) == 3
    assert set(seen) == {UUID(int=10_000 + n * 7919 % 1000) for n in range(3)}
