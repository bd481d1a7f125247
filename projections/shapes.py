"""A read model's table shape, and whether the tables in the database have it.

``CREATE TABLE IF NOT EXISTS`` keeps a table of an older shape for ever: a
column added to the DDL never appears, and ``apply`` then fails, or worse,
writes what an old column means differently. So each read model's shape has
a fingerprint (its DDL and an optional ``version``), and every table of it
carries the fingerprint it was created with as its comment. The comment
lives on the table itself, so it moves with the table in a blue/green swap
(``ALTER TABLE ... SET SCHEMA``) and survives a ``DELETE`` of its rows; a
table and the record of its shape cannot drift apart. ``replay/shapes.py``
rebuilds a read model whose tables do not carry its code's fingerprint
(decision 0018).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql

from projections.protocols import Projection

#: How a table's comment records its shape ("... <name> <fingerprint>").
COMMENT_PREFIX = "estatelog read model"


def fingerprint(projection: Projection) -> str:
    """A short hash of the shape ``projection`` creates.

    The DDL with its whitespace folded (re-indenting a statement is no new
    shape) and ``version``, which a read model raises when its tables keep
    their DDL but their rows change meaning (a column now filled otherwise):
    that too needs the rows rebuilt.
    """
    statements = [" ".join(statement.split()) for statement in projection.ddl]
    version = getattr(projection, "version", 0)
    text = "\n".join([f"version {version}", *statements])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def comment(projection: Projection) -> str:
    return f"{COMMENT_PREFIX} {projection.name} {fingerprint(projection)}"


def tables_here(conn: psycopg.Connection[Any]) -> dict[str, str | None]:
    """The tables of the connection's current schema, each with its comment."""
    rows = conn.execute(
        "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')"
    ).fetchall()
    return {str(name): note for name, note in rows}


def mark(conn: psycopg.Connection[Any], projection: Projection) -> None:
    """Record on each of ``projection``'s tables (in the current schema) that
    it has the shape of this code."""
    for table in projection.tables:
        conn.execute(
            sql.SQL("COMMENT ON TABLE {} IS {}").format(
                sql.Identifier(table), sql.Literal(comment(projection))
            )
        )


def is_fresh(projection: Projection, tables: Mapping[str, str | None]) -> bool:
    """None of its tables exists (the DDL about to run creates them in this shape)."""
    return not any(table in tables for table in projection.tables)


def has_shape(projection: Projection, tables: Mapping[str, str | None]) -> bool:
    """Every one of its tables exists and carries this code's fingerprint."""
    expected = comment(projection)
    return all(tables.get(table) == expected for table in projection.tables)


def misshapen(
    projections: Sequence[Projection], tables: Mapping[str, str | None]
) -> list[Projection]:
    """The read models whose tables are missing or of another shape."""
    return [p for p in projections if not has_shape(p, tables)]
