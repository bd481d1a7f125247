"""Read models of the meters context (抄表)."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.meters.register import MeterRegister
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [MeterRegister()]
