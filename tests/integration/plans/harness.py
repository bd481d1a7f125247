"""Does a read model's query plan stay flat as its table grows?

A query function is called with a :class:`Recording` connection, which runs
it and keeps every statement it issued with its parameters; each statement
is then planned (``EXPLAIN (FORMAT JSON)``, the parameters bound, so the
plan is the one the values get) over tables filled with
:func:`fill` to the size of a store years old. :func:`scans` names what in a
plan reads a big table whole: a sequential scan, or a sort of as many rows
as a big table holds fed to a page's ``LIMIT``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from hypothesis import strategies as st
from psycopg import sql

from application.actor import Reach
from projections.registry.tables import DDL as REGISTRY_DDL

#: The registry's estates table, which the numbered read models' queries read.
REGISTRY_ESTATES = tuple(d for d in REGISTRY_DDL if "registry_estates (" in d)


@contextmanager
def schema_of(url: str, schema: str, ddl: Iterable[Any]) -> Iterator[psycopg.Connection[Any]]:
    """A connection whose search path is a fresh schema holding ``ddl``'s
    tables, dropped afterwards: a module's tables, apart from the suite's."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        try:
            # A numbered record's row reads its estate's code (decision 0050).
            for statement in (*REGISTRY_ESTATES, *ddl):
                conn.execute(statement)
            yield conn
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


#: Rows of each generated table: a busy estate group's decade.
ROWS = 100_000
#: A sort of more rows than this for one page reads too much of a big table.
SORT_LIMIT = ROWS // 20


def key(series: str, modulo: int) -> str:
    """SQL for a UUID ``UUID(int=n)`` with n = ``series`` modulo ``modulo``: a column of
    ``modulo`` distinct values (estates, units, users) spread over the rows."""
    return f"lpad(to_hex(mod({series}, {modulo})), 32, '0')::uuid"


# A record's number (decision 0050): unique in its estate and year, as the
# read models' UNIQUE index wants.
_NUMBERED = {("serial", "integer"): "g", ("number_year", "integer"): "2026"}
# The value of a column of each type, for row g, when a table's filling
# does not say otherwise: distinct where a key would be, dull elsewhere.
_BY_TYPE = {
    "uuid": "md5(g::text)::uuid",
    "text": "'t' || mod(g, 50)",
    "integer": "mod(g, 1000)",
    "smallint": "mod(g, 5)",
    "bigint": "g",
    "numeric": "mod(g, 1000)::numeric",
    "date": "date '2020-01-01' + mod(g, 3000)",
    "timestamp with time zone": "timestamptz '2020-01-01' + g * interval '1 minute'",
    "boolean": "false",
    "jsonb": "'[]'::jsonb",
    "ARRAY": "'{}'",
    "bytea": "'\\x00'::bytea",
}


def fill(
    conn: psycopg.Connection[Any], table: str, columns: Mapping[str, str], rows: int = ROWS
) -> None:
    """Insert ``rows`` generated rows into ``table`` (created by its read
    model's DDL in the current schema), then ANALYZE it. ``columns`` gives
    SQL over the row number ``g`` for the columns that matter to a plan."""
    found = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    names = [name for name, _ in found]
    values = [
        columns.get(name) or _NUMBERED.get((name, kind)) or _BY_TYPE[kind] for name, kind in found
    ]
    conn.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM generate_series(1, %s) g").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, names)),
            sql.SQL(", ".join(values)),  # type: ignore[arg-type]
        ),
        [rows],
    )
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


class Recording:
    """A connection that keeps what it was asked to run: (SQL, parameters)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        self.statements: list[tuple[str, Any]] = []

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        self.statements.append((_text(query, self._conn), _values(params)))
        return self._conn.execute(query, params, **kwargs)

    def cursor(self, *args: Any, **kwargs: Any) -> _RecordingCursor:
        return _RecordingCursor(self._conn.cursor(*args, **kwargs), self.statements, self._conn)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class _RecordingCursor:
    def __init__(self, cur: Any, statements: list[Any], conn: Any) -> None:
        self._cur, self._statements, self._conn = cur, statements, conn

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        self._statements.append((_text(query, self._conn), _values(params)))
        self._cur.execute(query, params, **kwargs)
        return self

    def __enter__(self) -> _RecordingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cur.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


def _values(params: Any) -> Any:
    """A statement's values as it was given them: by name (a dict) or in order."""
    return dict(params) if isinstance(params, Mapping) else list(params or [])


def _text(query: Any, conn: psycopg.Connection[Any]) -> str:
    return query if isinstance(query, str) else query.as_string(conn)


def plan(conn: psycopg.Connection[Any], statement: str, params: Any) -> dict[str, Any]:
    """The planner's choice for ``statement`` with these values bound."""
    [[document]] = conn.execute(f"EXPLAIN (FORMAT JSON) {statement}", params).fetchall()  # type: ignore[arg-type]
    return document[0]["Plan"]  # type: ignore[no-any-return]


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from nodes(child)


def scans(root: dict[str, Any], big: frozenset[str]) -> list[str]:
    """What in the plan ``root`` reads one of the ``big`` tables whole."""
    found = []
    for node in nodes(root):
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in big:
            found.append(f"Seq Scan on {node['Relation Name']}")
        if node["Node Type"] == "Sort" and node["Plan Rows"] > SORT_LIMIT:
            found.append(f"Sort of {node['Plan Rows']} rows by {node.get('Sort Key')}")
    return found


def outline(node: dict[str, Any], depth: int = 0) -> str:
    """The plan as one line a node, for a failure's message."""
    line = "  " * depth + f"{node['Node Type']} {node.get('Relation Name') or ''}".rstrip()
    line += f" (rows {node['Plan Rows']}) {node.get('Index Name') or ''}".rstrip()
    return "\n".join([line, *(outline(c, depth + 1) for c in node.get("Plans", ()))])


def reaches(
    estates: list[Any], users: list[Any], everything: st.SearchStrategy[bool] = st.booleans()
) -> st.SearchStrategy[Reach]:
    """Callers' reaches over these estates and users, for the walk-every-page properties."""
    return st.builds(
        Reach,
        everything=everything,
        estates=st.frozensets(st.sampled_from(estates), max_size=3),
        own=st.booleans(),
        user_id=st.sampled_from(users),
    )
