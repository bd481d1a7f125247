"""An estate's bank lines walked page by page by the ``after_line`` cursor are
its whole statement, in statement order (day, time, import, row), each line
once, however the pages fall on lines of the same day and time."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from application.actor import Reach
from projections.finance import bank
from tests.integration.plans.harness import schema_of

SCHEMA = "bank_line_pages"
ESTATE, OTHER = UUID(int=1), UUID(int=2)
STAFF = Reach(everything=False, estates=frozenset({ESTATE}), own=False, user_id=UUID(int=9))


@pytest.fixture(scope="module")
def conn(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    with schema_of(service_urls[0], SCHEMA, bank.DDL) as conn:
        yield conn


def _import(conn: Any, rng: random.Random) -> list[tuple[Any, ...]]:
    """Lines of a few imports over a few days, many on the same day and time,
    a few of another estate; the estate's lines' keys in statement order."""
    conn.execute("TRUNCATE finance_bank_lines")
    keys = []
    for n in range(rng.randint(0, 40)):
        estate = ESTATE if rng.random() < 0.8 else OTHER
        key = (
            date(2024, 1, 1) + timedelta(days=rng.randint(0, 2)),
            rng.choice(["09:00", "10:30"]),
            rng.randint(1, 3),  # the import's position
            n,  # its row in the file
            UUID(int=100 + n),
        )
        conn.execute(
            "INSERT INTO finance_bank_lines (line_id, estate_id, account, serial, value_date, "
            "time, debit, credit, balance, currency, counterparty, counterparty_account, memo, "
            "layout, row_number, import_id, imported_by, imported_at, position) VALUES "
            "(%s, %s, 'A', %s, %s, %s, 0, 1, 1, 'CNY', 'c', 'ca', 'm', 'icbc', %s, %s, %s, "
            "now(), %s)",
            [key[4], estate, str(n), key[0], key[1], n, UUID(int=key[2]), UUID(int=9), key[2]],
        )
        if estate == ESTATE:
            keys.append(key)
    return sorted(keys)


@pytest.mark.parametrize("seed", range(20))
def test_the_pages_of_a_statement_are_the_statement(conn: Any, seed: int) -> None:
    rng = random.Random(seed)
    statement = [key[4] for key in _import(conn, rng)]
    limit = rng.randint(1, 5)
    walked: list[UUID] = []
    after: UUID | None = None
    while True:
        found = bank.lines(conn, STAFF, ESTATE, after_line=after, limit=limit)
        assert found is not None and len(found) <= limit
        walked += [line["line_id"] for line in found]
        if len(found) < limit:
            break
        after = found[-1]["line_id"]
    assert walked == statement
    # What is no line of this estate is no cursor here: nothing comes after it.
    others = conn.execute(
        "SELECT line_id FROM finance_bank_lines WHERE estate_id = %s", [OTHER]
    ).fetchall()
    for cursor in [UUID(int=10**6), *(row[0] for row in others)]:
        assert bank.lines(conn, STAFF, ESTATE, after_line=cursor, limit=limit) == []
