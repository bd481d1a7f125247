"""A read model's share of the numbers (decision 0050): two columns, an index, a rule.

A row of a numbered kind keeps its ``serial`` and the ``number_year`` of
its series; its estate is the third part. The projection numbers a creating
event by the log's rule (``domain/numbering.py``) from its own rows: one
more than the greatest serial of the estate and year so far, in position
order, as the writer did under the append's lock. It needs no table beyond
its own, so rebuilds and as-of builds number alike (and ``verify --full``
holds the writer's table to the same rule). The number people say is
formatted when read, with the estate's code from the registry's read model
(a code never changes); a search by number is an index look-up, since the
estate's ID derives from its code.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from domain.numbering import DIGITS, parse, year_of


def index(table: str, estate_column: str = "estate_id") -> str:
    """Unique: a projection that numbered one twice stops and says so."""
    return (
        f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_number "
        f"ON {table} ({estate_column}, number_year, serial)"
    )


def next_serial(
    cur: psycopg.Cursor[Any], table: str, estate_id: UUID, at: Any, estate_column: str = "estate_id"
) -> tuple[int, int]:
    """(year, serial) the creating event at ``at`` takes in ``table``'s series."""
    year = year_of(at)
    # A cursor of its own: the read model's may have statements queued in a
    # pipeline whose results its next fetch would have to tell apart.
    with cur.connection.cursor() as own:
        row = own.execute(
            f"SELECT coalesce(max(serial), 0) + 1 FROM {table} "
            f"WHERE {estate_column} = %s AND number_year = %s",
            [estate_id, year],
        ).fetchone()
    assert row is not None
    return year, int(row[0])


def said(alias: str, code: str, estate_column: str = "estate_id") -> str:
    """The SQL of a row's number (``HVG-WO-2026-000123``), named ``number``; NULL if none.

    ``alias`` names the row's table in the query (it must: unqualified, the
    estate column would be the registry's own in the subquery).
    """
    table = f"{alias}."
    return (
        f"CASE WHEN {table}serial IS NULL THEN NULL ELSE "
        f"coalesce((SELECT es.code FROM registry_estates es "
        f"WHERE es.estate_id = {table}{estate_column}), "
        f"upper(left({table}{estate_column}::text, 8))) "
        f"|| '-{code}-' || {table}number_year || '-' "
        f"|| lpad({table}serial::text, {DIGITS}, '0') END AS number"
    )


def matching(
    alias: str, code: str, text: str, estate_column: str = "estate_id"
) -> tuple[str, list[Any]]:
    """A WHERE fragment for the row numbered ``text`` (any case); ``false`` if it is none."""
    found = parse(text, code)
    if found is None:
        return "false", []
    table = f"{alias}."
    return (
        f"({table}{estate_column} = %s AND {table}number_year = %s AND {table}serial = %s)",
        [found.estate_id, found.year, found.serial],
    )
