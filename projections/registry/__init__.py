"""Read models of the registry context."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.registry.readmodel import RegistryProjection
from projections.runtime import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [RegistryProjection(deps.vault)]
