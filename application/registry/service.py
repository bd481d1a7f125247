"""The registry's handlers, one method per command (decision 0017; R1.1, R3.3).

Each handler loads the records its command names, authorizes the command's
actor against them (``Records.authorize``: another estate's record is
missing, 404; one the actor sees but may not change is forbidden, 403),
lets the aggregate decide and saves. They are grouped by what they handle:
places (``places.py``), people and login links (``people.py``), occupancy
(``occupancy.py``) and batch imports (``imports.py``).
"""

from __future__ import annotations

from application.registry.imports import ImportDone, ImportHandlers
from application.registry.occupancy import OccupancyHandlers
from application.registry.places import PlaceHandlers
from application.registry.records import Created, RegistryRecordNotFound
from application.scheduling import ScheduledJob

__all__ = ["Created", "ImportDone", "RegistryRecordNotFound", "RegistryService"]


class RegistryService(PlaceHandlers, OccupancyHandlers, ImportHandlers):
    """Every registry handler, on one :class:`~application.services.ServiceDeps`."""

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return []
