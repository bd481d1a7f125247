"""``estatelog demo``: load a demo estate through the ordinary commands.

Everything here goes through the application services on the container, as
the HTTP routes do: no read-model table is written directly, every event
carries the usual metadata (actor role ``demo``, one correlation ID for the
whole load, and the acting user where a person acts). Where a command needs
a read model (does this estate exist, which alarms are due), the demo brings
the side-effect-free read models up to date itself, so it works with or
without a running projector; notifications are left to the real outbox.

The demo estate is Harbour View Gardens (code ``HVG``). Its ID derives from
the code, so a second load finds it and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from application.actor import Actor
from application.context import CommandContext, acting
from application.equipment.commands import (
    ChangeStatus,
    HandleAlarm,
    IngestReadings,
    OpenAlarmWorkOrder,
    RegisterEquipment,
)
from application.workorders.commands import (
    AfterWork,
    AssignOrder,
    CloseOrder,
    CompleteOrder,
    CreatePlan,
    RateOrder,
    SubmitOrder,
    TriageOrder,
    WorkOn,
    WorkOnWithReason,
)
from domain.approvals.approval import ApprovalStatus
from domain.approvals.rules import Urgency
from domain.community.announcement import Announcement
from domain.community.service_request import Category as ServiceCategory
from domain.community.service_request import ServiceRequest
from domain.community.survey import SubjectKind
from domain.equipment.rules import Metric, Reading
from domain.identity.policy import AUTHENTICATED_BASELINE, Role
from domain.registry.ids import building_id_for, estate_id_for, unit_id_for
from interfaces.cli.demo_finance import FinanceDemo
from projections.runtime import Projector

if TYPE_CHECKING:
    from bootstrap import Container

ESTATE_CODE = "HVG"
ESTATE_NAME = "Harbour View Gardens"
ESTATE_ADDRESS = "88 Harbour Road, Pudong, Shanghai"
USER_AGENT = "estatelog demo"


class DemoError(Exception):
    """The demo cannot be loaded into this store (the message says why)."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    note: str


@dataclass
class DemoSummary:
    estate_id: UUID
    loaded: bool  # False: the demo estate was there already, nothing was added
    accounts: list[DemoAccount] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    position: int = 0
    seconds: float = 0.0


# ---- the cast ----------------------------------------------------------------

# username, display name, role, what they do in the demo
STAFF: tuple[tuple[str, str, Role, str], ...] = (
    ("hvg.manager", "Chen Wei", Role.PROPERTY_MANAGER, "property manager of the estate"),
    ("hvg.deputy", "Guo Hong", Role.PROPERTY_MANAGER, "deputy manager (approves announcements)"),
    ("hvg.tech.li", "Li Qiang", Role.TECHNICIAN, "technician"),
    ("hvg.tech.zhao", "Zhao Min", Role.TECHNICIAN, "technician (lift crew)"),
    ("hvg.service", "Sun Li", Role.CUSTOMER_SERVICE, "customer-service clerk (front desk)"),
    ("hvg.finance", "Zhou Hui", Role.FINANCE, "finance clerk"),
    ("hvg.auditor", "Wu Fang", Role.AUDITOR, "auditor (reads everything)"),
    ("hvg.director", "He Jian", Role.ADMIN, "regional director (last approval level)"),
)

# username, name, building, unit, relation, moved in, phone
RESIDENTS: tuple[tuple[str, str, str, str, str, date, str], ...] = (
    ("hvg.linyu", "Lin Yu", "A", "101", "owner", date(2023, 6, 18), "13800000101"),
    ("hvg.wangfang", "Wang Fang", "A", "302", "owner", date(2015, 3, 1), "13800000302"),
    ("hvg.wanglei", "Wang Lei", "A", "302", "resident", date(2015, 3, 1), "13800000303"),
    ("hvg.zhangwei", "Zhang Wei", "A", "501", "owner", date(2016, 7, 15), "13800000501"),
    ("hvg.liuyang", "Liu Yang", "B", "202", "owner", date(2017, 5, 20), "13800000202"),
    ("hvg.chenjing", "Chen Jing", "B", "402", "tenant", date(2024, 2, 1), "13800000402"),
    ("hvg.yangxue", "Yang Xue", "B", "601", "owner", date(2018, 10, 10), "13800000601"),
    ("hvg.huangli", "Huang Li", "B", "801", "owner", date(2019, 4, 1), "13800000801"),
    ("hvg.zhouming", "Zhou Ming", "C", "101", "owner", date(2020, 8, 8), "13800000111"),
    ("hvg.xuna", "Xu Na", "C", "302", "owner", date(2021, 1, 15), "13800000312"),
)

BUILDINGS = (("A", "Tower A", 18), ("B", "Tower B", 18), ("C", "Harbour Podium C", 5))


def units_csv() -> bytes:
    """46 units: two towers of 8 x 2 flats, a podium with shops, flats and storage."""
    rows = ["building,number,floor,gross_area,internal_area,use"]
    for building in ("A", "B"):
        for floor in range(1, 9):
            rows.append(f"{building},{floor}01,{floor},89.50,72.30,residential")
            rows.append(f"{building},{floor}02,{floor},120.00,98.60,residential")
    for shop in range(1, 5):
        rows.append(f"C,G0{shop},0,{60 + 5 * shop}.00,{52 + 4 * shop}.50,commercial")
    for floor in range(1, 5):
        rows.append(f"C,{floor}01,{floor},75.20,61.80,residential")
        rows.append(f"C,{floor}02,{floor},105.40,86.90,residential")
    rows.append("C,S01,-1,12.00,10.50,storage")
    rows.append("C,S02,-1,12.00,10.50,storage")
    return ("\n".join(rows) + "\n").encode()


def usernames() -> list[str]:
    return [s[0] for s in STAFF] + [r[0] for r in RESIDENTS]


def accounts() -> list[tuple[str, str]]:
    """(username, display name) of every demo account."""
    return [(s[0], s[1]) for s in STAFF] + [(r[0], r[1]) for r in RESIDENTS]


def demo_estate_exists(container: Container) -> bool:
    try:
        container.event_log.repository.get(estate_id_for(ESTATE_CODE))
    except AggregateNotFoundError:
        return False
    return True


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


def load_demo(container: Container, *, password: str, now: datetime) -> DemoSummary:
    """Load the demo estate; nothing at all if it is there already.

    ``password`` becomes every demo account's password; ``now`` (aware) is the
    moment the telemetry and the scheduled jobs are timed from. Raises
    :class:`DemoError` when a demo username is taken by someone else.
    """
    if now.tzinfo is None:
        raise DemoError("now: a time with its time zone")
    estate_id = estate_id_for(ESTATE_CODE)
    if not check_loadable(container):
        return DemoSummary(estate_id=estate_id, loaded=False)
    started = time.monotonic()
    loader = _Loader(container, password, now)
    with acting(loader.context(None)):
        loader.run()
    summary = DemoSummary(
        estate_id=estate_id,
        loaded=True,
        accounts=loader.accounts,
        counts=loader.counts,
        position=container.event_log.head(),
    )
    summary.seconds = time.monotonic() - started
    return summary


def _guard(_: UUID) -> None:
    """The demo acts with the rights of the people it names: no estate check."""


class _Loader:
    def __init__(self, container: Container, password: str, now: datetime) -> None:
        self.c = container
        self.password = password
        self.now = now
        self.today = now.date()
        self.correlation_id = uuid4()
        self.accounts: list[DemoAccount] = []
        self.counts: dict[str, int] = {}
        self.users: dict[str, UUID] = {}
        self.units: dict[tuple[str, str], UUID] = {}
        self.equipment: dict[str, UUID] = {}
        self.alarms: dict[str, UUID] = {}
        self.orders: dict[str, UUID] = {}
        self.estate_id = estate_id_for(ESTATE_CODE)
        # The side-effect-free read models, brought up to date by the demo
        # itself when a command needs one; notifications stay with the outbox.
        self.read_models = Projector(
            container.event_log,
            container.pool,
            [
                p
                for p in container.projector.projections
                if not getattr(p, "has_side_effects", False)
            ],
        )

    # ---- helpers -------------------------------------------------------------

    def context(self, actor_id: UUID | None) -> CommandContext:
        return CommandContext(
            actor_id=actor_id,
            actor_role="demo",
            correlation_id=self.correlation_id,
            user_agent=USER_AGENT,
        )

    @contextmanager
    def as_user(self, username: str) -> Iterator[UUID]:
        user_id = self.users[username]
        with acting(self.context(user_id)):
            yield user_id

    def actor(self, username: str) -> Actor:
        """The demo user as a command's actor, with the permissions a session of theirs has."""
        user = self.c.identity.get(self.users[username])
        return Actor(
            user_id=user.id,
            username=user.username,
            role=user.primary_role,
            permissions=user.permissions | AUTHENTICATED_BASELINE,
            session_id="demo",
            estates=user.estates,
        )

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def settle(self) -> None:
        self.read_models.catch_up()

    def run(self) -> None:
        self.registry()
        self.people()
        self.settle()
        self.equipment_and_alarms()
        self.work_orders()
        self.settle()
        self.maintenance()
        self.community()
        self.notifications()
        self.settle()
        FinanceDemo(self).run()
        self.settle()
        self.later()
        self.settle()

    # ---- registry ----------------------------------------------------------------

    def registry(self) -> None:
        reg = self.c.registry
        reg.register_estate(code=ESTATE_CODE, name=ESTATE_NAME, address=ESTATE_ADDRESS)
        for code, name, floors in BUILDINGS:
            reg.register_building(self.estate_id, _guard, code=code, name=name, floors=floors)
        self.count("buildings", len(BUILDINGS))
        done = reg.import_units(self.estate_id, _guard, units_csv(), "csv")
        self.count("units", done.units)
        for line in units_csv().decode().splitlines()[1:]:
            building, number = line.split(",")[:2]
            self.units[(building, number)] = unit_id_for(
                building_id_for(self.estate_id, building), number
            )
        spaces: list[UUID] = []
        for n in range(1, 13):
            kind = "accessible" if n == 11 else "ev_charging" if n in (9, 10) else "standard"
            space = reg.register_parking(
                self.estate_id, _guard, code=f"P{n:03d}", level="B1", kind=kind
            )
            spaces.append(space.id)
        self.count("parking_spaces", len(spaces))
        for space_id, unit in zip(
            spaces,
            [("A", "101"), ("A", "302"), ("A", "501"), ("B", "202"), ("B", "601")],
            strict=False,
        ):
            reg.assign_parking(space_id, _guard, unit_id=self.units[unit])

    # ---- people and accounts ----------------------------------------------------

    def register_user(self, username: str, name: str, role: Role, note: str) -> UUID:
        user_id, _ = self.c.identity.register(
            username=username, password=self.password, display_name=name, roles=[role]
        )
        self.users[username] = user_id
        self.accounts.append(DemoAccount(username, name, str(role), note))
        return user_id

    def people(self) -> None:
        reg, identity = self.c.registry, self.c.identity
        for username, name, role, note in STAFF:
            user_id = self.register_user(username, name, role, note)
            if role not in (Role.AUDITOR, Role.ADMIN):
                identity.assign_estate(user_id, self.estate_id)
        self.count("staff", len(STAFF))

        # History without logins: the first owner of A-101 sold it to Lin Yu;
        # a tenant of B-402 moved out before Chen Jing moved in.
        previous_owner = reg.register_person(
            self.estate_id, _guard, name="Huang Jun", phone="13900000101"
        ).id
        reg.move_in(
            self.units[("A", "101")],
            _guard,
            person_id=previous_owner,
            relation="owner",
            on=date(2014, 9, 1),
        )
        earlier_tenant = reg.register_person(self.estate_id, _guard, name="Ma Chao").id
        reg.move_in(
            self.units[("B", "402")],
            _guard,
            person_id=earlier_tenant,
            relation="tenant",
            on=date(2021, 3, 1),
        )
        reg.move_out(
            self.units[("B", "402")], _guard, person_id=earlier_tenant, on=date(2023, 12, 31)
        )
        people = 2
        for n, (username, name, building, unit, relation, on, phone) in enumerate(RESIDENTS):
            user_id = self.register_user(
                username, name, Role.OWNER, f"{relation} of {building}-{unit}"
            )
            person_id = reg.register_person(
                self.estate_id,
                _guard,
                name=name,
                phone=phone,
                national_id=f"31011519{80 + n:02d}0101{1000 + n:04d}",
                user_id=user_id,
            ).id
            people += 1
            unit_id = self.units[(building, unit)]
            if username == "hvg.linyu":
                reg.transfer_ownership(unit_id, _guard, new_owner_ids=[person_id], on=on)
            else:
                reg.move_in(unit_id, _guard, person_id=person_id, relation=relation, on=on)
        self.count("residents", len(RESIDENTS))
        self.count("people", people)

    # ---- equipment, telemetry, alarms ---------------------------------------------

    def equipment_and_alarms(self) -> None:
        eq = self.c.equipment
        b = {code: building_id_for(self.estate_id, code) for code, _, _ in BUILDINGS}
        catalogue: tuple[tuple[str, str, str, str, str | None, date, str, str], ...] = (
            # key, kind, name, model, building, installed, vendor, location
            (
                "lift-a1",
                "elevator",
                "Tower A lift 1",
                "Gen2 MR",
                "A",
                date(2012, 5, 10),
                "Otis",
                "Tower A core, car 1",
            ),
            (
                "lift-a2",
                "elevator",
                "Tower A lift 2",
                "Gen2 MR",
                "A",
                date(2012, 5, 10),
                "Otis",
                "Tower A core, car 2",
            ),
            (
                "lift-b1",
                "elevator",
                "Tower B lift 1",
                "MonoSpace 500",
                "B",
                date(2016, 9, 1),
                "KONE",
                "Tower B core, car 1",
            ),
            (
                "lift-b2",
                "elevator",
                "Tower B lift 2",
                "MonoSpace 500",
                "B",
                date(2016, 9, 1),
                "KONE",
                "Tower B core, car 2",
            ),
            (
                "lift-c1",
                "elevator",
                "Podium C lift",
                "3300",
                "C",
                date(2019, 11, 20),
                "Schindler",
                "Podium C lobby",
            ),
            (
                "fire",
                "fire_system",
                "Fire alarm control panel",
                "FX-3NET",
                "C",
                date(2012, 4, 1),
                "Notifier",
                "Security room, Podium C ground floor",
            ),
            (
                "pump-1",
                "pump",
                "Booster pump 1",
                "CR 45",
                None,
                date(2012, 3, 15),
                "Grundfos",
                "Basement B2 pump room",
            ),
            (
                "pump-2",
                "pump",
                "Booster pump 2",
                "CR 45",
                None,
                date(2020, 6, 1),
                "Grundfos",
                "Basement B2 pump room",
            ),
            (
                "meter-main",
                "meter",
                "Main power meter",
                "DTSD341",
                None,
                date(2018, 1, 8),
                "Chint",
                "Substation",
            ),
            (
                "meter-b",
                "meter",
                "Tower B power meter",
                "DTSD341",
                "B",
                date(2021, 3, 2),
                "Chint",
                "Tower B switch room",
            ),
            (
                "hvac-c",
                "hvac",
                "Podium C air handler",
                "AHU-39",
                "C",
                date(2019, 7, 1),
                "Carrier",
                "Podium C roof",
            ),
        )
        for key, kind, name, model, building, installed, vendor, location in catalogue:
            self.equipment[key], _ = eq.register(
                RegisterEquipment(
                    self.actor("hvg.manager"),
                    estate_id=self.estate_id,
                    kind=kind,
                    name=name,
                    model=model,
                    serial_number=f"HVG-{key.upper()}-{installed.year}",
                    location=location,
                    building_id=b[building] if building else None,
                    installed_on=installed,
                    vendor=vendor,
                    warranty_until=installed.replace(year=installed.year + 5),
                )
            )
        self.count("equipment", len(catalogue))

        now = self.now
        readings: list[Reading] = []
        # Normal operation: energy, temperatures and pressures over the last hours.
        for hours_ago in range(6, 0, -1):
            at = now - timedelta(hours=hours_ago, minutes=7)
            for key in ("lift-a1", "lift-b2", "lift-c1"):
                readings.append(self.reading(key, at, Metric.ENERGY, "3.2"))
                readings.append(self.reading(key, at, Metric.TEMPERATURE, "27.5"))
            readings.append(self.reading("pump-2", at, Metric.WATER_PRESSURE, "0.62"))
            readings.append(self.reading("pump-2", at, Metric.LEVEL, "71"))
            readings.append(self.reading("meter-b", at, Metric.ENERGY, "41.7"))
            readings.append(self.reading("meter-b", at, Metric.VOLTAGE, "226"))
            readings.append(self.reading("hvac-c", at, Metric.TEMPERATURE, "24.1"))
            readings.append(self.reading("fire", at, Metric.WATER_PRESSURE, "0.45"))
        for key in ("lift-a1", "lift-a2", "lift-b1", "lift-b2", "lift-c1"):
            readings.append(self.state(key, now - timedelta(hours=6, minutes=30), "idle"))
        self.ingest(readings)

        # Escalated: booster pump 1 over pressure two hours ago, nobody looked.
        self.alarms["pump_pressure"] = self.ingest(
            [self.reading("pump-1", now - timedelta(hours=2), Metric.WATER_PRESSURE, "1.32")]
        )[0]
        # Acknowledged: a fault on the fire panel, still active.
        self.alarms["fire_fault"] = self.ingest(
            [self.state("fire", now - timedelta(minutes=40), "fault")]
        )[0]
        with self.as_user("hvg.tech.li"):
            eq.acknowledge(HandleAlarm(self.actor("hvg.tech.li"), self.alarms["fire_fault"]))
        # Cleared: the main meter's voltage dipped and came back, then acknowledged.
        self.alarms["meter_voltage"] = self.ingest(
            [self.reading("meter-main", now - timedelta(hours=5), Metric.VOLTAGE, "251")]
        )[0]
        self.ingest([self.reading("meter-main", now - timedelta(hours=4), Metric.VOLTAGE, "229")])
        with self.as_user("hvg.tech.li"):
            eq.acknowledge(HandleAlarm(self.actor("hvg.tech.li"), self.alarms["meter_voltage"]))
        # Cleared by the readings: a trapped passenger, freed, acknowledged on site.
        self.alarms["lift_trapped"] = self.ingest(
            [self.state("lift-b1", now - timedelta(hours=3), "trapped_passenger")]
        )[0]
        with self.as_user("hvg.tech.zhao"):
            eq.acknowledge(HandleAlarm(self.actor("hvg.tech.zhao"), self.alarms["lift_trapped"]))
        self.ingest([self.state("lift-b1", now - timedelta(hours=2, minutes=45), "idle")])
        # Opened a work order: Tower A lift 2 moved with its door open; out of service.
        self.alarms["lift_door"] = self.ingest(
            [self.state("lift-a2", now - timedelta(minutes=25), "door_open_while_moving")]
        )[0]
        with self.as_user("hvg.manager"):
            manager = self.actor("hvg.manager")
            eq.acknowledge(HandleAlarm(manager, self.alarms["lift_door"]))
            self.orders["alarm"], _ = eq.open_work_order(
                OpenAlarmWorkOrder(
                    manager,
                    self.alarms["lift_door"],
                    title="Tower A lift 2: door open while moving",
                    description="Car moved with the landing door open at 12F. Lift taken out of "
                    "service; inspect the door lock and controller.",
                )
            )
            eq.change_status(
                ChangeStatus(
                    manager,
                    self.equipment["lift-a2"],
                    "out_of_service",
                    "door fault, awaiting repair",
                )
            )
        # Open: the podium air handler is running warm (a warning, 4 h to escalate).
        self.alarms["hvac_warm"] = self.ingest(
            [self.reading("hvac-c", now - timedelta(minutes=2), Metric.TEMPERATURE, "36.5")]
        )[0]
        self.count("alarms", len(self.alarms))

    def reading(self, key: str, at: datetime, metric: Metric, value: str) -> Reading:
        return Reading(self.equipment[key], at, metric, value=Decimal(value))

    def state(self, key: str, at: datetime, state: str) -> Reading:
        return Reading(self.equipment[key], at, Metric.STATE, state=state)

    def ingest(self, readings: list[Reading]) -> list[UUID]:
        # the estate's gateway feeds the readings, as the manager's devices
        result = self.c.equipment.ingest(IngestReadings(self.actor("hvg.manager"), readings))
        if result.rejected:
            raise DemoError(f"telemetry refused: {result.rejected[:3]}")
        self.count("readings", result.stored)
        return list(result.alarms_raised)

    # ---- work orders ---------------------------------------------------------------

    def work_orders(self) -> None:
        wo = self.c.workorders
        li, zhao = self.users["hvg.tech.li"], self.users["hvg.tech.zhao"]

        def by_resident(username: str, unit: tuple[str, str], title: str, text: str) -> UUID:
            with self.as_user(username):
                order_id, _ = wo.submit(
                    SubmitOrder(self.actor(username), title, text, unit_id=self.units[unit])
                )
            return order_id

        def by_staff(title: str, text: str, equipment: str | None = None) -> UUID:
            with self.as_user("hvg.service"):
                order_id, _ = wo.submit(
                    SubmitOrder(
                        self.actor("hvg.service"),
                        title,
                        text,
                        estate_id=self.estate_id,
                        equipment_id=self.equipment[equipment] if equipment else None,
                    )
                )
            return order_id

        def triage(order_id: UUID, category: str, priority: str) -> None:
            with self.as_user("hvg.service"):
                wo.triage(TriageOrder(self.actor("hvg.service"), order_id, category, priority))

        def assign(order_id: UUID, technician: UUID) -> None:
            with self.as_user("hvg.manager"):
                wo.assign(AssignOrder(self.actor("hvg.manager"), order_id, technician))

        def work(order_id: UUID, technician: str, *steps: str) -> None:
            with self.as_user(technician):
                for step in steps:
                    getattr(wo, step)(WorkOn(self.actor(technician), order_id))

        # submitted
        self.orders["submitted"] = by_resident(
            "hvg.zhangwei", ("A", "501"), "Leaking kitchen tap", "The kitchen tap drips all night."
        )
        # triaged
        self.orders["triaged"] = by_resident(
            "hvg.yangxue", ("B", "601"), "Noisy bathroom fan", "The extractor fan rattles."
        )
        triage(self.orders["triaged"], "hvac", "normal")
        # assigned (and, at the later moment, past its respond-by time)
        self.orders["assigned"] = by_staff(
            "Corridor light flickering, Tower B 5F", "Two ceiling lights flicker by the lifts."
        )
        triage(self.orders["assigned"], "electrical", "high")
        assign(self.orders["assigned"], li)
        # urgent, assigned and not accepted: misses its 30-minute respond SLA
        self.orders["urgent"] = by_resident(
            "hvg.huangli",
            ("B", "801"),
            "Water coming through the ceiling",
            "Water drips from the bathroom ceiling; the flat above is empty.",
        )
        triage(self.orders["urgent"], "plumbing", "urgent")
        assign(self.orders["urgent"], zhao)
        # in progress: the lift door order opened from the alarm
        triage(self.orders["alarm"], "elevator", "urgent")
        assign(self.orders["alarm"], zhao)
        work(self.orders["alarm"], "hvg.tech.zhao", "accept", "start")
        # on hold, waiting for parts
        self.orders["on_hold"] = by_staff(
            "Booster pump 1 seal weeping",
            "Water around the shaft seal of booster pump 1.",
            equipment="pump-1",
        )
        triage(self.orders["on_hold"], "plumbing", "normal")
        assign(self.orders["on_hold"], li)
        work(self.orders["on_hold"], "hvg.tech.li", "accept", "start")
        with self.as_user("hvg.tech.li"):
            wo.hold(
                WorkOnWithReason(
                    self.actor("hvg.tech.li"),
                    self.orders["on_hold"],
                    "mechanical seal ordered, delivery in 3 days",
                )
            )

        def complete(
            order_id: UUID, technician: str, done: str, parts: list[dict[str, Any]], hours: str
        ) -> None:
            with self.as_user(technician):
                wo.complete(
                    CompleteOrder(
                        self.actor(technician),
                        order_id,
                        work_done=done,
                        parts=parts,
                        labour_hours=Decimal(hours),
                        currency="CNY",
                    )
                )

        # completed and rated, then closed by the resident, who answers the survey
        self.orders["closed"] = by_resident(
            "hvg.wangfang", ("A", "302"), "Kitchen sink blocked", "The sink drains very slowly."
        )
        triage(self.orders["closed"], "plumbing", "high")
        assign(self.orders["closed"], li)
        work(self.orders["closed"], "hvg.tech.li", "accept", "start")
        complete(
            self.orders["closed"],
            "hvg.tech.li",
            "Cleared the trap, replaced two seals",
            [{"name": "P-trap seal", "qty": "2", "unit_cost": "18.50"}],
            "1.5",
        )
        with self.as_user("hvg.wangfang") as wang:
            wang_actor = self.actor("hvg.wangfang")
            wo.rate(RateOrder(wang_actor, self.orders["closed"], 5, "Quick and tidy, thank you"))
            wo.close(CloseOrder(wang_actor, self.orders["closed"]))
            self.c.community.answer_survey(
                subject_kind=SubjectKind.WORK_ORDER,
                subject_id=self.orders["closed"],
                by=wang,
                scores={"overall": 5, "timeliness": 5, "attitude": 5, "quality": 4},
                comment="Came the same afternoon",
            )
        # rated
        self.orders["rated"] = by_resident(
            "hvg.liuyang", ("B", "202"), "Front door lock sticks", "The key turns only with force."
        )
        triage(self.orders["rated"], "security", "normal")
        assign(self.orders["rated"], zhao)
        work(self.orders["rated"], "hvg.tech.zhao", "accept", "start")
        complete(
            self.orders["rated"],
            "hvg.tech.zhao",
            "Replaced the lock cylinder",
            [
                {"name": "lock cylinder", "qty": "1", "unit_cost": "185.00"},
                {"name": "keys", "qty": "3", "unit_cost": "12.00"},
            ],
            "0.75",
        )
        with self.as_user("hvg.liuyang"):
            wo.rate(
                RateOrder(
                    self.actor("hvg.liuyang"),
                    self.orders["rated"],
                    4,
                    "Works now; came a day later than promised",
                )
            )
        # completed, waiting for the requester (staff) to close it
        self.orders["completed"] = by_staff(
            "Lobby door closer, Tower A",
            "The glass door slams shut.",
        )
        triage(self.orders["completed"], "structural", "low")
        assign(self.orders["completed"], li)
        work(self.orders["completed"], "hvg.tech.li", "accept", "start")
        complete(
            self.orders["completed"],
            "hvg.tech.li",
            "Adjusted and re-oiled the closer",
            [],
            "0.5",
        )
        # cancelled by the resident: a duplicate
        self.orders["cancelled"] = by_resident(
            "hvg.zhangwei", ("A", "501"), "Tap leaking (again)", "Sent twice, sorry."
        )
        with self.as_user("hvg.zhangwei"):
            wo.cancel(
                AfterWork(
                    self.actor("hvg.zhangwei"),
                    self.orders["cancelled"],
                    "duplicate of my earlier request",
                )
            )
        self.count("work_orders", len(self.orders))

    # ---- preventive maintenance -----------------------------------------------------

    def maintenance(self) -> None:
        wo = self.c.workorders
        with self.as_user("hvg.manager"):
            manager = self.actor("hvg.manager")
            wo.create_plan(
                CreatePlan(
                    manager,
                    estate_id=self.estate_id,
                    title="Lift monthly inspection",
                    equipment_id=None,
                    equipment_kind="elevator",
                    interval_days=30,
                    checklist=["brakes", "door locks and sensors", "emergency phone", "ropes"],
                    team="lift crew",
                    technician_id=self.users["hvg.tech.zhao"],
                    priority="normal",
                    first_due_on=self.today,
                )
            )
            wo.create_plan(
                CreatePlan(
                    manager,
                    estate_id=self.estate_id,
                    title="Fire panel quarterly test",
                    equipment_id=self.equipment["fire"],
                    equipment_kind=None,
                    interval_days=90,
                    checklist=["battery", "detector loop", "sounders", "log book"],
                    team="fire safety",
                    technician_id=self.users["hvg.tech.li"],
                    priority="high",
                    first_due_on=self.today + timedelta(days=45),
                )
            )
        self.count("maintenance_plans", 2)
        self.settle()
        with acting(self.context(None)):
            self.count("work_orders", self.c.workorders.open_due_plans(self.now))

    # ---- approvals, service requests, complaints, announcements -----------------------

    def decide(self, approval_id: UUID, requester: UUID, levels: int | None = None) -> None:
        """Approve level by level as the staff member holding each level's role."""
        approvals = self.c.approvals
        by_role = {
            "customer_service": ["hvg.service"],
            "property_manager": ["hvg.manager", "hvg.deputy"],
            "admin": ["hvg.director"],
        }
        decided = 0
        while levels is None or decided < levels:
            approval = approvals.get(approval_id)
            if approval.status is not ApprovalStatus.PENDING:
                return
            role = str(approval.levels[approval.current]["role"])
            candidates = [*by_role.get(role, []), "hvg.director"]
            username = next(u for u in candidates if self.users[u] != requester)
            with self.as_user(username) as user_id:
                approvals.approve(approval_id, user_id, "fine by me")
            decided += 1

    def community(self) -> None:
        cs = self.c.community
        clerk = self.users["hvg.service"]

        def request(
            username: str, unit: tuple[str, str], category: ServiceCategory, text: str
        ) -> UUID:
            with self.as_user(username) as user_id:
                cs.check_residence(user_id, self.estate_id, self.units[unit])
                request_id, _ = cs.submit_request(
                    estate_id=self.estate_id,
                    unit_id=self.units[unit],
                    category=category,
                    description=text,
                    urgency=Urgency.NORMAL,
                    requested_by=user_id,
                )
            return request_id

        # Through every approval level, scheduled, done, closed and surveyed.
        cleaning = request(
            "hvg.xuna",
            ("C", "302"),
            ServiceCategory.CLEANING,
            "Deep cleaning of the Podium C stairwell after the renovation next door",
        )
        with self.as_user("hvg.service"):
            cs.accept_request(cleaning, clerk)
        self.decide(self._approval_of(cleaning), self.users["hvg.xuna"])
        with self.as_user("hvg.service"):
            cs.schedule_request(
                cleaning, clerk, self.now + timedelta(days=1, hours=2), self.users["hvg.tech.li"]
            )
            cs.complete_request(cleaning, clerk, "stairwell cleaned, floors polished")
            cs.close_request(cleaning, clerk)
        with self.as_user("hvg.xuna") as xu:
            cs.answer_survey(
                subject_kind=SubjectKind.SERVICE_REQUEST,
                subject_id=cleaning,
                by=xu,
                scores={"overall": 4, "timeliness": 4},
                comment="Clean, but they came late",
            )
        # Waiting at the second level: in the managers' to-do lists.
        greening = request(
            "hvg.zhouming",
            ("C", "101"),
            ServiceCategory.GREENING,
            "Trim the camphor trees in front of Podium C; they block the light",
        )
        with self.as_user("hvg.service"):
            cs.accept_request(greening, clerk)
        self.decide(self._approval_of(greening), self.users["hvg.zhouming"], levels=1)
        # Just submitted, for the front desk.
        request(
            "hvg.chenjing",
            ("B", "402"),
            ServiceCategory.OTHER,
            "Please replace the broken mailbox lock of B-402",
        )
        self.count("service_requests", 3)

        # Complaints: one being handled, one confirmed resolved.
        with self.as_user("hvg.liuyang") as liu:
            noise, _ = cs.file_complaint(
                estate_id=self.estate_id,
                unit_id=self.units[("B", "202")],
                subject="Renovation noise after 20:00",
                description="Drilling in B-302 continues late into the evening.",
                complainant_id=liu,
            )
        with self.as_user("hvg.service"):
            cs.handle_complaint(noise, clerk, "assign", handler_id=clerk)
            cs.handle_complaint(
                noise,
                clerk,
                "respond",
                response="We have reminded B-302 of the quiet hours and will check tonight.",
            )
        with self.as_user("hvg.wanglei") as wang:
            parcel, _ = cs.file_complaint(
                estate_id=self.estate_id,
                unit_id=self.units[("A", "302")],
                subject="Parcel left outside in the rain",
                description="The front desk left my parcel outside the lobby.",
                complainant_id=wang,
            )
        with self.as_user("hvg.service"):
            cs.handle_complaint(parcel, clerk, "assign", handler_id=clerk)
            cs.handle_complaint(parcel, clerk, "respond", response="Sorry; we are looking into it.")
            cs.handle_complaint(
                parcel, clerk, "resolve", resolution="Parcels now go to the locker room."
            )
        with self.as_user("hvg.wanglei") as wang:
            cs.handle_complaint(parcel, wang, "confirm")
        self.count("complaints", 2)

        # An announcement: drafted, approved at every level, published.
        with self.as_user("hvg.manager") as manager:
            notice, _ = cs.draft_announcement(
                estate_id=self.estate_id,
                title="Water supply interruption on Saturday",
                body="Water will be off in Towers A and B on Saturday from 09:00 to 12:00 "
                "while the booster pumps are serviced. Please store some water in advance.",
                by=manager,
            )
            cs.submit_announcement(notice, manager)
        announcement = cs.get(Announcement, notice)
        assert announcement.approval_id is not None
        self.decide(announcement.approval_id, self.users["hvg.manager"])
        with self.as_user("hvg.manager") as manager:
            cs.publish_announcement(notice, manager)
        self.count("announcements", 1)

    def _approval_of(self, request_id: UUID) -> UUID:
        request = self.c.community.get(ServiceRequest, request_id)
        assert request.approval_id is not None
        return request.approval_id  # type: ignore[no-any-return]

    # ---- notifications ---------------------------------------------------------------

    def notifications(self) -> None:
        ns = self.c.notifications
        manager = self.users["hvg.manager"]
        with self.as_user("hvg.manager"):
            ns.set_preferences(
                manager, ["in_app", "email"], email="chen.wei@example.com", contacts_given=True
            )
            ns.schedule_reminder(
                manager,
                "Plan the autumn fire drill with the fire brigade",
                self.now + timedelta(minutes=10),
                "high",
            )
            ns.schedule_reminder(
                manager, "Review the lift maintenance contract", self.now + timedelta(days=14)
            )
            residents = ns.residents_of(self.estate_id)
            ns.send_message(
                manager,
                residents,
                "Lift A2 out of service",
                "Tower A lift 2 is out of service for repairs; please use lift 1.",
                "high",
                self.estate_id,
            )
        with self.as_user("hvg.linyu") as lin:
            ns.set_preferences(lin, ["in_app", "sms"], phone="13800000101", contacts_given=True)
            ns.schedule_reminder(lin, "Pay the parking fee", self.now + timedelta(days=3))
        self.count("reminders", 3)
        self.count("messages", 1)

    # ---- what happens while nobody looks -----------------------------------------------

    def later(self) -> None:
        """Run the scheduled jobs at later moments, as the scheduler would."""
        with acting(self.context(None)):
            self.count(
                "alarm_escalations",
                self.c.equipment.jobs.escalate_alarms(self.now + timedelta(minutes=20)),
            )
            self.count(
                "reminders_fired",
                self.c.notifications.fire_due_reminders(self.now + timedelta(minutes=20)),
            )
            self.count(
                "sla_breaches",
                self.c.workorders.detect_sla_breaches(self.now + timedelta(hours=3)),
            )
            self.c.equipment.jobs.summarise_readings(self.now)
