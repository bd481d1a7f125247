"""What the patrols jobs ask the context's read models: which plans may fall
due and which tasks may need watching. The read model may lag; each
candidate's aggregate decides (``projections/patrols/queries.py: DueWork``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class DueWork(Protocol):
    def active_plans(self) -> list[UUID]:
        """Every active plan (each decides whether a shift of it is due)."""
        ...

    def tasks_to_watch(self, now: datetime) -> list[UUID]:
        """Open tasks with a point overdue and not yet reported, or a shift over."""
        ...


class NoDueWork:
    """A context with no read model to ask (the unit tier): nothing falls due."""

    def active_plans(self) -> list[UUID]:
        return []

    def tasks_to_watch(self, now: datetime) -> list[UUID]:
        return []
