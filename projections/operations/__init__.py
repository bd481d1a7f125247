"""Read models of operating the service: incidents and the administrators' alerts."""

from __future__ import annotations

from projections.operations.alerts import AdminAlerts
from projections.operations.incidents import Incidents
from projections.protocols import Projection


def read_models() -> list[Projection]:
    return [Incidents(), AdminAlerts()]
