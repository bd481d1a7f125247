"""Each user's in-app inbox: which notifications they have read.

Notifications are delivered by workers into a delivery ledger; reading them
is the user's act, so it is an event like any other.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

INBOX_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/inbox")


def inbox_id_for(user_id: UUID) -> UUID:
    return uuid5(INBOX_NAMESPACE, str(user_id))


class Inbox(Aggregate):
    @staticmethod
    def create_id(user_id: UUID, **_: Any) -> UUID:
        return inbox_id_for(user_id)

    @event("Opened")
    def __init__(self, user_id: UUID) -> None:
        self.user_id = user_id

    def mark_read(
        self, positions: list[int], at: datetime, already_read: Collection[int] = ()
    ) -> None:
        """Positions (of the events notified about) the user has now read.

        Those ``already_read`` are not marked again, and marking nothing new
        records nothing: a user who opens the same inbox page every day must
        not grow the log (and this aggregate's load) by an event a day. The
        inbox holds no state of its own beyond its user, so it stays small.
        """
        new = sorted(set(positions) - set(already_read))
        if new:
            self._read(user_id=self.user_id, positions=new, at=at)

    @event("NotificationsRead")
    def _read(self, user_id: UUID, positions: list[int], at: datetime) -> None:
        pass
