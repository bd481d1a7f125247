"""The demo's night patrol (巡检): a route of four points, a nightly plan for the
gate guard, and the night before last walked: the pump room's pressure below
its range (a work order opened), two points normal, the roof missed (the
property managers told)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from application.context import acting
from application.patrols import commands as c
from domain.patrols.plan import task_id_for
from projections.patrols.queries import visible_route

if TYPE_CHECKING:
    from interfaces.cli.demo.load import Loader

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROUTE: list[dict[str, Any]] = [
    {
        "name": "地下水泵房 Pump room",
        "place": "B1, east end",
        "checklist": [
            {"label": "供水压力 Supply pressure", "unit": "MPa", "low": "0.30", "high": "0.60"},
            {"label": "有无漏水 No leaks"},
        ],
    },
    {"name": "东门岗亭 East gate", "checklist": [{"label": "道闸关闭 Barrier down"}]},
    {
        "name": "地下车库 Car park",
        "place": "B1",
        "checklist": [{"label": "照明正常 Lights on"}, {"label": "防火门关闭 Fire doors shut"}],
    },
    {"name": "C栋天台 Roof of C", "checklist": [{"label": "天台门已上锁 Roof door locked"}]},
]


@contextmanager
def _at(loader: Loader, moment: datetime) -> Iterator[None]:
    """The services' clock at ``moment`` while the block runs (the walk was last night)."""
    deps = loader.c.patrols.deps
    before = deps.clock
    deps.clock = lambda: moment
    try:
        yield
    finally:
        deps.clock = before


def night_patrol(loader: Loader) -> None:
    patrols = loader.c.patrols
    night = loader.now.astimezone(SHANGHAI).date() - timedelta(days=2)
    starts = datetime.combine(night, time(22, 0), tzinfo=SHANGHAI)
    with loader.as_user("hvg.manager"):
        manager = loader.actor("hvg.manager")
        route_id, _ = patrols.create_route(
            c.CreateRoute(manager, loader.estate_id, "夜间巡逻 Night round", ROUTE)
        )
        plan_id, _ = patrols.create_plan(
            c.CreatePlan(
                actor=manager,
                route_id=route_id,
                name="夜班巡逻 Night patrol",
                assignee_id=loader.users["hvg.gate"],
                shift_starts="22:00",
                shift_minutes=480,
                first_shift_on=night,
            )
        )
    loader.settle()
    with acting(loader.context(None)):
        loader.count("patrol_tasks", patrols.generate_tasks(starts - timedelta(minutes=30)))
    task_id = task_id_for(plan_id, night)
    with loader.c.pool.connection() as conn:  # the labels' codes, as the manager prints them
        route = visible_route(conn, loader.actor("hvg.manager"), route_id)
    pump, gate, car_park, _roof = route["points"]
    walk = [
        (
            40,
            pump,
            [
                {"item_id": "1", "result": "normal", "value": "0.18"},
                {"item_id": "2", "result": "normal"},
            ],
        ),
        (95, gate, [{"item_id": "1", "result": "normal"}]),
        (
            150,
            car_park,
            [{"item_id": "1", "result": "normal"}, {"item_id": "2", "result": "normal"}],
        ),
    ]
    with loader.as_user("hvg.gate"):
        guard = loader.actor("hvg.gate")
        for minutes, point, answers in walk:
            with _at(loader, starts + timedelta(minutes=minutes)):
                order_id, _ = patrols.check_in(
                    c.CheckIn(guard, task_id, UUID(point["point_id"]), point["code"], answers)
                )
            loader.count("patrol_check_ins")
            if order_id is not None:
                loader.orders["patrol"] = order_id
                loader.count("work_orders")
    loader.settle()  # the watch's candidates come from the read model
    with acting(loader.context(None)):
        # The shift ends with the roof unchecked: missed, and the managers told.
        loader.count(
            "patrol_tasks_closed", patrols.watch_tasks(starts + timedelta(hours=8, minutes=1))
        )
