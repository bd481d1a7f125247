"""Read models of the stores context (issue 17)."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.protocols import Projection
from projections.stores.readmodel import StoresLedger


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [StoresLedger()]
