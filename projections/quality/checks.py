"""The data-quality checks' queries, by the domain's table (``domain/quality/checks.py``).

Each check's SQL is declared beside the read model that owns the table it
reads (``projections/<context>/quality.py``); this module joins them to the
table's rows, fails at import for a row without a query, and answers the
report (every check's count) and the failing records of one check.
"""

from __future__ import annotations

from typing import Any, TypedDict
from uuid import UUID

import psycopg

from application.quality.ports import CheckScope
from domain.quality.checks import CHECK_NAMES, CHECKS
from projections import failing
from projections.equipment.quality import STALE_FACILITY_RECORDS
from projections.failing import FailingRow, RecordCheck
from projections.finance.accounts.quality import BILLS_WITHOUT_RATE
from projections.meters.quality import METERS_WITHOUT_READING
from projections.reach import Reaching
from projections.registry.quality import (
    OCCUPANTS_WITHOUT_CONTACT,
    UNITS_WITHOUT_AREA,
    UNITS_WITHOUT_OWNER,
    estate_ids,
)
from projections.workorders.quality import EQUIPMENT_WITHOUT_PLAN

QUERIES: dict[str, RecordCheck] = {
    q.name: q
    for q in (
        UNITS_WITHOUT_AREA,
        UNITS_WITHOUT_OWNER,
        OCCUPANTS_WITHOUT_CONTACT,
        EQUIPMENT_WITHOUT_PLAN,
        STALE_FACILITY_RECORDS,
        BILLS_WITHOUT_RATE,
        METERS_WITHOUT_READING,
    )
}
if set(QUERIES) != set(CHECK_NAMES):
    raise ImportError(
        f"checks without a query or queries without a check: {set(QUERIES) ^ set(CHECK_NAMES)}"
    )


class CheckRow(TypedDict):
    name: str
    finds: str
    severity: str
    record: str
    read_models: list[str]
    count: int


def counts(conn: psycopg.Connection[Any], scope: CheckScope) -> dict[str, int]:
    return {name: failing.count(conn, q, scope) for name, q in QUERIES.items()}


def report(
    conn: psycopg.Connection[Any], reach: Reaching, scope: CheckScope
) -> list[CheckRow] | None:
    """Every check in the table's order with how many of the estate's records
    fail it now; None outside the reach."""
    if not (reach.everything or scope.estate_id in reach.estates):
        return None
    found = counts(conn, scope)
    return [
        {
            "name": s.name.value,
            "finds": s.finds,
            "severity": s.severity.value,
            "record": s.record,
            "read_models": list(s.read_models),
            "count": found[s.name.value],
        }
        for s in CHECKS
    ]


def records(
    conn: psycopg.Connection[Any],
    reach: Reaching,
    check: str,
    scope: CheckScope,
    after: tuple[str, ...] | None = None,
    limit: int = 100,
) -> list[FailingRow] | None:
    """The estate's records failing ``check``, in its keyset's order after ``after``;
    None outside the reach."""
    if not (reach.everything or scope.estate_id in reach.estates):
        return None
    return failing.page(conn, QUERIES[check], scope, after, limit)


class QualityReadModels:
    """The :class:`~application.quality.ports.QualityReadings` port over the read models."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def counts(self, scope: CheckScope) -> dict[str, int]:
        with self.pool.connection() as conn:
            return counts(conn, scope)

    def estates(self) -> list[UUID]:
        with self.pool.connection() as conn:
            return estate_ids(conn)
