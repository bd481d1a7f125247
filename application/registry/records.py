"""What every registry handler shares: loading a record, authorizing the
actor on it, and saving a new one whose ID is derived from its code."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.actor import Actor
from application.errors import NotFound
from application.services import ServiceDeps, load
from domain.errors import InvalidTransition

A = TypeVar("A", bound=Aggregate)

READ = "registry:read"
MANAGE = "registry:manage"


class RegistryRecordNotFound(NotFound):
    """No such estate, building, unit, parking space or person (answers 404)."""


@dataclass(frozen=True)
class Created:
    id: UUID
    position: int


class Records:
    """The log and the facts a registry handler decides with."""

    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def load(self, aggregate_id: UUID, kind: type[A]) -> A:
        missing = RegistryRecordNotFound(f"no such {kind.__name__.lower()}")
        return load(self.deps.event_log, aggregate_id, kind, missing)

    def authorize(
        self, actor: Actor, estate_id: UUID, owned: Callable[[], bool] | None = None
    ) -> None:
        """The actor manages records of this estate. A record they may not even
        see is reported missing (another estate's ID reveals nothing); one they
        see as its occupant, but may not change, is forbidden. ``owned`` tells
        whether the record is the actor's own; it is asked only when the actor
        may not read the whole estate, so staff cost no look-up. By default: do
        they live in the estate?"""
        if not actor.may(READ, None, estate_id):
            own = owned() if owned is not None else self.lives_in(actor, estate_id)
            actor.check(READ, actor.user_id if own else None, estate_id)
        actor.require(MANAGE, None, estate_id)

    def lives_in(
        self,
        actor: Actor,
        estate_id: UUID,
        *,
        units: Collection[UUID | None] | None = None,
        building_id: UUID | None = None,
    ) -> bool:
        """Does the actor live now in the estate (in one of ``units``, or in the
        building, when given)? What makes a place their own to see."""
        homes = [
            unit
            for estate, unit in self.deps.registry.units_of_user(actor.user_id)
            if estate == estate_id and (units is None or unit in units)
        ]
        if building_id is None:
            return bool(homes)
        found = self.deps.event_log.load_many(homes)
        return any(getattr(u, "building_id", None) == building_id for u in found.values())

    def exists(self, *aggregate_ids: UUID) -> set[UUID]:
        """Which of these records the log holds (one query for all of them)."""
        return set(self.deps.event_log.load_many(list(aggregate_ids)))

    def save_new(self, aggregate: Aggregate, taken: str) -> Created:
        """Save a record whose ID its code decides: a second one is refused."""
        if self.exists(aggregate.id):
            raise InvalidTransition(taken)
        try:
            return Created(aggregate.id, self.deps.event_log.save_and_position(aggregate))
        except IntegrityError:
            raise InvalidTransition(taken) from None
