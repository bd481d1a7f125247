"""The to-do list reads a user's own open rows, never the list whole.

``tasks_items`` of :data:`~tests.integration.plans.harness.ROWS` rows (a
tenth of them patrol tasks, a tenth reading rounds, most items closed, some
approvals waiting for a role) and 5,000 users: each page of
``open_items`` must plan no sequential scan of a big table and no sort of
more than a user's own rows, in one statement, as it did before patrol tasks
and reading rounds joined the list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest

from projections.identity.directory import UserDirectory
from projections.tasks.todo import TodoList, open_items
from tests.integration.plans.harness import (
    ROWS,
    Recording,
    fill,
    key,
    outline,
    plan,
    scans,
    schema_of,
)

SCHEMA = "todo_plans"
KINDS = "(ARRAY['workorder','approval','patrol_task','meter_round','complaint'])[mod(g, 5) + 1]"
FILLS = {
    "tasks_items": {
        "kind": KINDS,
        "estate_id": key("g", 100),
        # One row in ten waits for a role (an approval level); the rest are someone's.
        "assignee_id": f"CASE WHEN mod(g, 10) = 3 THEN NULL ELSE {key('g', 500)} END",
        "role": "CASE WHEN mod(g, 10) = 3 THEN 'property_manager' END",
        "is_open": "mod(g, 20) < 2",
        "priority": "(ARRAY['urgent','high','normal','low'])[mod(g, 4) + 1]",
    },
    "user_directory": {
        "username": "'u' || g",
        "estates": f"ARRAY[{key('g', 100)}]",
        "roles": "ARRAY['property_manager','technician']",
    },
}
SIZES = {"user_directory": 5_000}
BIG = frozenset(FILLS)
TECHNICIAN = UUID(int=7)
LAST = UUID(int=2**127)  # some item: a later page starts after it (or after nothing)


@pytest.fixture(scope="module")
def big(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    with schema_of(service_urls[0], SCHEMA, (*TodoList.ddl, *UserDirectory.ddl)) as conn:
        for table, columns in FILLS.items():
            fill(conn, table, columns, SIZES.get(table, ROWS))
        yield conn


@pytest.mark.parametrize("after", [None, LAST], ids=["first page", "a later page"])
def test_a_page_of_the_to_do_list_is_one_statement_off_the_users_own_rows(
    big: psycopg.Connection[Any], after: UUID | None
) -> None:
    recording = Recording(big)
    open_items(recording, TECHNICIAN, after, 501)  # type: ignore[arg-type]
    [(statement, params)] = recording.statements
    root = plan(big, statement, params)
    assert not scans(root, BIG), f"{statement}\n{outline(root)}"
