"""Each session's last written position in Redis (decision 0045), on the real Redis.

Raised after a save commits, in the same round trip as the versions of the
users the save holds; never lowered; read back with the user's version in one.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.context import CommandContext, act_as, acting
from bootstrap import Container
from infrastructure.user_versions import RedisUserVersions, forget_all, session_key
from tests.support.round_trips import counting


def _versions(container: Container, session: str | None) -> RedisUserVersions:
    return RedisUserVersions(container.redis, session=lambda: session)


def test_a_sessions_position_only_rises(container: Container) -> None:
    versions = _versions(container, "s-rise")
    user = uuid4()
    assert versions.current_and_written(user, "s-rise") == (None, 0)
    versions.watch(())(41)
    versions.watch(())(17)  # a save that answered later with an earlier position
    assert versions.current_and_written(user, "s-rise") == (None, 41)
    assert versions.current_and_written(user, "another") == (None, 0)


# Each example names a session of its own: the shared container is no state between them.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=8))
def test_whatever_order_saves_answer_in_the_key_holds_the_highest(
    container: Container, positions: list[int]
) -> None:
    session = f"s-{uuid4()}"
    versions = _versions(container, session)
    for position in positions:
        versions.watch(())(position)
    assert versions.current_and_written(uuid4(), session)[1] == max(positions)


def test_a_save_of_a_user_by_a_session_tells_both_in_one_round_trip(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the event log, as a request saves: an administrator registered
    by a session raises the new user's version and the session's position."""
    with acting(CommandContext()):
        act_as(uuid4(), "admin", "s-both")
        with counting(monkeypatch) as sent:
            assert container.identity.ensure_admin("second.admin", "a-long-enough-secret")
    user = container.identity.find("second.admin")
    assert user is not None
    head = container.event_log.head()
    versions = _versions(container, None)
    assert versions.current_and_written(user.id, "s-both") == (user.version, head)
    append = max(i for i, line in enumerate(sent.log) if line.startswith("PIPELINE"))
    assert sent.log[append:].count("REDIS") == 1, sent.log  # one EVALSHA for both keys


def test_no_session_and_no_user_sends_nothing(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = _versions(container, None)
    with counting(monkeypatch) as sent:
        versions.watch(())(5)
    assert sent.redis == 0, sent.log


def test_a_restore_forgets_the_sessions_positions(container: Container) -> None:
    versions = _versions(container, "s-restored")
    versions.watch(())(500)
    assert container.redis.get(session_key("s-restored")) == b"500"
    forget_all(container.redis)
    assert versions.current_and_written(uuid4(), "s-restored") == (None, 0)
