"""docs/security.md shows what each role may do exactly as the policy grants it."""

from __future__ import annotations

from pathlib import Path

from domain.identity.policy import ROLE_PERMISSIONS, Permission, Role
from domain.identity.policy_table import committed_table, role_table, with_table

DOC = Path(__file__).resolve().parents[3] / "docs" / "security.md"


def test_the_committed_role_table_is_the_one_the_policy_generates() -> None:
    assert committed_table(DOC.read_text(encoding="utf-8")) == role_table(), (
        "docs/security.md is stale: run `python -m domain.identity.policy_table`"
    )


def test_the_table_has_a_row_for_every_action_and_a_column_for_every_role() -> None:
    rows = role_table().splitlines()[2:]
    assert len(rows) == len({p.action for p in Permission})
    assert all(row.count("|") == len(Role) + 2 for row in rows)


def test_the_table_changes_when_a_grant_does() -> None:
    """Guards the test above: a grant added to a role shows in the table."""
    before = role_table()
    owner = ROLE_PERMISSIONS[Role.OWNER]
    try:
        ROLE_PERMISSIONS[Role.OWNER] = owner | {Permission.LEDGER_CLOSE}
        after = role_table()
    finally:
        ROLE_PERMISSIONS[Role.OWNER] = owner
    assert after != before
    [row] = [r for r in after.splitlines() if r.startswith("| `ledger:close` |")]
    assert row.split("|")[2 + list(Role).index(Role.OWNER)].strip() == "any"


def test_regenerating_keeps_the_prose_around_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert with_table(text) == text
