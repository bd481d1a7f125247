"""Read models of the registry context."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.protocols import Projection
from projections.registry.readmodel import RegistryProjection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [RegistryProjection(deps.vault)]
