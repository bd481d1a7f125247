"""The demo loader's shared state and helpers; the parts of the load build on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from application.actor import SYSTEM_ACTOR, Actor
from application.approvals.commands import Approve
from application.context import CommandContext, acting
from application.equipment.commands import IngestReadings
from application.errors import NotFound
from application.registry import commands as registry
from domain.equipment.rules import Metric, Reading
from domain.errors import InvalidTransition, NotEntitled
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
from interfaces.world import WorldBuilder
from projections.approvals.queries import approvals
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
        self.persons: dict[str, UUID] = {}  # the registry's person of each resident's login
        self.estate_id = estate_id_for(ESTATE_CODE)
        self.world = WorldBuilder(container, password)
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
        world = self.world
        world.estate(ESTATE_CODE, ESTATE_NAME, ESTATE_ADDRESS)
        for code, name, floors in BUILDINGS:
            world.building(self.estate_id, code, name, floors)
        self.count("buildings", len(BUILDINGS))
        self.count("units", world.units(self.estate_id, units_csv()).units)
        for line in units_csv().decode().splitlines()[1:]:
            building, number = line.split(",")[:2]
            self.units[(building, number)] = unit_id_for(
                building_id_for(self.estate_id, building), number
            )
        spaces: list[UUID] = []
        for n in range(1, 13):
            kind = "accessible" if n == 11 else "ev_charging" if n in (9, 10) else "standard"
            spaces.append(world.parking(self.estate_id, f"P{n:03d}", "B1", kind))
        self.count("parking_spaces", len(spaces))
        parked = [("A", "101"), ("A", "302"), ("A", "501"), ("B", "202"), ("B", "601")]
        for space_id, unit in zip(spaces, parked, strict=False):
            world.assign_parking(space_id, self.units[unit])

    # ---- people and accounts ----------------------------------------------------

    def register_user(
        self, username: str, name: str, role: Role, note: str, *estates: UUID
    ) -> UUID:
        user_id = self.world.user(username, role, *estates, display_name=name)
        self.users[username] = user_id
        self.accounts.append(DemoAccount(username, name, str(role), note))
        return user_id

    def people(self) -> None:
        world = self.world
        for username, name, role, note in STAFF:
            serves = () if role in (Role.AUDITOR, Role.ADMIN) else (self.estate_id,)
            self.register_user(username, name, role, note, *serves)
        self.count("staff", len(STAFF))

        # History without logins: the first owner of A-101 sold it to Lin Yu;
        # a tenant of B-402 moved out before Chen Jing moved in.
        previous_owner = world.person(self.estate_id, "Huang Jun", phone="13900000101")
        world.move_in(self.units[("A", "101")], previous_owner, "owner", date(2014, 9, 1))
        earlier_tenant = world.person(self.estate_id, "Ma Chao")
        world.move_in(self.units[("B", "402")], earlier_tenant, "tenant", date(2021, 3, 1))
        world.move_out(self.units[("B", "402")], earlier_tenant, date(2023, 12, 31))
        people = 2
        for n, (username, name, building, unit, relation, on, phone) in enumerate(RESIDENTS):
            user_id = self.register_user(
                username, name, Role.OWNER, f"{relation} of {building}-{unit}"
            )
            # The link is checked against the registry's read model as of the
            # log's head: bring it there first, or the check waits for it.
            self.settle()
            national_id = f"31011519{80 + n:02d}0101{1000 + n:04d}"
            person_id = world.person(
                self.estate_id, name, phone=phone, national_id=national_id, user_id=user_id
            )
            self.persons[username] = person_id
            people += 1
            unit_id = self.units[(building, unit)]
            if username == "hvg.linyu":
                self.c.registry.transfer_ownership(
                    registry.TransferOwnership(SYSTEM_ACTOR, unit_id, (person_id,), on)
                )
            else:
                world.move_in(unit_id, person_id, relation, on)
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
        """Approve level by level as the first staff member the level lets decide.

        The approval's own rules pick (the level's role, never the requester;
        the director decides any level): a refused step appends nothing, and
        a step refused as not pending means the approval is final."""
        approvers = ["hvg.service", "hvg.manager", "hvg.deputy", "hvg.director"]
        decided = 0
        while levels is None or decided < levels:
            for username in approvers:
                if self.users[username] == requester:
                    continue
                try:
                    with self.as_user(username):
                        self.c.approvals.decide(
                            Approve(self.actor(username), approval_id, "fine by me")
                        )
                except (NotEntitled, NotFound):
                    continue
                except InvalidTransition:
                    return
                break
            else:
                raise DemoError(f"nobody of the demo may decide approval {approval_id}")
            decided += 1

    def _approval_of(self, request_id: UUID) -> UUID:
        """The approval a service request opened, from the approvals read model."""
        self.settle()
        with self.c.pool.connection() as conn:
            [row] = approvals(
                conn, SYSTEM_ACTOR.reach("approvals:read"), filters={"subject_id": request_id}
            )
        return UUID(str(row["approval_id"]))
