"""The demo loader's shared state and helpers; the parts of the load build on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from application.actor import SYSTEM_ACTOR, Actor
from application.context import CommandContext, acting
from application.equipment.commands import (
    IngestReadings,
)
from application.registry import commands as registry
from domain.approvals.approval import ApprovalStatus
from domain.community.service_request import ServiceRequest
from domain.equipment.rules import Metric, Reading
from domain.identity.policy import Role
from domain.registry.ids import building_id_for, estate_id_for, unit_id_for
from interfaces.cli.demo.cast import (
    BUILDINGS,
    ESTATE_ADDRESS,
    ESTATE_CODE,
    ESTATE_NAME,
    RESIDENTS,
    STAFF,
    USER_AGENT,
    units_csv,
)
from interfaces.importfiles import read_table
from projections.runtime import Projector

if TYPE_CHECKING:
    from bootstrap import Container


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


class LoaderBase:
    """What every part of the load shares: the container, the people and
    things made so far, and acting as one of them."""

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
        """The demo user as a command's actor: what an HTTP session of theirs would be."""
        return Actor.of(self.c.identity.get(self.users[username]), "demo")

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def settle(self) -> None:
        self.read_models.catch_up()

    # ---- registry ----------------------------------------------------------------

    def registry(self) -> None:
        reg = self.c.registry
        reg.register_estate(
            registry.RegisterEstate(SYSTEM_ACTOR, ESTATE_CODE, ESTATE_NAME, ESTATE_ADDRESS)
        )
        for code, name, floors in BUILDINGS:
            reg.register_building(
                registry.RegisterBuilding(SYSTEM_ACTOR, self.estate_id, code, name, floors)
            )
        self.count("buildings", len(BUILDINGS))
        done = reg.import_units(
            registry.ImportUnits(
                SYSTEM_ACTOR, self.estate_id, partial(read_table, units_csv(), "csv")
            )
        )
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
                registry.RegisterParking(SYSTEM_ACTOR, self.estate_id, f"P{n:03d}", "B1", kind)
            )
            spaces.append(space.id)
        self.count("parking_spaces", len(spaces))
        for space_id, unit in zip(
            spaces,
            [("A", "101"), ("A", "302"), ("A", "501"), ("B", "202"), ("B", "601")],
            strict=False,
        ):
            reg.assign_parking(registry.AssignParking(SYSTEM_ACTOR, space_id, self.units[unit]))

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
            registry.RegisterPerson(SYSTEM_ACTOR, self.estate_id, "Huang Jun", phone="13900000101")
        ).id
        reg.move_in(
            registry.MoveIn(
                SYSTEM_ACTOR, self.units[("A", "101")], previous_owner, "owner", date(2014, 9, 1)
            )
        )
        earlier_tenant = reg.register_person(
            registry.RegisterPerson(SYSTEM_ACTOR, self.estate_id, "Ma Chao")
        ).id
        reg.move_in(
            registry.MoveIn(
                SYSTEM_ACTOR, self.units[("B", "402")], earlier_tenant, "tenant", date(2021, 3, 1)
            )
        )
        reg.move_out(
            registry.MoveOut(
                SYSTEM_ACTOR, self.units[("B", "402")], earlier_tenant, date(2023, 12, 31)
            )
        )
        people = 2
        for n, (username, name, building, unit, relation, on, phone) in enumerate(RESIDENTS):
            user_id = self.register_user(
                username, name, Role.OWNER, f"{relation} of {building}-{unit}"
            )
            # The link is checked against the registry's read model as of the
            # log's head: bring it there first, or the check waits for it.
            self.settle()
            person_id = reg.register_person(
                registry.RegisterPerson(
                    SYSTEM_ACTOR,
                    self.estate_id,
                    name,
                    phone=phone,
                    national_id=f"31011519{80 + n:02d}0101{1000 + n:04d}",
                    user_id=user_id,
                )
            ).id
            people += 1
            unit_id = self.units[(building, unit)]
            if username == "hvg.linyu":
                reg.transfer_ownership(
                    registry.TransferOwnership(SYSTEM_ACTOR, unit_id, (person_id,), on)
                )
            else:
                reg.move_in(registry.MoveIn(SYSTEM_ACTOR, unit_id, person_id, relation, on))
        self.count("residents", len(RESIDENTS))
        self.count("people", people)

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

    def _approval_of(self, request_id: UUID) -> UUID:
        request = self.c.community.get(ServiceRequest, request_id)
        assert request.approval_id is not None
        return request.approval_id  # type: ignore[no-any-return]
