"""An estate's patrol records for the two-estate world (``estate_world.py``):
a route, a night plan assigned to the estate's technician, and the task the
scheduler generated for its first shift (issue 17, patrols)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

ROUTE = {
    "name": "Night round",
    "points": [
        {"name": "Pump room", "checklist": [{"label": "Pressure", "unit": "MPa", "low": "0.3"}]},
        {"name": "Gate", "checklist": [{"label": "Barrier closed"}]},
    ],
}
#: 22:00 in Shanghai on the first shift's day: the task is generated.
FIRST_SHIFT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def patrol_records(builder: Any, e: Any) -> dict[str, str]:
    """Estate ``e``'s route, plan and task, made by its manager and the scheduler."""
    from tests.support.estate_world import settle

    manager = e.manager.headers
    route = builder.created("patrol-routes", {**ROUTE, "estate_id": e["estate"]}, manager)
    # The plan is written the evening before its first shift, on a stopped clock:
    # a first shift is refused beyond a year back of the day it is planned.
    clock = builder.container.clock
    before = clock.fixed
    clock.fix(FIRST_SHIFT - timedelta(hours=6))
    try:
        plan = builder.created(
            "patrol-plans",
            {
                "route_id": route,
                "name": f"Night patrol {e.name}",
                "assignee_id": e.technician.id,
                "shift_starts": "22:00",
                "shift_minutes": 480,
                "first_shift_on": FIRST_SHIFT.date().isoformat(),
            },
            manager,
        )
    finally:
        clock.fixed = before
    settle(builder.container)
    assert builder.container.patrols.generate_tasks(FIRST_SHIFT) >= 1
    settle(builder.container)
    tasks = builder.client.get(
        "/api/v1/patrol-tasks", params={"estate_id": e["estate"]}, headers=manager
    ).json()["items"]
    [task] = [t["id"] for t in tasks if t["plan_id"] == plan]
    return {"patrol_route": route, "patrol_plan": plan, "patrol_task": task}
