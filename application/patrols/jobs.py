"""The patrols context's scheduled jobs: tasks per shift, late and missed points.

The read model names the candidates (``application/patrols/ports.py``); each
candidate's aggregate decides, since the read model may lag the log. Jobs act
for the system, so they carry no actor.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.patrols.shifts import window_of
from application.services import find
from domain.patrols.plan import PatrolPlan, task_id_for
from domain.patrols.route import PatrolRoute
from domain.patrols.task import PatrolTask

if TYPE_CHECKING:  # the service calls these with itself; no import cycle at run time
    from application.patrols.service import PatrolService

log = logging.getLogger(__name__)


def generate_tasks(svc: PatrolService, now: datetime) -> int:
    """One task per plan whose next shift starts within the lead time."""
    generated = 0
    for plan_id in svc.due.active_plans():
        try:
            generated += _generate(svc, plan_id, now)
        except Exception:  # one bad plan never stops the others' tasks
            log.exception("patrol plan %s: no task generated", plan_id)
    return generated


def _generate(svc: PatrolService, plan_id: UUID, now: datetime) -> int:
    plan = find(svc.deps.event_log, plan_id, PatrolPlan)
    if plan is None:
        return 0
    task = task_for(svc, plan, now)
    if task is None:
        return 0
    try:
        svc.deps.event_log.save_and_position(plan, task)
    except IntegrityError:
        return 0  # another scheduler generated it first
    return 1


def task_for(svc: PatrolService, plan: PatrolPlan, now: datetime) -> PatrolTask | None:
    """The task of the plan's shift due at ``now`` (recorded on the plan), or None."""
    window = window_of(plan)
    shift_on = plan.due_shift(now, window)
    if shift_on is None:
        return None
    route = find(svc.deps.event_log, plan.route_id, PatrolRoute)
    if route is None or route.retired:
        return None
    task_id = task_id_for(plan.id, shift_on)
    plan.record_task(task_id, shift_on, at=now)
    starts, ends = window(shift_on)
    return PatrolTask.generate(
        id=task_id,
        estate_id=plan.estate_id,
        plan_id=plan.id,
        route_id=route.id,
        route_name=route.name,
        assignee_id=plan.assignee_id,
        shift_on=shift_on,
        starts_at=starts,
        ends_at=ends,
        points=route.points,
        at=now,
    )


def watch_tasks(svc: PatrolService, now: datetime) -> int:
    """Record the points ``now`` makes late or missed; close tasks whose shift is over."""
    recorded = 0
    for task_id in svc.due.tasks_to_watch(now):
        task = find(svc.deps.event_log, task_id, PatrolTask)
        if task is None or not task.watch(now):
            continue
        try:
            svc.deps.event_log.save_and_position(task)
        except IntegrityError:
            continue  # checked in meanwhile; the next run looks again
        recorded += 1
    return recorded
