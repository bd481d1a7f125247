"""A page over the reach, merged from one page a scope item, is the page the
OR of the scopes gave: the same rows in the same order, so the same cursors.

``old_bills``, ``old_payments``, ``old_invoices`` and ``old_receipts`` are
the queries as they were before ``projections/reach.py: page`` (one ``WHERE
estate = ANY(...) OR unit = ANY(<own units>) ORDER BY ... LIMIT n``), the
last two with the cursors they gained; Hypothesis draws small stores (units
of a few estates, some occupied by a few users, bills, payments, invoices and
receipts in any estate and unit), a reach and filters, and walks every page
of both on real PostgreSQL by the cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.actor import Reach
from projections.finance import invoices, receipts
from projections.finance.accounts import queries as accounts
from projections.finance.accounts.model import DDL as ACCOUNTS_DDL
from projections.reach import OCCUPIED_UNITS, clause
from projections.registry.tables import DDL as REGISTRY_DDL
from tests.integration.plans.harness import reaches as harness_reaches
from tests.integration.plans.harness import schema_of

SCHEMA = "reach_pages"
ESTATES = [UUID(int=n) for n in range(1, 5)]
UNITS = [UUID(int=100 + n) for n in range(8)]
USERS = [UUID(int=1000 + n) for n in range(3)]
OLD_OWN = (f"b.unit_id = ANY(ARRAY({OCCUPIED_UNITS}))",)
OLD_OWN_PAYMENT = (f"p.unit_id = ANY(ARRAY({OCCUPIED_UNITS}))",)


def old_bills(conn: Any, reach: Reach, **f: Any) -> list[Any]:
    """``queries.bills`` before paging by scope, verbatim."""
    where, params = clause(reach, "b.estate_id", OLD_OWN, estate_id=f["estate_id"])
    clauses = [where]
    for column, key in (
        ("b.estate_id", "estate_id"),
        ("b.unit_id", "unit_id"),
        ("b.period", "period"),
    ):
        if f[key] is not None:
            clauses.append(f"{column} = %s")
            params.append(f[key])
    if f["open_only"]:
        clauses.append("b.outstanding > 0")
    if f["before"] is not None:
        clauses.append("b.position < %s")
        params.append(f["before"])
    return conn.execute(
        f"SELECT {accounts.BILL_COLUMNS} {accounts.BILL_FROM} WHERE {' AND '.join(clauses)} "
        "ORDER BY b.position DESC, b.bill_id LIMIT %s",
        [*params, f["limit"]],
    ).fetchall()


def old_payments(conn: Any, reach: Reach, **f: Any) -> list[Any]:
    """``queries.payments`` before paging by scope, verbatim."""
    where, params = clause(reach, "p.estate_id", OLD_OWN_PAYMENT, estate_id=f["estate_id"])
    clauses = [where]
    for column, key in (("p.estate_id", "estate_id"), ("p.unit_id", "unit_id")):
        if f[key] is not None:
            clauses.append(f"{column} = %s")
            params.append(f[key])
    if f["before"] is not None:
        clauses.append("p.position < %s")
        params.append(f["before"])
    return conn.execute(
        f"SELECT {accounts.PAYMENT_COLUMNS} {accounts.PAYMENT_FROM} "
        f"WHERE {' AND '.join(clauses)} ORDER BY p.position DESC LIMIT %s",
        [*params, f["limit"]],
    ).fetchall()


def old_invoices(conn: Any, reach: Reach, **f: Any) -> list[Any]:
    """``invoices.invoices`` before paging by scope, with the cursor it gained."""
    where, params = clause(reach, "i.estate_id", invoices.OCCUPANTS)
    clauses = [where]
    for column, key in (
        ("i.estate_id", "estate_id"),
        ("i.unit_id", "unit_id"),
        ("i.status", "status"),
    ):
        if f[key] is not None:
            clauses.append(f"{column} = %s")
            params.append(f[key])
    if f["before"] is not None:
        clauses.append("i.position < %s")
        params.append(f["before"])
    return conn.execute(
        f"SELECT {invoices.COLUMNS} {invoices.FROM} WHERE {' AND '.join(clauses)} "
        "ORDER BY i.position DESC LIMIT %s",
        [*params, f["limit"]],
    ).fetchall()


def old_receipts(conn: Any, reach: Reach, **f: Any) -> list[Any]:
    """``receipts.receipts`` before paging by scope, with the cursor it gained."""
    where, params = clause(reach, "r.estate_id", receipts.OCCUPANTS)
    clauses = [where]
    for column, key in (("r.estate_id", "estate_id"), ("r.unit_id", "unit_id")):
        if f[key] is not None:
            clauses.append(f"{column} = %s")
            params.append(f[key])
    if f["year"] is not None:
        clauses.append("extract(year FROM r.issued_on) = %s")
        params.append(f["year"])
    if f["after_number"] is not None:
        clauses.append(
            "(r.estate_id, r.number) > "
            "(SELECT c.estate_id, c.number FROM finance_receipts c WHERE c.number = %s)"
        )
        params.append(f["after_number"])
    return conn.execute(
        f"SELECT {receipts.COLUMNS} {receipts.FROM} WHERE {' AND '.join(clauses)} "
        "ORDER BY r.estate_id, r.number LIMIT %s",
        [*params, f["limit"]],
    ).fetchall()


@pytest.fixture(scope="module")
def store(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    ddl = (*ACCOUNTS_DDL, *REGISTRY_DDL, *invoices.DDL, *receipts.DDL)
    with schema_of(service_urls[0], SCHEMA, ddl) as conn:
        yield conn


def _fill(conn: Any, occupants: list[list[int]], rows: list[tuple[int, int, int, bool]]) -> None:
    """Units (unit i in estate i mod 4, occupied by ``occupants[i]``), then a
    bill, a payment, an invoice and a receipt per row (estate, unit, period,
    open) at positions 1, 2 ...; receipt numbers in no order of position."""
    conn.execute(
        "TRUNCATE registry_units, finance_bills, finance_payments, finance_invoices, "
        "finance_receipts"
    )
    for i, users in enumerate(occupants):
        conn.execute(
            "INSERT INTO registry_units (unit_id, estate_id, building_id, number, floor, "
            "gross_area, internal_area, use, occupant_user_ids, created_at, updated_at, version) "
            "VALUES (%s, %s, %s, %s, 1, 1, 1, 'home', %s, now(), now(), 1)",
            [UNITS[i], ESTATES[i % 4], ESTATES[0], str(i), [USERS[u] for u in users]],
        )
    for position, (estate, unit, period, is_open) in enumerate(rows, start=1):
        conn.execute(
            "INSERT INTO finance_bills (bill_id, unit_id, estate_id, period, payer_ids, lines, "
            "currency, principal, outstanding, days, days_in_period, issued_on, due_on, position) "
            "VALUES (%s, %s, %s, %s, '{}', '[]', 'CNY', 10, %s, 30, 30, %s, %s, %s)",
            [
                UUID(int=10_000 + position),
                UNITS[unit],
                ESTATES[estate],
                f"P{period}",
                10 if is_open else 0,
                date(2024, 1, 1),
                date(2024, 2, 1),
                position,
            ],
        )
        conn.execute(
            "INSERT INTO finance_payments (payment_id, unit_id, estate_id, method, amount, "
            "currency, allocations, to_credit, booked_on, received_on, received_at, position) "
            "VALUES (%s, %s, %s, 'bank', 10, 'CNY', '[]', 0, %s, %s, now(), %s)",
            [
                UUID(int=20_000 + position),
                UNITS[unit],
                ESTATES[estate],
                date(2024, 1, 1),
                date(2024, 1, 1),
                position,
            ],
        )
        conn.execute(
            "INSERT INTO finance_invoices (invoice_id, estate_id, unit_id, kind, status, bills, "
            "payment_ids, total, net, tax, tax_rate, currency, buyer_name, requested_by, "
            "requested_at, position) VALUES (%s, %s, %s, 'normal', %s, '{}', '{}', 10, 10, 0, "
            "0, 'CNY', 'B', %s, now(), %s)",
            [
                UUID(int=30_000 + position),
                ESTATES[estate],
                UNITS[unit],
                "issued" if is_open else "pending",
                USERS[0],
                position,
            ],
        )
        conn.execute(
            "INSERT INTO finance_receipts (receipt_id, payment_id, number, serial, estate_id, "
            "unit_id, method, amount, currency, issued_on, issued_at, position) "
            "VALUES (%s, %s, %s, %s, %s, %s, 'bank', 10, 'CNY', %s, now(), %s)",
            [
                UUID(int=40_000 + position),
                UUID(int=20_000 + position),
                f"SJ-{position * 37 % 101:03d}-{position}",
                position,
                ESTATES[estate],
                UNITS[unit],
                date(2023 + period % 2, 1, 1),
                position,
            ],
        )


reaches = harness_reaches(ESTATES, USERS, everything=st.sampled_from([False, False, False, True]))
stores = st.tuples(
    st.lists(
        st.lists(st.integers(0, 2), min_size=1, max_size=2, unique=True), min_size=8, max_size=8
    ),
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 7), st.integers(0, 2), st.booleans()),
        min_size=5,
        max_size=40,
    ),
)


def _seldom(values: list[Any]) -> st.SearchStrategy[Any]:
    """None (no such filter) three times in four."""
    return st.one_of(st.none(), st.none(), st.none(), st.sampled_from(values))


filters = st.fixed_dictionaries(
    {
        "estate_id": _seldom(ESTATES),
        "unit_id": _seldom(UNITS),
        "period": _seldom(["P0", "P1"]),
        "open_only": st.sampled_from([False, False, True]),
        "limit": st.integers(1, 7),
    }
)


def _pages(
    query: Any, conn: Any, reach: Reach, f: dict[str, Any], cursor: tuple[str, int] = ("before", -1)
) -> list[list[Any]]:
    """Every page, each from the cursor the page before it ends at: the
    parameter ``cursor[0]`` takes the last row's column ``cursor[1]``."""
    pages, at = [], None
    while True:
        rows = [
            tuple(r.values()) if isinstance(r, dict) else tuple(r)
            for r in query(conn, reach, **f, **{cursor[0]: at})
        ]
        pages.append(rows)
        if len(rows) < f["limit"]:
            return pages
        at = rows[-1][cursor[1]]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=stores, reach=reaches, f=filters)
def test_a_page_merged_by_scope_is_the_page_of_the_or(
    store: psycopg.Connection[Any],
    data: tuple[list[list[int]], list[tuple[int, int, int, bool]]],
    reach: Reach,
    f: dict[str, Any],
) -> None:
    _fill(store, *data)
    # A bill's position is next to last: its number (decision 0050) comes after it.
    by_position = ("before", -2)
    assert _pages(accounts.bills, store, reach, f, by_position) == _pages(
        old_bills, store, reach, f, by_position
    )
    pay = {k: f[k] for k in ("estate_id", "unit_id", "limit")}
    assert _pages(accounts.payments, store, reach, pay) == _pages(old_payments, store, reach, pay)
    pending = {**pay, "status": "pending" if f["open_only"] else None}
    assert _pages(invoices.invoices, store, reach, pending) == _pages(
        old_invoices, store, reach, pending
    )
    book = {**pay, "year": None if f["period"] is None else 2023 + int(f["period"][1])}
    number = ("after_number", 2)  # a receipt's number
    assert _pages(receipts.receipts, store, reach, book, number) == _pages(
        old_receipts, store, reach, book, number
    )
