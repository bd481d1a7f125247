"""Read models of the car park."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.parking.readmodel import ParkingReadModel
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [ParkingReadModel()]
