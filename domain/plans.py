"""What recurring plans share: they pause, resume and retire by the same rules.

A maintenance plan (``domain/workorders/plan.py``) and a patrol plan
(``domain/patrols/plan.py``) are ``active``, ``paused`` or ``retired``; a
paused plan makes nothing until it is resumed, a retired one never again.

The events stay each plan's own. The library names the event class of an
``@event`` method after the class whose body holds the decorator, and finds a
stored event's class again by that name (its topic,
``domain.patrols.plan:PatrolPlan.Paused``); the read models dispatch on it
too (``projections/events.py: kind_of``). A common ``Aggregate`` base holding
the decorated methods would record ``domain.plans:PlanLifecycle.Paused`` for
both plans. So the rules are a mixin of plain methods, and each plan's class
body takes fresh decorated methods from :func:`lifecycle_events`: its own
event classes, with the fields in the order they were always stored
(``tests/unit/plans/test_stored_plan_events.py``, decision 0065).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from domain.errors import InvalidTransition

ACTIVE, PAUSED, RETIRED = "active", "paused", "retired"


class PlanLifecycle:
    """``pause``, ``resume`` and ``retire`` for a plan whose class body holds
    ``_paused, _resumed, _retired = lifecycle_events(its status enum)``."""

    status: StrEnum
    _paused: Callable[..., None]
    _resumed: Callable[..., None]
    _retired: Callable[..., None]

    def pause(self, reason: str, at: datetime) -> None:
        if self.status != ACTIVE:
            raise InvalidTransition(f"cannot pause a {self.status} plan")
        self._paused(reason=reason, at=at)

    def resume(self, at: datetime) -> None:
        if self.status != PAUSED:
            raise InvalidTransition(f"cannot resume a {self.status} plan")
        self._resumed(at=at)

    def retire(self, reason: str, at: datetime) -> None:
        if self.status == RETIRED:
            raise InvalidTransition("already retired")
        self._retired(reason=reason, at=at)


def lifecycle_events(statuses: type[StrEnum]) -> tuple[Any, Any, Any]:
    """New ``@event`` methods ``Paused``, ``Resumed``, ``Retired`` for one plan
    class's body, setting its status to the ``statuses`` member of that name."""

    @event("Paused")
    def _paused(self: Any, reason: str, at: datetime) -> None:
        self.status = statuses(PAUSED)

    @event("Resumed")
    def _resumed(self: Any, at: datetime) -> None:
        self.status = statuses(ACTIVE)

    @event("Retired")
    def _retired(self: Any, reason: str, at: datetime) -> None:
        self.status = statuses(RETIRED)

    return _paused, _resumed, _retired
