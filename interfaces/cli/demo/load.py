"""Loading the demo estate: whether it can be, and the order of its parts."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from application.context import acting
from application.registry.lookups import estate_exists
from domain.registry.ids import estate_id_for
from interfaces.cli.demo.base import DemoError, DemoSummary
from interfaces.cli.demo.cast import ESTATE_CODE, usernames
from interfaces.cli.demo.community import CommunityDemo
from interfaces.cli.demo.equipment import EquipmentDemo
from interfaces.cli.demo.finance import FinanceDemo
from interfaces.cli.demo.gate import GateDemo
from interfaces.cli.demo.meters import MetersDemo
from interfaces.cli.demo.parking import ParkingDemo
from interfaces.cli.demo.patrols import night_patrol
from interfaces.cli.demo.quality import QualityDemo
from interfaces.cli.demo.stores import StoresDemo
from interfaces.cli.demo.workorders import WorkOrdersDemo

if TYPE_CHECKING:
    from bootstrap import Container


def demo_estate_exists(container: Container) -> bool:
    # From the log, not the registry's read model: a load a moment ago counts.
    return estate_exists(container.event_log, estate_id_for(ESTATE_CODE))


def check_loadable(container: Container) -> bool:
    """True if the demo can be loaded; False if it is there already.

    Raises :class:`DemoError` when the estate is missing but a demo username
    is taken (someone else's account, or a load that failed half way).
    """
    if demo_estate_exists(container):
        return False
    taken = [u for u in usernames() if container.identity.find(u) is not None]
    if taken:
        raise DemoError(
            f"the demo estate is not loaded, but these usernames are taken: {', '.join(taken)}"
            " (a demo load that failed half way? load the demo into a store without them)"
        )
    return True


def load_demo(
    container: Container,
    *,
    password: str,
    now: datetime,
    begin: Callable[[str, int, int], None] = lambda step, done, total: None,
) -> DemoSummary:
    """Load the demo estate; nothing at all if it is there already.

    ``password`` becomes every demo account's password; ``now`` (aware) is the
    moment the telemetry and the scheduled jobs are timed from. Raises
    :class:`DemoError` when a demo username is taken by someone else.
    ``begin`` hears of each part as it starts: its name, the parts done, how many in all.
    """
    if now.tzinfo is None:
        raise DemoError("now: a time with its time zone")
    estate_id = estate_id_for(ESTATE_CODE)
    if not check_loadable(container):
        return DemoSummary(estate_id=estate_id, loaded=False)
    started = time.monotonic()
    loader = Loader(container, password, now)
    with acting(loader.context(None)):
        loader.run(begin)
    summary = DemoSummary(
        estate_id=estate_id,
        loaded=True,
        accounts=loader.accounts,
        counts=loader.counts,
        position=container.event_log.head(),
    )
    summary.seconds = time.monotonic() - started
    return summary


class Loader(EquipmentDemo, WorkOrdersDemo, CommunityDemo, MetersDemo):
    """The whole load, part by part, in the order the parts depend on."""

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        """The parts, named, in the order they depend on each other."""
        return [
            ("estate, buildings, units", self.registry),
            ("people and their units", self.people),
            ("read models", self.settle),
            ("equipment, telemetry, alarms", self.equipment_and_alarms),
            ("work orders", self.work_orders),
            ("read models", self.settle),
            ("maintenance plans", self.maintenance),
            ("a night patrol", lambda: night_patrol(self)),
            ("announcements, complaints, surveys", self.community),
            ("notifications", self.notifications),
            ("visitors and the gate", GateDemo(self).run),
            ("read models", self.settle),
            ("the books: a year of fees and payments", FinanceDemo(self).run),
            ("a day at the car park", ParkingDemo(self).run),
            ("read models", self.settle),
            ("a meter round", self.meter_round),
            ("the stores: a purchase and its issue to a repair", StoresDemo(self).run),
            ("what happened later", self.later),
            ("data quality: last month's checks", QualityDemo(self).run),
            ("read models", self.settle),
        ]

    def run(self, begin: Callable[[str, int, int], None] = lambda step, done, total: None) -> None:
        steps = self.steps()
        for done, (name, step) in enumerate(steps):
            begin(name, done, len(steps))
            step()
