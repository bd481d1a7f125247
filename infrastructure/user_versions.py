"""Each user's latest version in the log, and each session's last written
position, in Redis, for every process (decisions 0035 and 0045).

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

The same save also raises its session's last written position (decision
0045): the position of the last event the save appended, set after the commit
and before the save answers, never lowered. A read by that session waits until
its read model has applied that position. The position comes back with the
user's version in one MGET, so a read costs no round trip more. A lost or
missing key only means the session reads what the read model holds, as a
client that passed no ``?after=`` did before.
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
SESSION_PREFIX = "estatelog:session-written:"
#: A key outlives the access token it is read for (15 minutes) by far; it goes
#: by itself, so that a user who stopped coming back costs nothing.
TTL_SECONDS = 6 * 60 * 60

# Set each key to its number unless a later one is there already: the users'
# versions and the session's position of one save in one round trip. The TTL
# is the last argument.
_RAISE = """
local ttl = ARGV[#KEYS + 1]
for i, k in ipairs(KEYS) do
  local held = redis.call('GET', k)
  if not held or tonumber(held) < tonumber(ARGV[i]) then
    redis.call('SET', k, ARGV[i], 'EX', ttl)
  end
end
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


def session_key(session_id: str) -> str:
    return f"{SESSION_PREFIX}{session_id}"


class RedisUserVersions:
    """The ``UserVersions`` port, and the event log's watcher of saves.

    ``session`` names the session whose request is saving (None outside one):
    the composition root hands it the command context's.
    """

    def __init__(
        self, client: redis.Redis, session: Callable[[], str | None] = lambda: None
    ) -> None:
        self._redis = client
        self._session = session
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

    def current_and_written(self, user_id: UUID, session_id: str) -> tuple[int | None, int]:
        """The user's version (as :meth:`current`) and the last position the
        session's saves answered with (0 if none known), in one round trip."""
        try:
            held, written = self._redis.mget(key(user_id), session_key(session_id))
        except redis.RedisError:
            return None, 0
        return (int(held) if held is not None else None), int(written or 0)

    def watch(self, aggregates: Iterable[Any]) -> Callable[[int], None]:
        """What to call with the save's last position once the save of these
        aggregates has committed: it records the new versions of the users
        among them and the saving session's position (one round trip).

        Nothing is sent before the save: until it answers, a request elsewhere
        that still trusts the version before it has not seen it answered.
        """
        users = [(a.id, a.version) for a in aggregates if isinstance(a, User) and a.pending_events]
        session = self._session()
        if not users and session is None:
            return _nothing

        def saved(position: int) -> None:
            keys = [key(user_id) for user_id, _ in users]
            numbers = [version for _, version in users]
            if session is not None and position:
                keys.append(session_key(session))
                numbers.append(position)
            if not keys:
                return
            try:
                # One EVALSHA (a pipeline would first ask SCRIPT EXISTS).
                self._raise(keys=keys, args=[*numbers, TTL_SECONDS])
            except redis.RedisError:
                # Not told: then not trusted either. If this fails too, the
                # follower of the log raises the keys (``caught_up``). A lost
                # session position only lets that session read a lagging model.
                with contextlib.suppress(redis.RedisError):
                    if users:
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
    """Delete every user's version and session's position (after a restore:
    the log is another one now, and a version or position it reaches again
    may not mean the same state)."""
    forgotten = 0
    for prefix in (PREFIX, SESSION_PREFIX):
        for found in client.scan_iter(match=f"{prefix}*", count=1000):
            forgotten += int(client.delete(found))
    return forgotten


def _nothing(_position: int) -> None:
    return None
