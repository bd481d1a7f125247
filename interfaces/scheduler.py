"""Runs every context's scheduled jobs: SLA breaches, escalations, due plans.

Jobs issue ordinary commands as the "scheduler" actor, so their events carry
metadata like any other. Several processes may run a scheduler: a PostgreSQL
advisory lock lets one of them run a given job at a time, and the jobs are
idempotent besides.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from psycopg_pool import ConnectionPool

from application.context import CommandContext, acting
from application.scheduling import ScheduledJob
from infrastructure.database import advisory_lock

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"


def run_job(pool: ConnectionPool, job: ScheduledJob, now: datetime | None = None) -> int | None:
    """Run ``job`` once for ``now``; None if another process is running it."""
    with advisory_lock(pool, f"estatelog-job:{job.name}") as mine:
        if not mine:
            return None
        with acting(CommandContext(actor_role=SCHEDULER)):
            return job.run(now or datetime.now(UTC))


class Scheduler:
    def __init__(
        self,
        pool: ConnectionPool,
        jobs: list[ScheduledJob],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_tick: Callable[[], None] = lambda: None,
    ) -> None:
        self.pool = pool
        self.jobs = jobs
        self.clock = clock
        self.on_tick = on_tick  # a heartbeat for healthchecks, after every tick

    def run(self, stop: threading.Event, tick_seconds: float = 1.0) -> None:
        due = {job.name: 0.0 for job in self.jobs}
        while not stop.is_set():
            for job in self.jobs:
                if time.monotonic() < due[job.name]:
                    continue
                due[job.name] = time.monotonic() + job.every_seconds
                try:
                    issued = run_job(self.pool, job, self.clock())
                except Exception:
                    # One failing job must not stop the others; it runs again next time.
                    log.exception("scheduled job %s failed", job.name)
                    continue
                if issued:
                    log.info("scheduled job %s issued %d commands", job.name, issued)
            self.on_tick()
            stop.wait(tick_seconds)
