"""Read models of the equipment context: the equipment list (with the status
board's state), alarms, and the facility archive per equipment."""

from __future__ import annotations

from projections.catalog import ReadModelDeps
from projections.equipment.alarms import AlarmBoard
from projections.equipment.archive import FacilityArchive
from projections.equipment.listing import EquipmentList
from projections.protocols import Projection


def read_models(deps: ReadModelDeps) -> list[Projection]:
    return [EquipmentList(), AlarmBoard(), FacilityArchive()]
