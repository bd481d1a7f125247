"""A database's rows, copied out once and put back before each test that needs them.

A world built through the API (``estate_world.py``) takes seconds; putting its
rows back takes milliseconds. The copy is of every table of the ``public``
schema and every sequence's position, so the store a test sees is the one
the world's build left, row for row: the log with its hash chain as written,
the read models and their positions, the users and their sessions.

Rows go in with triggers off (``session_replication_role = replica``, as
``reset_database`` deletes them): the log's append-only and hash-chain
triggers must not run again on rows that already carry their hashes.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class Rows:
    # table name -> its columns, and its rows in COPY's binary format. Columns
    # by name: a rebuild swaps in tables whose columns may come in another order.
    tables: dict[str, tuple[list[str], bytes]]
    sequences: dict[str, int | None]  # sequence name -> last value (None: never used)


def _copy(direction: str, table: str, columns: list[str]) -> sql.Composed:
    return sql.SQL("COPY {} ({}) {} (FORMAT binary)").format(
        sql.Identifier("public", table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(direction),
    )


def copy_out(database_url: str) -> Rows:
    tables: dict[str, tuple[list[str], bytes]] = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        names = conn.execute(
            "SELECT c.relname, array_agg(a.attname ORDER BY a.attnum) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 "
            "AND NOT a.attisdropped AND a.attgenerated = '' "
            "GROUP BY c.relname ORDER BY c.relname"
        ).fetchall()
        for name, columns in names:
            with conn.cursor().copy(_copy("TO STDOUT", name, columns)) as copy:
                tables[name] = (columns, b"".join(bytes(block) for block in copy))
        sequences: dict[str, int | None] = dict(
            conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall()
        )
    return Rows(tables, sequences)


def missing_tables(database_url: str, rows: Rows) -> set[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        present = {
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
    return set(rows.tables) - present


def copy_in(database_url: str, rows: Rows) -> None:
    """Put ``rows`` into the (emptied) tables of ``database_url``."""
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        for name, (columns, data) in rows.tables.items():
            with conn.cursor().copy(_copy("FROM STDIN", name, columns)) as copy:
                copy.write(data)
        for name, last in rows.sequences.items():
            if last is not None:
                conn.execute(
                    "SELECT setval(%s, %s, true)",
                    [sql.Identifier("public", name).as_string(conn), last],
                )
