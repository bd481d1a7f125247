"""Each user's to-do list (R3.2), from every context's work items."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.protocols import Projection
from projections.tasks.todo import TodoList


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [TodoList()]
