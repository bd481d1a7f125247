"""When each person's data was last erased, read from the log.

Names an older release wrote in clear stay in the log; whatever shows them
(the user directory, history, the audit trail) shows ``[erased]`` for one
recorded before the person's latest erasure, as of any moment, as sealed
data is unreadable in any build once its key is gone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from psycopg import Connection
from psycopg_pool import ConnectionPool

from domain.identity.user import User
from domain.registry.person import Person
from projections.log import EVENTS_TABLE

ERASURE_TOPICS = [
    get_topic(User.PersonalDataErased),  # type: ignore[attr-defined]
    get_topic(Person.PersonalDataErased),  # type: ignore[attr-defined]
]


def last_erasures(conn: Connection[Any], aggregate_ids: list[UUID]) -> dict[UUID, int]:
    """The position of each aggregate's latest ``PersonalDataErased``, for those erased."""
    if not aggregate_ids:
        return {}
    rows = conn.execute(
        f"SELECT originator_id, max(notification_id) FROM {EVENTS_TABLE} "
        "WHERE originator_id = ANY(%s) AND topic = ANY(%s) GROUP BY originator_id",
        [aggregate_ids, ERASURE_TOPICS],
    ).fetchall()
    return {row[0]: row[1] for row in rows}


class Erasures:
    """Asks the live log, whatever schema a read model is being built in."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def erased_after(self, subject_id: UUID, position: int) -> bool:
        return self.last_erasures([subject_id]).get(subject_id, 0) > position

    def last_erasures(self, subject_ids: list[UUID]) -> dict[UUID, int]:
        """:func:`last_erasures` of these subjects: one round trip for a batch."""
        with self._pool.connection() as conn:
            return last_erasures(conn, subject_ids)
