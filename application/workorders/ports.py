"""What the workorders jobs ask the context's read models: which orders and
plans may need a command now. The read model may lag; the aggregate each
candidate loads decides (``projections/workorders/queries.py: DueWork`` answers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from uuid import UUID


class DueWork(Protocol):
    def sla_breach_candidates(self, now: datetime) -> list[UUID]:
        """Open orders with a respond or resolve deadline passed and not yet recorded."""
        ...

    def due_plans(self, today: date) -> list[UUID]:
        """Active plans due on or before ``today``, soonest first."""
        ...


class NoDueWork:
    """A context with no read model to ask (the unit tier): nothing falls due."""

    def sla_breach_candidates(self, now: datetime) -> list[UUID]:
        return []

    def due_plans(self, today: date) -> list[UUID]:
        return []
