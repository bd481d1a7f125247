"""The data-quality checks are one table (domain/quality/checks.py): every row has
its query, beside the read models it names, scoped to one estate, and its line in
docs/quality.md; every figure of the dashboard is a row and a field."""

from __future__ import annotations

import re
from pathlib import Path

import projections.community
import projections.equipment
import projections.finance
import projections.meters
import projections.patrols
import projections.quality
import projections.registry
import projections.workorders
from domain.quality.checks import CHECK_NAMES, CHECKS, READ_MODELS, Severity
from interfaces.http.dashboard import Dashboard
from projections.catalog import ReadModelDeps
from projections.quality.checks import QUERIES
from projections.quality.dashboard import FIGURES, DashboardRow

DOCS = Path(__file__).parents[3] / "docs" / "quality.md"
TABLES = {
    p.name: set(p.tables)
    for m in (
        projections.registry,
        projections.equipment,
        projections.workorders,
        projections.finance,
        projections.community,
        projections.quality,
        projections.meters,
        projections.patrols,
    )
    for p in m.read_models(ReadModelDeps(vault=None, jobs=None, pool=None))
}


def test_every_check_has_one_query_and_the_run_waits_for_what_they_read() -> None:
    assert list(CHECK_NAMES) == [s.name.value for s in CHECKS]
    assert set(QUERIES) == set(CHECK_NAMES)
    assert set(READ_MODELS) == {m for s in CHECKS for m in s.read_models}
    assert all(isinstance(s.severity, Severity) for s in CHECKS)


def test_a_check_reads_only_the_tables_of_the_read_models_its_row_names() -> None:
    for spec in CHECKS:
        query = QUERIES[spec.name.value]
        owned = set().union(*(TABLES[m] for m in spec.read_models))
        assert set(query.tables) <= owned, spec.name
        sql = query.page_sql(after=True) + query.count_sql()
        read = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", sql))
        assert read - {"jsonb_array_elements"} <= set(query.tables), (spec.name, read)


def test_every_check_is_of_one_estate_and_pages_by_a_key_ending_in_the_records_id() -> None:
    for name, query in QUERIES.items():
        assert "estate_id = %(estate_id)s" in query.where, name
        assert query.keys[-1][0] == query.id and query.keys[-1][1] == "uuid", name
        assert "%(after_0)s" in query.page_sql(after=True)
        assert "%(after_0)s" not in query.page_sql(after=False)


def test_the_docs_name_every_check_and_figure() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for spec in CHECKS:
        assert f"`{spec.name.value}`" in text, spec.name
    for figure in FIGURES:
        assert f"`{figure.name}`" in text, figure.name


def test_a_figure_is_a_row_of_the_table_a_key_of_the_row_and_a_field_of_the_answer() -> None:
    named = [f.name for f in FIGURES]
    frame = ["estate_id", "on", "month"]
    assert list(DashboardRow.__annotations__) == frame + named
    assert list(Dashboard.model_fields) == frame + named
    for figure in FIGURES:
        assert set(figure.read_models) <= set(TABLES), figure.name
