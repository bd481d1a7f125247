"""Each user's latest version in the log, in Redis, for every process (decision 0035).

A process keeps the callers it has worked out (``application/identity/
principals.py``) and uses one again only while Redis says the user is still
at the version it was worked out from. So Redis must never say a version
older than the log's once a save has answered:

- after a save that changes a user has committed, and before it answers, its
  key is set to the saved version, unless it already holds a later one (two
  saves of one user may answer out of order); if that fails, the key is
  deleted (the callers are then read from the log);
- a follower of the log (the snapshotter) raises a key that is there and
  behind the log, never creating one: a save whose process died between its
  commit and its set would otherwise leave Redis a version behind until the
  key expired. Until then the change had not answered anyone; after it, the
  follower's lag (a poll of 2 seconds) is the window;
- no reader ever writes it. A missing key (never set, deleted when a set
  failed, expired, Redis emptied) only means the caller is read from the log.
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
        # By their SHA (EVALSHA): the script's text is not sent with every save.
        self._raise = client.register_script(_RAISE)
        self._catch_up = client.register_script(_CATCH_UP)

    def current(self, user_id: UUID) -> int | None:
        """The user's version as of the last save that answered; None if unknown."""
        try:
            held = self._redis.get(key(user_id))
        except redis.RedisError:
            return None  # then the caller is read from the log, as before the cache
        return int(held) if held is not None else None

    def watch(self, aggregates: Iterable[Any]) -> Callable[[], None]:
        """What to call once the save of these aggregates has committed: it
        records the new versions of the users among them (one round trip).

        Nothing is sent before the save: until it answers, a request elsewhere
        that still trusts the version before it has not seen it answered.
        """
        users = [(a.id, a.version) for a in aggregates if isinstance(a, User) and a.pending_events]
        if not users:
            return _nothing

        def saved() -> None:
            try:
                # One EVALSHA each (a pipeline would first ask SCRIPT EXISTS):
                # a save nearly always holds one user.
                for user_id, version in users:
                    self._raise(keys=[key(user_id)], args=[version, TTL_SECONDS])
            except redis.RedisError:
                # Not told: then not trusted either. If this fails too, the
                # follower of the log raises the keys (``caught_up``).
                with contextlib.suppress(redis.RedisError):
                    self._redis.delete(*(key(user_id) for user_id, _ in users))

        return saved

    def caught_up(self, latest: Iterable[tuple[UUID, int, str]]) -> None:
        """Raise the keys that are behind these versions from the log (the
        snapshotter's watcher); keys that are not there stay so."""
        users = [(i, v) for i, v, topic in latest if topic.startswith(USER_TOPICS)]
        if not users:
            return
        with self._redis.pipeline(transaction=False) as pipe:
            for user_id, version in users:
                self._catch_up(keys=[key(user_id)], args=[version, TTL_SECONDS], client=pipe)
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
