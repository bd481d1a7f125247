"""The demo estate's devices keep reporting while the service runs.

``estatelog demo`` loads hours of telemetry that end at the moment it ran;
with nothing after it, every device of the status board went offline within
minutes, and the silence check (15 minutes) raised an ``offline`` alarm for
each. While the demo estate exists, the scheduler's ``demo.devices_report``
job plays its gateway: once a minute it sends each device's latest reading
of each metric again, stamped now, through the ordinary telemetry command as
the estate's manager, so devices stay online and nothing changes state (an
alarming value stays alarming, a normal one normal). A device whose latest
state is ``offline`` (the silence check's own word) is left as it is. On a
system without the demo estate the job reads one row and does nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from application.actor import Actor
from application.equipment.commands import IngestReadings
from application.scheduling import ScheduledJob
from domain.equipment.equipment import OFFLINE
from domain.equipment.rules import Metric, Reading
from domain.registry.ids import estate_id_for
from interfaces.cli.demo.cast import ESTATE_CODE
from projections.equipment.queries import latest_readings

if TYPE_CHECKING:
    from bootstrap import Container

EVERY_SECONDS = 60.0
GATEWAY = "hvg.manager"  # the demo feeds telemetry as the estate's manager, as at load
# A reading sent less than this long ago is not sent again.
FRESH = timedelta(seconds=30)


def devices_report(container: Container) -> ScheduledJob:
    """The scheduler's job that keeps the demo estate's devices reporting."""

    def run(now: datetime) -> int:
        gateway = container.identity.find(GATEWAY)
        if gateway is None:
            return 0
        with container.pool.connection() as conn:
            latest = latest_readings(conn, estate_id_for(ESTATE_CODE))
        readings = [
            Reading(equipment_id, now, Metric(metric), value=value, state=state)
            for equipment_id, metric, value, state, at in latest
            if at < now - FRESH and state != OFFLINE
        ]
        if not readings:
            return 0
        result = container.equipment.ingest(IngestReadings(Actor.of(gateway, "demo"), readings))
        return result.stored

    return ScheduledJob("demo.devices_report", EVERY_SECONDS, run)
