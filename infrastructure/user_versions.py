"""Each user's latest version in the log, in Redis, for every process (decision 0035).

A process keeps the callers it has worked out (``application/identity/
principals.py``) and uses one again only while Redis says the user is still
at the version it was worked out from. So Redis must never say a version
older than the log's once a save has answered:

- before a save that changes a user, its key is deleted (the save fails if
  Redis cannot be told: a key left behind could outlive the change);
- after the save has committed, the key is set to the saved version, unless
  it already holds a later one (two saves of one user may answer out of
  order);
- a follower of the log (the snapshotter) raises a key that is there and
  behind the log, never creating one: a save whose process died between its
  commit and its set, while an older save's set landed, would otherwise leave
  Redis a version behind until the key expired;
- no reader ever writes it. A missing key (never set, deleted before a save
  that then failed or whose process died before setting it, expired, Redis
  emptied) only means the caller is read from the log.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import redis
from eventsourcing.utils import get_topic

from domain.identity.user import User

PREFIX = "estatelog:user-version:"
#: A key outlives the access token it is read for (15 minutes) by far; it goes
#: by itself, so that a user who stopped coming back costs nothing.
TTL_SECONDS = 6 * 60 * 60

# Set the version unless a later one is there already.
_RAISE = """
local held = redis.call('GET', KEYS[1])
if held and tonumber(held) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


# The same, only for a key that is there: the follower never creates one.
_CATCH_UP = """
local held = redis.call('GET', KEYS[1])
if not held or tonumber(held) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
#: The topics of a user's events start so.
USER_TOPICS = f"{get_topic(User)}."


def key(user_id: UUID) -> str:
    return f"{PREFIX}{user_id}"


class RedisUserVersions:
    """The ``UserVersions`` port, and the event log's watcher of user saves."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def current(self, user_id: UUID) -> int | None:
        """The user's version as of the last save that answered; None if unknown."""
        try:
            held = self._redis.get(key(user_id))
        except redis.RedisError:
            return None  # then the caller is read from the log, as before the cache
        return int(held) if held is not None else None

    def watch(self, aggregates: Iterable[Any]) -> Callable[[], None]:
        """Forget the versions of the users about to be saved; what to call once
        the save has committed (it records their new versions)."""
        users = [a for a in aggregates if isinstance(a, User) and a.pending_events]
        if not users:
            return _nothing
        self._redis.delete(*(key(u.id) for u in users))

        def saved() -> None:
            # If it fails the keys stay deleted: the callers are read from the log.
            with contextlib.suppress(redis.RedisError):
                for user in users:
                    self._redis.eval(_RAISE, 1, key(user.id), user.version, TTL_SECONDS)

        return saved

    def caught_up(self, latest: Iterable[tuple[UUID, int, str]]) -> None:
        """Raise the keys that are behind these versions from the log (the
        snapshotter's watcher); keys that are not there stay so."""
        users = [(i, v) for i, v, topic in latest if topic.startswith(USER_TOPICS)]
        if not users:
            return
        with self._redis.pipeline(transaction=False) as pipe:
            for user_id, version in users:
                pipe.eval(_CATCH_UP, 1, key(user_id), version, TTL_SECONDS)
            pipe.execute()


def forget_all(client: redis.Redis) -> int:
    """Delete every user's version (after a restore: the log is another one
    now, and a version it reaches again may not mean the same state)."""
    forgotten = 0
    for found in client.scan_iter(match=f"{PREFIX}*", count=1000):
        forgotten += int(client.delete(found))
    return forgotten


def _nothing() -> None:
    return None
