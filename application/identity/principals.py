"""The callers this process has worked out, kept while their user is unchanged.

A request's caller is an :class:`Actor` worked out from the user aggregate
for one session. Working it out needs the user as of the log: a round trip
to PostgreSQL on every request. Here the answer is kept per (user, session)
with the user's version it came from, and used again only while
``UserVersions`` (Redis, shared by every process) says the user is still at
that version; any save of the user changes it before the save answers, so a
logout, a password change, a disable or a revoked role made through any
process takes effect on the very next request (decision 0035). When the
version is unknown the user is read from the log, as without the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from uuid import UUID

from application.actor import Actor
from application.identity.ports import UserVersions
from domain.identity.user import User

#: Sessions kept; the least recently used goes first. An entry is an Actor
#: (a few hundred bytes), so the cache stays under a few megabytes.
MAX_SESSIONS = 10_000


class Principals:
    def __init__(self, versions: UserVersions | None, size: int = MAX_SESSIONS) -> None:
        self.versions = versions
        self.size = size
        self._kept: OrderedDict[tuple[UUID, str], tuple[int, Actor | None]] = OrderedDict()
        self._lock = threading.Lock()

    def actor(
        self, user_id: UUID, session_id: str, read: Callable[[], tuple[int, Actor | None]]
    ) -> Actor | None:
        """The session's caller (None once it ended): kept if the user is still at
        the version it was worked out from, else ``read()`` -> (version, actor)."""
        if self.versions is None:
            return read()[1]
        # The session's last written position comes with the version: no
        # round trip more (decision 0045).
        current, written = self.versions.current_and_written(user_id, session_id)
        slot = (user_id, session_id)
        if current is not None:
            with self._lock:
                kept = self._kept.get(slot)
                if kept is not None and kept[0] == current:
                    self._kept.move_to_end(slot)
                    return _having_written(kept[1], written)
        version, actor = read()
        with self._lock:
            self._kept[slot] = (version, actor)
            self._kept.move_to_end(slot)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return _having_written(actor, written)


def _having_written(actor: Actor | None, written: int) -> Actor | None:
    if actor is None or actor.written == written:
        return actor
    return replace(actor, written=written)


def version_and_actor(user: User, session_id: str) -> tuple[int, Actor | None]:
    """The caller of ``session_id`` and a version no newer than the state it
    was worked out from: the version is read first, and a user another thread
    fast-forwards meanwhile only gets newer."""
    version = user.version
    if not user.session_is_active(session_id):
        return version, None
    return version, Actor.of(user, session_id)
