"""Alarms, equipment, expense claims and compliance reviews over a reach of
several estates, merged from a page an estate, are the pages the ``estate =
ANY(...)`` query gave: the same rows in the same order, so the same cursors
(seeded random estates on PostgreSQL, times and names repeated so that the
tie-breaking IDs decide)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from application.actor import Reach
from projections.equipment import queries
from projections.equipment.alarms import COLUMNS as ALARM_COLUMNS
from projections.equipment.alarms import AlarmBoard
from projections.equipment.listing import COLUMNS as EQUIPMENT_COLUMNS
from projections.equipment.listing import EquipmentList
from projections.finance import compliance, expenses
from projections.reach import clause
from tests.integration.plans.harness import schema_of

SCHEMA = "estate_pages"
ESTATES = [UUID(int=n) for n in range(1, 5)]
AT = datetime(2026, 1, 1, tzinfo=UTC)


def old_alarms(
    conn: Any, reach: Reach, estate_id: UUID | None, status: str | None, before_key: Any, limit: int
) -> list[tuple[Any, ...]]:
    """``queries.search_alarms`` before paging by estate (its filters in use here)."""
    where, params = clause(reach, "estate_id")
    clauses = [where]
    if status == "open":
        clauses.append("status <> 'cleared'")
    if estate_id is not None:
        clauses.append("estate_id = %s")
        params.append(estate_id)
    if before_key:
        clauses.append("(raised_at, alarm_id) < (%s, %s)")
        params += list(before_key)
    return conn.execute(
        f"SELECT {', '.join(ALARM_COLUMNS)} FROM equipment_alarms WHERE {' AND '.join(clauses)} "
        "ORDER BY raised_at DESC, alarm_id DESC LIMIT %s",
        [*params, limit],
    ).fetchall()


def old_equipment(
    conn: Any, reach: Reach, estate_id: UUID | None, status: str | None, after_key: Any, limit: int
) -> list[tuple[Any, ...]]:
    """``queries.search_equipment`` before paging by estate (its filters in use here)."""
    where, params = clause(reach, "estate_id")
    clauses = [where]
    for column, value in (("estate_id", estate_id), ("status", status)):
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if after_key:
        clauses.append("(name, equipment_id) > (%s, %s)")
        params += list(after_key)
    return conn.execute(
        f"SELECT {', '.join(EQUIPMENT_COLUMNS)} FROM equipment_list "
        f"WHERE {' AND '.join(clauses)} ORDER BY name, equipment_id LIMIT %s",
        [*params, limit],
    ).fetchall()


def new_alarms(
    conn: Any, reach: Reach, estate_id: UUID | None, status: str | None, before_key: Any, limit: int
) -> list[tuple[Any, ...]]:
    found = queries.search_alarms(
        conn,
        reach,
        status=status,
        severity=None,
        estate_id=estate_id,
        equipment_id=None,
        code=None,
        since=None,
        before_key=before_key,
        limit=limit,
    )
    return [tuple(r.values()) for r in found]


def new_equipment(
    conn: Any, reach: Reach, estate_id: UUID | None, status: str | None, after_key: Any, limit: int
) -> list[tuple[Any, ...]]:
    found = queries.search_equipment(
        conn,
        reach,
        estate_id=estate_id,
        kind=None,
        status=status,
        installed_before=None,
        installed_after=None,
        min_age_years=None,
        today=date(2030, 1, 1),
        min_repairs=None,
        max_repairs=None,
        text=None,
        after_key=after_key,
        limit=limit,
    )
    return [tuple(r.values()) for r in found]


def old_claims(
    conn: Any, reach: Reach, estate_id: UUID | None, status: str | None, before: Any, limit: int
) -> list[tuple[Any, ...]]:
    """``expenses.claims`` before paging by estate, with the cursor it gained."""
    where, params = clause(reach, "estate_id")
    sql = f"SELECT * FROM finance_expenses WHERE {where}"
    for column, value in (("estate_id", estate_id), ("status", status)):
        if value is not None:
            sql += f" AND {column} = %s"
            params.append(value)
    if before is not None:
        sql += (
            " AND (submitted_at, position) < (SELECT c.submitted_at, c.position "
            "FROM finance_expenses c WHERE c.claim_id = %s)"
        )
        params.append(before)
    sql += " ORDER BY submitted_at DESC, position DESC LIMIT %s"
    return conn.execute(sql, [*params, limit]).fetchall()  # type: ignore[no-any-return]


def new_claims(
    conn: Any, reach: Reach, estate_id: UUID | None, status: str | None, before: Any, limit: int
) -> list[tuple[Any, ...]]:
    found = expenses.claims(
        conn, reach, {"estate_id": estate_id, "status": status}, limit, before_claim=before
    )
    return [tuple(r.values()) for r in found]


def old_reviews(
    conn: Any, reach: Reach, estate_id: UUID | None, _: Any, before: Any, limit: int
) -> list[tuple[Any, ...]]:
    """``compliance.reviews`` before paging by estate, with the cursor it gained."""
    where, params = "true", list[Any]()
    if not reach.everything:
        where, params = "estate_id = ANY(%s)", [list(reach.estates)]
    if estate_id is not None:
        where += " AND estate_id = %s"
        params.append(estate_id)
    if before is not None:
        where += (
            " AND (run_at, position) < (SELECT c.run_at, c.position "
            "FROM finance_compliance_reviews c WHERE c.review_id = %s)"
        )
        params.append(before)
    return conn.execute(  # type: ignore[no-any-return]
        f"SELECT * FROM finance_compliance_reviews WHERE {where} "
        "ORDER BY run_at DESC, position DESC LIMIT %s",
        [*params, limit],
    ).fetchall()


def new_reviews(
    conn: Any, reach: Reach, estate_id: UUID | None, _: Any, before: Any, limit: int
) -> list[tuple[Any, ...]]:
    found = compliance.reviews(conn, reach, estate_id, limit, before_review=before)
    return [tuple(r.values()) for r in found]


@pytest.fixture(scope="module")
def conn(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    with schema_of(
        service_urls[0],
        SCHEMA,
        (
            *AlarmBoard.ddl,
            *EquipmentList.ddl,
            *expenses.ExpenseReadModel.ddl,
            *compliance.ComplianceReadModel.ddl,
        ),
    ) as conn:
        yield conn


def _fill(conn: Any, rng: random.Random) -> None:
    conn.execute(
        "TRUNCATE equipment_alarms, equipment_list, finance_expenses, finance_compliance_reviews"
    )
    for n in range(rng.randint(0, 40)):
        estate = rng.choice(ESTATES)
        conn.execute(
            "INSERT INTO equipment_alarms (alarm_id, estate_id, equipment_id, code, severity, "
            "severity_rank, message, status, raised_at, updated_at) "
            "VALUES (%s, %s, %s, 'C', 'minor', 1, 'm', %s, %s, %s)",
            [
                UUID(int=rng.getrandbits(64)),
                estate,
                UUID(int=n),
                rng.choice(["raised", "cleared"]),
                AT + timedelta(minutes=rng.randint(0, 5)),
                AT,
            ],
        )
        conn.execute(
            "INSERT INTO equipment_list (equipment_id, estate_id, kind, name, status, "
            "registered_at, updated_at, version) VALUES (%s, %s, 'pump', %s, %s, %s, %s, 1)",
            [
                UUID(int=rng.getrandbits(64)),
                estate,
                f"P{rng.randint(0, 6)}",
                rng.choice(["active", "retired"]),
                AT,
                AT,
            ],
        )
        conn.execute(
            "INSERT INTO finance_expenses (claim_id, estate_id, vendor_id, category, amount, "
            "currency, description, incurred_on, invoice_ref, submitted_by, year, status, "
            "approval_id, approval_kind, over_budget, submitted_at, updated_at, position) "
            "VALUES (%s, %s, %s, 'repairs', 1, 'CNY', 'd', %s, 'i', %s, 2026, %s, %s, 'k', "
            "false, %s, %s, %s)",
            [
                UUID(int=rng.getrandbits(64)),
                estate,
                UUID(int=1),
                AT.date(),
                UUID(int=1),
                rng.choice(["pending", "approved"]),
                UUID(int=2),
                AT + timedelta(minutes=rng.randint(0, 5)),
                AT,
                rng.randint(1, 10**6),
            ],
        )
        conn.execute(
            "INSERT INTO finance_compliance_reviews (review_id, estate_id, date_from, date_to, "
            "as_of_position, parameters, checks, passed, findings, open_findings, run_at, "
            "updated_at, position) VALUES (%s, %s, %s, %s, 1, '{}', '[]', true, 0, 0, %s, %s, %s)",
            [
                UUID(int=rng.getrandbits(64)),
                rng.choice([estate, estate, None]),  # None: a review of every estate
                AT.date(),
                AT.date(),
                AT + timedelta(minutes=rng.randint(0, 5)),
                AT,
                rng.randint(1, 10**6),
            ],
        )


def _walk(
    query: Any, conn: Any, reach: Reach, estate: Any, status: Any, limit: int, key: Any
) -> list[list[tuple[Any, ...]]]:
    pages, cursor = [], None
    while True:
        rows = query(conn, reach, estate, status, cursor, limit)
        pages.append(rows)
        if len(rows) < limit:
            return pages
        cursor = key(rows[-1])


@pytest.mark.parametrize("seed", range(40))
def test_pages_merged_by_estate_are_the_pages_of_any(conn: Any, seed: int) -> None:
    rng = random.Random(seed)
    _fill(conn, rng)
    reach = Reach(
        everything=rng.random() < 0.2,
        estates=frozenset(rng.sample(ESTATES, rng.randint(0, 3))),
        own=rng.random() < 0.5,
        user_id=UUID(int=99),
    )
    estate = rng.choice([None, None, *ESTATES])
    limit = rng.randint(1, 6)
    alarm_key = lambda row: (row[ALARM_COLUMNS.index("raised_at")], row[0])  # noqa: E731
    status = rng.choice([None, "open"])
    assert _walk(new_alarms, conn, reach, estate, status, limit, alarm_key) == _walk(
        old_alarms, conn, reach, estate, status, limit, alarm_key
    )
    name_key = lambda row: (row[EQUIPMENT_COLUMNS.index("name")], row[0])  # noqa: E731
    kept = rng.choice([None, "active"])
    assert _walk(new_equipment, conn, reach, estate, kept, limit, name_key) == _walk(
        old_equipment, conn, reach, estate, kept, limit, name_key
    )
    claimed = rng.choice([None, "approved"])
    claim_key = lambda row: row[0]  # noqa: E731
    assert _walk(new_claims, conn, reach, estate, claimed, limit, claim_key) == _walk(
        old_claims, conn, reach, estate, claimed, limit, claim_key
    )
    assert _walk(new_reviews, conn, reach, estate, None, limit, claim_key) == _walk(
        old_reviews, conn, reach, estate, None, limit, claim_key
    )
