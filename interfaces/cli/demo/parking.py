"""The demo's car park (停车/道闸): a day of traffic at Harbour View Gardens' barrier.

The manager opens the car park (40 temporary spaces; 15 free minutes, 5.00
an hour, 1.00 an hour at night, 40.00 a day at most), registers the cars of
the units with a space and gives each a pass billed to the unit's account,
sells a tenant a three-month pass (owed service in 2204 until each month
ends), and blocklists a plate that rammed the barrier. Yesterday the gate saw
residents come and go for free, visitors pay at the exit in cash or online,
the blocklisted plate refused, a car whose exit the camera missed released
by the guard, a car whose entry it missed let out by the guard on the
driver's word of when it came in, and a guest and two residents' cars still
parked at the end of the day.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from application.parking import commands as c
from domain.parking.session import ExitCharge
from domain.parking.tariff import LOCAL, Tariff
from domain.parking.vehicle import PassBilling, PaymentMethod
from domain.registry.ids import parking_id_for

if TYPE_CHECKING:
    from application.actor import Actor
    from interfaces.cli.demo.load import Loader

TARIFF = Tariff.of(
    free_minutes=15,
    per_hour="5.00",
    daily_cap="40.00",
    night_per_hour="1.00",
    night_from="22:00",
    night_until="07:00",
)
# unit -> plate of the cars whose unit has a space (the registry's P001-P005)
RESIDENTS_CARS = {
    ("A", "101"): "沪A1C101",
    ("A", "302"): "沪AD30212",
    ("A", "501"): "沪B50150",
    ("B", "202"): "沪C20220",
    ("B", "601"): "浙A60161",
}
TENANT = (("B", "402"), "苏E40240")  # Chen Jing: no space, a prepaid pass
BLOCKED = "沪K66666"
LOST = "the camera missed the exit at 15:30 (CCTV checked)"
# (local time, plate, in/out/release, how the fee is paid: cash, online or None)
DAY: tuple[tuple[str, str, str, str | None], ...] = (
    ("06:50", "沪G31415", "in", None),  # a cleaner's car; the camera misses its exit
    ("07:40", "沪A1C101", "in", None),  # Lin Yu back from the night shift
    ("08:05", "沪D12345", "in", None),  # a parcel van
    ("08:14", "沪D12345", "out", None),  # within the free minutes
    ("08:30", "苏E54321", "in", None),  # a decorator's van
    ("09:10", BLOCKED, "in", None),  # refused
    ("10:41", "苏E54321", "out", "cash"),  # 15.00
    ("12:02", "浙A8888F", "in", None),  # a visitor's electric car
    ("14:35", "浙A8888F", "out", "online"),  # 15.00
    ("16:05", "沪G31415", "release", None),  # left at 15:30, says the CCTV
    ("17:55", "沪A1C101", "out", None),  # pass holder: free
    ("18:30", "苏E40240", "in", None),  # the tenant's prepaid pass
    ("19:00", "沪E77777", "in", None),  # a guest staying the night
    ("20:10", "沪C20220", "in", None),  # Liu Yang home
    ("21:30", "沪F20260", "in", None),  # dinner guests
    ("23:10", "沪F20260", "out", "cash"),  # 5.00 + 1.00 at night
    ("23:20", "沪H10086", "no_entry", "cash"),  # in at 21:10, says the driver: 5.00 + 1.00 + 1.00
)
UNSEEN = "no entry recorded; the driver says 21:10 and the CCTV agrees"


class ParkingDemo:
    def __init__(self, loader: Loader) -> None:
        self.d = loader
        self.svc = loader.c.parking
        self.day = loader.today - timedelta(days=1)

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        before = self.svc.deps.clock
        self.svc.deps.clock = lambda: moment
        try:
            yield
        finally:
            self.svc.deps.clock = before

    def local(self, day: date, clock: str) -> datetime:
        hour, minute = map(int, clock.split(":"))
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)

    def run(self) -> None:
        manager, gate = self.d.actor("hvg.manager"), self.d.actor("hvg.gate")
        opened = self.local(self.day - timedelta(days=1), "09:00")
        with self.at(opened), self.d.as_user("hvg.manager"):
            car_park, _ = self.svc.open(c.OpenCarPark(manager, self.d.estate_id, 40, TARIFF))
            first_of_month = self.day.replace(day=1)
            for n, (unit, plate) in enumerate(RESIDENTS_CARS.items(), start=1):
                vehicle, _ = self.svc.register_vehicle(
                    c.RegisterVehicle(manager, car_park, plate, self.d.units[unit])
                )
                space = parking_id_for(self.d.estate_id, f"P{n:03d}")
                self.svc.issue_pass(
                    c.IssuePass(manager, vehicle, PassBilling.UNIT_ACCOUNT, first_of_month, space)
                )
            unit, plate = TENANT
            vehicle, _ = self.svc.register_vehicle(
                c.RegisterVehicle(manager, car_park, plate, self.d.units[unit])
            )
            self.svc.issue_pass(
                c.IssuePass(
                    manager,
                    vehicle,
                    PassBilling.PREPAID,
                    first_of_month,
                    months=3,
                    amount=Decimal("450.00"),
                    method=PaymentMethod.ONLINE,
                    reference="WX4200002026B402PASS",
                )
            )
            self.svc.block(c.BlockPlate(manager, car_park, BLOCKED, "rammed the barrier twice"))
        self.d.count("parking_passes", len(RESIDENTS_CARS) + 1)
        parked: dict[str, UUID] = {}  # plate -> the session of its last entry
        with self.d.as_user("hvg.gate"):
            for clock, plate, direction, paid in DAY:
                moment = self.local(self.day, clock)
                if direction == "release":  # the guard closes what the camera lost
                    lost = c.ReleaseSession(gate, parked[plate], LOST)
                    with self.at(moment):
                        self.svc.release(lost)
                    continue
                if direction == "no_entry":  # down at the exit, until the guard lets it out
                    self.let_out(gate, car_park, plate, moment)
                    continue
                with self.at(moment):
                    seen = c.GateEvent(gate, car_park, plate, "East gate", c.Direction(direction))
                    decision = self.svc.gate(seen)
                if decision.session_id is not None:
                    parked[plate] = decision.session_id
                if paid is None or decision.session_id is None:
                    continue
                reference = f"WX{moment:%Y%m%d%H%M}{plate[-4:]}" if paid == "online" else None
                with self.at(moment + timedelta(minutes=1)):
                    self.svc.pay(
                        c.PayParking(gate, decision.session_id, PaymentMethod(paid), reference)
                    )
                with self.at(moment + timedelta(minutes=2)):
                    self.svc.gate(seen)
                self.d.count("parking_fees_paid")
        self.d.count("parking_gate_events", len(DAY))

    def let_out(self, gate: Actor, car_park: UUID, plate: str, moment: datetime) -> None:
        with self.at(moment):
            out = c.GateEvent(gate, car_park, plate, "East gate", c.Direction.OUT)
            assert self.svc.gate(out).status == "no_entry"
        with self.at(moment + timedelta(minutes=2)):
            self.svc.let_out_without_entry(
                c.LetOutWithoutEntry(
                    gate,
                    car_park,
                    plate,
                    "East gate",
                    UNSEEN,
                    ExitCharge.ESTIMATED_ENTRY,
                    entered_at=self.local(self.day, "21:10"),
                    method=PaymentMethod.CASH,
                )
            )
        self.d.count("parking_fees_paid")
