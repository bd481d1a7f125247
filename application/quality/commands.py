"""Data-quality commands (R7.5): each carries the actor who issues it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class RunQualityChecks:
    """Run every check over one estate and record the counts (``quality:run`` for it).

    ``month`` (``YYYY-MM``, default the current one) is the period the
    period-bound checks read (bills of the month); ``stale_days`` the age past
    which a facility record is stale (default 30).
    """

    actor: Actor
    estate_id: UUID
    month: str | None = None
    stale_days: int | None = None
