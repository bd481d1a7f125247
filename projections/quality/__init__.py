"""Read models of data quality (R7.5): the runs; the checks read the other contexts'."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.protocols import Projection
from projections.quality.runs import QualityRuns


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [QualityRuns()]
