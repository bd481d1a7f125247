"""What notification commands read from read models (answered by
``projections/notifications/facts.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID


class NotificationFacts(Protocol):
    def addressee_estates(self, user_id: UUID) -> frozenset[UUID] | None:
        """The estates a user belongs to (those they serve, and those they live
        in); None when there is no such user, or they are disabled."""
        ...

    def in_inbox(self, user_id: UUID, positions: Sequence[int]) -> set[int]:
        """Which of these positions are in-app notifications of the user."""
        ...

    def read_of(self, user_id: UUID, positions: Sequence[int]) -> set[int]:
        """Which of these positions the user has already marked read."""
        ...

    def due_reminders(self, now: datetime, limit: int) -> list[UUID]:
        """Reminders scheduled and due at ``now``, soonest first (candidates only)."""
        ...
