"""The data-quality report, a check's failing records and the estate dashboard
read one estate's rows through an index: no statement scans a big table
whole, nor sorts more than ``SORT_LIMIT`` rows (docs/quality.md).

The read models' tables are filled with ``ROWS`` generated rows each, spread
over 50 estates, and every statement the queries issue for estate 7 is planned
with its values bound (``harness.plan``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest

from application.actor import Reach
from application.quality.ports import CheckScope
from domain.quality.checks import CHECK_NAMES
from projections.community.board import CommunityBoard
from projections.equipment.alarms import AlarmBoard
from projections.equipment.listing import EquipmentList
from projections.finance.accounts.model import DDL as ACCOUNTS_DDL
from projections.finance.rates import FeeSchedules
from projections.meters.register import MeterRegister
from projections.patrols.readmodel import PatrolsReadModel
from projections.quality import checks, dashboard, runs
from projections.registry.tables import DDL as REGISTRY_DDL
from projections.workorders.readmodel import DDL as WORKORDERS_DDL
from tests.integration.plans.harness import fill, key, outline, plan, scans, schema_of

SCHEMA = "quality_plans"
ESTATES = 50
ESTATE = UUID(int=7)
NOW = datetime(2026, 3, 15, 8, tzinfo=UTC)
ALL = Reach(everything=True, estates=frozenset(), own=False, user_id=UUID(int=0))
SCOPE = CheckScope(ESTATE, "2026-02", NOW, 30)
ESTATE_KEY = key("g", ESTATES)
BIG = frozenset(
    {
        "registry_units",
        "registry_people",
        "registry_occupancy",
        "equipment_list",
        "equipment_alarms",
        "workorders",
        "finance_bills",
        "finance_rate_changes",
        "community_surveys",
        "quality_runs",
        "meters",
        "meter_readings",
        "patrol_completion",
    }
)
# The buildings, and the plans, which grow with the company's equipment, not the log.
SMALL = {"registry_buildings": 500, "workorders_plans": 5_000}
FILLS: dict[str, dict[str, str]] = {
    "registry_units": {"estate_id": ESTATE_KEY, "building_id": key("g", 500)},
    "registry_buildings": {"estate_id": ESTATE_KEY, "building_id": key("g", 500)},
    "registry_people": {"estate_id": ESTATE_KEY},
    "registry_occupancy": {
        "estate_id": ESTATE_KEY,
        "unit_id": "md5((g / 2)::text)::uuid",
        "relation": "(ARRAY['owner','tenant','resident'])[1 + mod(g, 3)]",
        "moved_out_on": "CASE WHEN mod(g, 5) = 0 THEN date '2024-01-01' END",
    },
    "equipment_list": {"estate_id": ESTATE_KEY, "status": "'in_service'"},
    "equipment_alarms": {
        "estate_id": ESTATE_KEY,
        "status": "(ARRAY['raised','cleared','cleared','cleared'])[1 + mod(g, 4)]",
    },
    "workorders": {
        "estate_id": ESTATE_KEY,
        "status": "(ARRAY['closed','closed','closed','assigned'])[1 + mod(g, 4)]",
    },
    "workorders_plans": {"estate_id": ESTATE_KEY, "status": "'active'"},
    "finance_bills": {
        "estate_id": ESTATE_KEY,
        "period": "to_char(date '2016-01-01' + (g / 500) * interval '1 month', 'YYYY-MM')",
    },
    "finance_rate_changes": {"estate_id": ESTATE_KEY, "status": "'adopted'"},
    "community_surveys": {"estate_id": ESTATE_KEY},
    "quality_runs": {
        "estate_id": ESTATE_KEY,
        "month": "to_char(date '2016-01-01' + (g / 500) * interval '1 month', 'YYYY-MM')",
    },
    "meters": {
        "estate_id": ESTATE_KEY,
        "unit_label": "'N' || g",
        "installed_on": "date '2020-01-01'",
    },
    "meter_readings": {
        "estate_id": ESTATE_KEY,
        "meter_id": key("g", 100_000),
        "period": "to_char(date '2016-01-01' + (g / 500) * interval '1 month', 'YYYY-MM')",
        "status": "CASE WHEN mod(g, 50) = 0 THEN 'held' ELSE 'recorded' END",
    },
    "patrol_completion": {
        "estate_id": ESTATE_KEY,
        "route_id": key("g", 1_000),
        "assignee_id": key("g", 500),
        "month": "to_char(date '2016-01-01' + (g / 500) * interval '1 month', 'YYYY-MM')",
    },
}


@pytest.fixture(scope="module")
def big(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    ddl = [
        *(d for d in REGISTRY_DDL if "registry_estates (" not in d),
        *EquipmentList.ddl,
        *AlarmBoard.ddl,
        *WORKORDERS_DDL,
        *ACCOUNTS_DDL,
        *FeeSchedules.ddl,
        *CommunityBoard.ddl,
        *runs.QualityRuns.ddl,
        *MeterRegister.ddl,
        *PatrolsReadModel.ddl,
    ]
    with schema_of(service_urls[0], SCHEMA, ddl) as conn:
        for table, columns in FILLS.items():
            fill(conn, table, columns, SMALL.get(table, 100_000))
        yield conn


class Recorded:
    """A connection that keeps each statement with its parameters as given."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.statements: list[tuple[str, Any]] = []

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        self.statements.append((query, params))
        return self.conn.execute(query, params, **kwargs)


CASES = {
    "the report: every check's count": lambda c: checks.report(c, ALL, SCOPE),
    **{
        f"the records failing {name}": (lambda n: lambda c: checks.records(c, ALL, n, SCOPE))(name)
        for name in CHECK_NAMES
    },
    "the dashboard": lambda c: dashboard.dashboard(c, ALL, dashboard.DashboardScope(ESTATE, NOW)),
    "an estate's runs": lambda c: runs.runs(c, ALL, ESTATE, (NOW, UUID(int=1)), 50),
    "an estate's trend": lambda c: runs.trend(c, ALL, ESTATE, "2025-04", "2026-03"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_no_statement_reads_a_big_table_whole(big: psycopg.Connection[Any], case: str) -> None:
    recorded = Recorded(big)
    CASES[case](recorded)
    assert recorded.statements, f"{case}: issued no statement"
    for statement, params in recorded.statements:
        root = plan(big, statement, params)
        assert not scans(root, BIG), f"{case}: {statement}\n{outline(root)}"
