"""Read models of the patrols context."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.patrols.readmodel import PatrolsReadModel
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [PatrolsReadModel()]
