"""Read models of the gate context."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.gate.passes import GatePasses
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [GatePasses(deps.vault)]
