"""Read models of the workorders context."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.protocols import Projection
from projections.workorders.readmodel import WorkOrdersReadModel


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [WorkOrdersReadModel()]
