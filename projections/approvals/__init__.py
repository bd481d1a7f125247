"""Read models of the approvals context."""

from __future__ import annotations

from projections.approvals.workflow import ApprovalWorkflow
from projections.catalog import ReadModelDeps
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [ApprovalWorkflow()]
