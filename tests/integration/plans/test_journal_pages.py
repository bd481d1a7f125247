"""The journal of some estates, merged from a page an estate, walks the same
entries in the same order as the ``estate = ANY(...)`` query it replaced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.finance.ledger import LedgerReadModel
from projections.finance.statements import books
from tests.integration.plans.harness import schema_of

SCHEMA = "journal_pages"
ESTATES = [UUID(int=n) for n in range(1, 5)]


def old_journal(conn: Any, estates: list[UUID] | None, upto: int | None, before: Any) -> Any:
    """The journal's entries before paging by estate, verbatim but for the lines."""
    where, params = "true", []
    if estates is not None:
        where, params = "e.estate_id = ANY(%s)", [estates]
    if upto is not None:
        where += " AND e.position <= %s"
        params.append(upto)
    if before is not None:
        where += " AND e.position < %s"
        params.append(before)
    rows = conn.execute(
        f"SELECT e.position FROM finance_ledger_entries e WHERE {where} "
        "ORDER BY e.position DESC LIMIT %s",
        [*params, 3],
    ).fetchall()
    return [r[0] for r in rows]


def walk(query: Any) -> list[list[int]]:
    pages, before = [], None
    while True:
        page = query(before)
        pages.append(page)
        if len(page) < 3:
            return pages
        before = page[-1]


@pytest.fixture(scope="module")
def store(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    with schema_of(service_urls[0], SCHEMA, LedgerReadModel.ddl) as conn:
        yield conn


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(st.integers(0, len(ESTATES) - 1), max_size=20),
    estates=st.none() | st.lists(st.sampled_from(ESTATES), unique=True, max_size=3),
    upto=st.none() | st.integers(1, 20),
)
def test_the_journal_merged_by_estate_is_the_journal_of_the_estates(
    store: psycopg.Connection[Any], entries: list[int], estates: Any, upto: int | None
) -> None:
    store.execute("TRUNCATE finance_ledger_entries")
    for position, estate in enumerate(entries, start=1):
        store.execute(
            "INSERT INTO finance_ledger_entries (position, estate_id, booked_on, aggregate, "
            "event, originator_id, originator_version, recorded_at, memo) "
            "VALUES (%s, %s, %s, 'a', 'e', %s, 1, %s, '')",
            [position, ESTATES[estate], date(2026, 1, 1), UUID(int=position), datetime.now(UTC)],
        )

    def new(before: int | None) -> list[int]:
        found = books.journal(store, estates, as_of_position=upto, before=before, limit=3)
        return [e["position"] for e in found["items"]]

    assert walk(new) == walk(lambda before: old_journal(store, estates, upto, before))
