"""Running the data-quality checks and recording each run as an event."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.errors import NotFound
from application.estate_time import local_day
from application.quality.commands import RunQualityChecks
from application.quality.ports import CheckScope, QualityReadings
from application.registry.lookups import estate_exists
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find
from domain.errors import InvalidTransition
from domain.quality.checks import (
    CHECKS,
    READ_MODELS,
    month_in_reach,
    monthly_run_id,
    previous_month,
    stale_days_of,
)
from domain.quality.run import QualityRun, Trigger

log = logging.getLogger(__name__)

READ = "quality:read"
RUN = "quality:run"
WAIT_SECONDS = 20.0
#: How often the scheduler looks for an estate whose last month has no run yet.
MONTHLY_CHECK_SECONDS = 3600


class EstateNotFound(NotFound):
    """No such estate, or not one the actor may see."""


class ReadModelsBehind(InvalidTransition):
    title = "Read models behind"


@dataclass(frozen=True)
class RunDone:
    run: QualityRun
    position: int

    def view(self) -> dict[str, Any]:
        """The run as the route and the CLI answer it (``GET /quality/runs``' item)."""
        run = self.run
        return {
            "id": run.id,
            "estate_id": run.estate_id,
            "month": run.month,
            "trigger": run.trigger,
            "stale_days": run.stale_days,
            "as_of_position": run.as_of_position,
            "counts": run.counts,
            "failing": run.failing,
            "run_by": run.run_by,
            "run_at": run.run_at,
            "position": self.position,
        }


class QualityService:
    def __init__(self, deps: ServiceDeps, readings: QualityReadings) -> None:
        self.deps = deps
        self.readings = readings

    def scheduled(self) -> list[ScheduledJob]:
        return [ScheduledJob("quality.monthly", MONTHLY_CHECK_SECONDS, self.run_monthly)]

    def _count(self, scope: CheckScope) -> tuple[int, list[dict[str, object]]]:
        """The log's head and, once every read model a check reads has reached
        it, the count of each check (in the table's order)."""
        head = self.deps.event_log.head()
        for name in READ_MODELS:
            if not self.deps.progress.wait(name, head, WAIT_SECONDS):
                raise ReadModelsBehind(f"the {name} read model is behind the log; retry shortly")
        found = self.readings.counts(scope)
        return head, [{"check": s.name.value, "count": found[s.name.value]} for s in CHECKS]

    def _record(
        self, run_id: UUID, scope: CheckScope, trigger: Trigger, run_by: UUID | None
    ) -> RunDone:
        head, counts = self._count(scope)
        run = QualityRun.record(
            id=run_id,
            estate_id=scope.estate_id,
            month=scope.month,
            trigger=trigger,
            stale_days=scope.stale_days,
            as_of_position=head,
            counts=counts,
            run_by=run_by,
            at=scope.now,
        )
        return RunDone(run, self.deps.event_log.save_and_position(run))

    def run(self, cmd: RunQualityChecks) -> RunDone:
        """Run the checks over the estate now and record the counts (``quality:run``)."""
        cmd.actor.check(READ, None, cmd.estate_id)
        if not estate_exists(self.deps.event_log, cmd.estate_id):
            raise EstateNotFound("no such estate")
        cmd.actor.require(RUN, None, cmd.estate_id)
        now = self.deps.clock()
        today = local_day(now, cmd.estate_id)  # a month is the estate's to have begun
        month = month_in_reach(cmd.month, today) if cmd.month is not None else f"{now:%Y-%m}"
        scope = CheckScope(cmd.estate_id, month, now, stale_days_of(cmd.stale_days))
        return self._record(self.deps.ids(), scope, Trigger.ON_DEMAND, cmd.actor.user_id)

    def run_monthly(self, now: datetime) -> int:
        """Record each estate's run of the month just ended, once (its ID is the
        estate's and the month's); an estate already run is passed over."""
        month = previous_month(now.date())
        recorded = 0
        for estate_id in self.readings.estates():
            run_id = monthly_run_id(estate_id, month)
            if find(self.deps.event_log, run_id, QualityRun) is not None:
                continue
            scope = CheckScope(estate_id, month, now, stale_days_of(None))
            self._record(run_id, scope, Trigger.SCHEDULED, None)
            recorded += 1
        return recorded
