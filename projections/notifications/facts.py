"""The notification read models' answers to notification commands
(``application/notifications/ports.py: NotificationFacts``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.notifications import queries


class NotificationFacts:
    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def addressee_estates(self, user_id: UUID) -> frozenset[UUID] | None:
        with self.pool.connection() as conn:
            return queries.addressee_estates(conn, user_id)

    def in_inbox(self, user_id: UUID, positions: Sequence[int]) -> set[int]:
        with self.pool.connection() as conn:
            return queries.in_inbox(conn, user_id, positions)

    def read_of(self, user_id: UUID, positions: Sequence[int]) -> set[int]:
        with self.pool.connection() as conn:
            return queries.read_of(conn, user_id, positions)

    def due_reminders(self, now: datetime, limit: int) -> list[UUID]:
        with self.pool.connection() as conn:
            return queries.due_reminders(conn, now, limit)
