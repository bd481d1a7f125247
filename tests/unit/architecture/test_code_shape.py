"""The measurable shape of issue 13, held by a test rather than by hope.

* no production module is longer than 400 lines;
* ``interfaces/``, ``application/`` and ``domain/`` hold no SQL: a read
  model's queries live in its module under ``projections/``;
* the HTTP routes load no aggregate: they name neither the event log nor its
  repository, and call one handler or one query instead;
* the HTTP routes open no pooled connection of their own: they read through
  ``interfaces/http/reads.py``, whose ``query_off_loop`` keeps an ``async``
  route's query off the event loop.

``STILL_LONG`` and friends list what is still to be moved: each list only
shrinks, and a test fails when an entry is no longer needed, so the list
cannot go stale.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("domain", "application", "projections", "interfaces", "infrastructure", "replay")
MAX_LINES = 400
SQL = re.compile(
    r"^\s*(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WITH \w+ AS|CREATE|ALTER|DROP)\b"
)
#: What reaches into the log for an aggregate. Reading positions or decoding
#: stored events for display (``event_log.head()``, the audit trail's
#: ``mapper_with_metadata``) is a read of the log, not a load.
LOADS = {"repository", "load_many", "get_for_reading", "version_at", "save_and_position"}
LOG_READS = {"head", "mapper_with_metadata"}

#: Modules over the limit that issue 13 has still to split (path -> why it waits).
STILL_LONG: dict[str, str] = {}
#: Modules of interfaces/, application/ or domain/ that still hold SQL text.
STILL_SQL: dict[str, str] = {}
#: Modules of interfaces/ that still reach the event log.
STILL_LOADING: dict[str, str] = {}
#: Modules of interfaces/http that may hold a pooled connection: the read
#: helper, the wait for a read model's position. (The readiness probe asks
#: the projector's status, which holds its own.)
POOL_HOLDERS = {
    "interfaces/http/reads.py",
    "interfaces/http/consistency.py",
}


def production_modules() -> list[Path]:
    found = [ROOT / "bootstrap.py"]
    for package in PACKAGES:
        found += sorted((ROOT / package).rglob("*.py"))
    return found


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def strings(tree: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_no_production_module_is_longer_than_the_limit() -> None:
    long = {
        relative(p): n
        for p in production_modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert set(long) - set(STILL_LONG) == set(), f"split these modules: {long}"
    assert set(STILL_LONG) - set(long) == set(), "now short enough: drop them from STILL_LONG"


def test_no_sql_text_in_the_interfaces_or_the_application() -> None:
    holding = {
        relative(p)
        for package in ("interfaces", "application", "domain")
        for p in sorted((ROOT / package).rglob("*.py"))
        if any(SQL.match(s) for s in strings(ast.parse(p.read_text())))
    }
    assert holding - set(STILL_SQL) == set(), f"move the SQL into projections/: {holding}"
    assert set(STILL_SQL) - holding == set(), "no SQL left: drop them from STILL_SQL"


def test_no_interface_loads_an_aggregate() -> None:
    """Routes, the CLI and the demo loader send commands and read read models."""
    loading = set()
    for path in sorted((ROOT / "interfaces").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            of_the_log = isinstance(node.value, ast.Attribute) and node.value.attr == "event_log"
            if node.attr in LOADS or (of_the_log and node.attr not in LOG_READS):
                loading.add(relative(path))
    assert loading - set(STILL_LOADING) == set(), f"call a handler or a query instead: {loading}"
    assert set(STILL_LOADING) - loading == set(), "no load left: drop them from STILL_LOADING"


def test_routes_read_through_the_read_helper() -> None:
    holding = {
        relative(path)
        for path in sorted((ROOT / "interfaces" / "http").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "connection"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "pool"
        )
        # a pooled connection in autocommit (infrastructure/autocommit.py)
        or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "autocommitted"
        )
    }
    assert holding - POOL_HOLDERS == set(), f"read through interfaces/http/reads.py: {holding}"
    assert POOL_HOLDERS - holding == set(), "a holder no longer holds one: drop it from the list"


@pytest.mark.parametrize("text", ["SELECT 1", "  INSERT INTO t VALUES (1)", "DELETE FROM t"])
def test_the_sql_pattern_sees_sql(text: str) -> None:
    assert SQL.match(text)


@pytest.mark.parametrize("text", ["select a unit", "Updated the unit", "no such work order"])
def test_the_sql_pattern_leaves_prose_alone(text: str) -> None:
    assert not SQL.match(text)
