"""(being written)"""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.runtime import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return []
