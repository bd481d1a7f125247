"""The callers a process keeps: used again only at the version every process is told."""

from __future__ import annotations

from uuid import UUID, uuid4

from application.actor import Actor
from application.identity.principals import Principals

USER = uuid4()


class Versions:
    """What Redis would say: a version per user, or nothing."""

    def __init__(self) -> None:
        self.held: dict[UUID, int] = {}
        self.written: dict[str, int] = {}

    def current(self, user_id: UUID) -> int | None:
        return self.held.get(user_id)

    def current_and_written(self, user_id: UUID, session_id: str) -> tuple[int | None, int]:
        return self.held.get(user_id), self.written.get(session_id, 0)


class Log:
    """The user as of the log: each read counted."""

    def __init__(self) -> None:
        self.version = 3
        self.actor: Actor | None = Actor(USER, "ann", "owner", frozenset(), "s1")
        self.reads = 0

    def read(self) -> tuple[int, Actor | None]:
        self.reads += 1
        return self.version, self.actor


def test_a_caller_is_kept_while_the_user_stays_at_its_version() -> None:
    versions, log = Versions(), Log()
    versions.held[USER] = 3
    principals = Principals(versions)
    first = principals.actor(USER, "s1", log.read)
    again = principals.actor(USER, "s1", log.read)
    assert first is again is log.actor
    assert log.reads == 1


def test_a_new_version_is_read_from_the_log() -> None:
    versions, log = Versions(), Log()
    versions.held[USER] = 3
    principals = Principals(versions)
    principals.actor(USER, "s1", log.read)
    log.version, log.actor = 4, None  # the session ended
    versions.held[USER] = 4
    assert principals.actor(USER, "s1", log.read) is None
    assert log.reads == 2


def test_an_unknown_version_is_never_trusted() -> None:
    versions, log = Versions(), Log()
    principals = Principals(versions)
    for _ in range(3):
        principals.actor(USER, "s1", log.read)
    assert log.reads == 3


def test_sessions_are_kept_apart() -> None:
    versions, log = Versions(), Log()
    versions.held[USER] = 3
    principals = Principals(versions)
    principals.actor(USER, "s1", log.read)
    principals.actor(USER, "s2", log.read)
    assert log.reads == 2


def test_the_least_recently_used_session_goes_first() -> None:
    versions, log = Versions(), Log()
    versions.held[USER] = 3
    principals = Principals(versions, size=2)
    for session in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" comes
        principals.actor(USER, session, log.read)
    reads = log.reads
    principals.actor(USER, "a", log.read)
    assert log.reads == reads
    principals.actor(USER, "b", log.read)
    assert log.reads == reads + 1


def test_a_kept_caller_carries_the_sessions_latest_written_position() -> None:
    versions, log = Versions(), Log()
    versions.held[USER] = 3
    principals = Principals(versions)
    assert principals.actor(USER, "s1", log.read).written == 0  # type: ignore[union-attr]
    versions.written["s1"] = 42  # a command of this session answered with 42
    again = principals.actor(USER, "s1", log.read)
    assert again is not None and again.written == 42 and again == log.actor
    assert log.reads == 1  # the position came with the version, not from the log
    other = principals.actor(USER, "s2", log.read)
    assert other is not None and other.written == 0
