"""Read models of the community context."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.community.board import CommunityBoard
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [CommunityBoard()]
