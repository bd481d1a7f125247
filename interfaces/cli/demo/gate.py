"""The demo estate's gate (访客/门禁, issue 17): a day of visitors and a forced door.

Lin Yu (A-101) lets a friend in for the afternoon: the gate guard checks her
in, her pass opens the Tower A lobby door, and she is checked out again.
Wang Fang (A-302) invites a plumber, then revokes the pass when the job is
cancelled. The front desk lets a courier in for Zhang Wei (A-501); he is
inside still. Later the Tower A lobby door is forced open: an alarm, major,
through the alarm lifecycle; the door closes again a few minutes later, and
the guard who went to look acknowledges the alarm, which clears it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.equipment.commands import HandleAlarm, RegisterEquipment
from application.gate import commands as c
from domain.gate.access import AccessEvent
from domain.registry.ids import building_id_for
from interfaces.cli.demo.base import DemoError

if TYPE_CHECKING:
    from interfaces.cli.demo.load import Loader

GUARD = "hvg.gate"


class GateDemo:
    def __init__(self, loader: Loader) -> None:
        self.d = loader
        self.c = loader.c
        self.deps = self.c.gate.deps
        self.start = loader.now - timedelta(hours=8)  # the day's visitors came this morning

    @contextmanager
    def at(self, hours: float, username: str) -> Iterator[datetime]:
        """The services' clock ``hours`` after the start, acting as ``username``."""
        before = self.deps.clock
        moment = self.start + timedelta(hours=hours)
        self.deps.clock = lambda: moment
        try:
            with self.d.as_user(username):
                yield moment
        finally:
            self.deps.clock = before

    def issue(self, hours: float, username: str, unit: tuple[str, str], **more: Any) -> str:
        with self.at(hours, username):
            _, _, token = self.c.gate.issue_pass(
                c.IssuePass(
                    self.d.actor(username),
                    self.d.estate_id,
                    self.d.units[unit],
                    valid_from=self.start,
                    valid_until=self.start + timedelta(hours=14),
                    **more,
                )
            )
        self.d.count("visitor_passes")
        return token

    def gate(self, hours: float, token: str, *, out: bool = False) -> None:
        """The gate guard checks the pass's visitor in (or out)."""
        with self.at(hours, GUARD):
            guard = self.d.actor(GUARD)
            if out:
                self.c.gate.check_out(c.CheckOut(guard, token))
            else:
                self.c.gate.check_in(c.CheckIn(guard, token))
        self.d.count("gate_movements")

    def run(self) -> None:
        door = self.lobby_door()
        friend = self.issue(
            0.5, "hvg.linyu", ("A", "101"), visitor_name="Song Jia", visitor_phone="13700000101"
        )
        plumber = self.issue(
            0.6,
            "hvg.wangfang",
            ("A", "302"),
            visitor_name="Fang Gong",
            plate="沪B 66881",
            entries_allowed=3,
        )
        courier = self.issue(1, "hvg.service", ("A", "501"), visitor_name="Courier Xiao Liu")
        self.gate(2, friend)
        self.report(
            door,
            (2.05, AccessEvent.OPENED_BY_PASS, friend),
            (2.06, AccessEvent.CLOSED, None),
        )
        with self.at(2.5, "hvg.wangfang"):
            guard = self.d.actor(GUARD)
            revoked = self.c.gate.verify(guard, plumber)[0].id
            self.c.gate.revoke_pass(
                c.RevokePass(self.d.actor("hvg.wangfang"), revoked, "job cancelled")
            )
        self.gate(3, courier)
        self.gate(5, friend, out=True)
        alarms = self.report(
            door, (6, AccessEvent.FORCED_OPEN, None), (6.1, AccessEvent.CLOSED, None)
        )
        self.d.alarms["lobby-forced"] = alarms[0]
        self.d.count("door_alarms", len(alarms))
        with self.at(6.2, GUARD):  # the guard went to look: the door is shut, the alarm clears
            self.c.equipment.acknowledge(HandleAlarm(self.d.actor(GUARD), alarms[0]))

    def lobby_door(self) -> UUID:
        door, _ = self.c.equipment.register(
            RegisterEquipment(
                self.d.actor("hvg.manager"),
                estate_id=self.d.estate_id,
                kind="door",
                name="Tower A lobby door",
                model="AC-2000",
                serial_number="HVG-DOOR-A-2021",
                location="Tower A lobby",
                building_id=building_id_for(self.d.estate_id, "A"),
                installed_on=date(2021, 4, 1),
                vendor="Hikvision",
                warranty_until=date(2026, 4, 1),
            )
        )
        self.d.equipment["door-a"] = door
        self.d.count("equipment")
        return door

    def report(self, door: UUID, *events: tuple[float, AccessEvent, str | None]) -> list[UUID]:
        """The door's controller reports, as the estate's gateway (the manager's devices)."""
        reports = [
            c.AccessReport(door, self.start + timedelta(hours=h), event, token=token)
            for h, event, token in events
        ]
        result = self.c.gate.report_access(c.ReportAccess(self.d.actor("hvg.manager"), reports))
        if result.rejected:
            raise DemoError(f"access events refused: {result.rejected}")
        return list(result.alarms_raised)
