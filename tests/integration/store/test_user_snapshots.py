"""A busy account is snapshotted by the follower of the log, not by its logins,
and is loaded from that snapshot the same account."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from application.actor import SYSTEM_ACTOR
from application.identity.commands import GrantPermission, GrantRole
from bootstrap import Container
from domain.identity.policy import Permission, Role
from infrastructure.eventstore.store import EventLog, postgres_env
from tests.support.aggregates import snapshot_versions
from tests.support.world import world


def test_a_user_with_hundreds_of_events_reloads_from_its_snapshot_unchanged(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    uid, _ = world(container, "a-long-enough-secret").account(
        "busy.owner", Role.OWNER, display_name="Busy", phone="13900001111"
    )
    container.identity.admin.grant_role(GrantRole(SYSTEM_ACTOR, uid, Role.TECHNICIAN))
    container.identity.admin.grant_permission(
        GrantPermission(SYSTEM_ACTOR, uid, Permission.AUDIT_READ)
    )
    for i in range(130):
        container.identity.login(
            "busy.owner", "a-long-enough-secret" if i % 3 else "nope-nope-nope", "192.0.2.1", "ua"
        )
    live = container.identity.get(uid)
    assert snapshot_versions(container, uid) == [], "a login wrote a snapshot inside its request"
    assert container.snapshotter.catch_up() >= 1
    assert snapshot_versions(container, uid) == [live.version]

    fresh = EventLog(postgres_env(container.database_url, 2))
    statements: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return execute(self, query, *args, **kwargs)

    try:
        with monkeypatch.context() as patch:
            patch.setattr(psycopg.Cursor, "execute", counted)
            reloaded = fresh.repository.get(uid)
        # The snapshot and the events after it, in one statement.
        assert len(statements) == 1, statements
        earlier = fresh.repository.get(uid, version=live.version - 1)  # the library's path
    finally:
        fresh.close()
    assert earlier.version == live.version - 1
    assert reloaded.version == live.version > 100
    assert reloaded.roles == {Role.OWNER, Role.TECHNICIAN}
    assert reloaded.direct_permissions == {Permission.AUDIT_READ}
    assert reloaded.sessions == live.sessions
    assert reloaded.recent_failures == live.recent_failures
    assert reloaded.phone_enc == live.phone_enc
    reloaded.grant_role(Role.FINANCE)  # the sets are real sets again, not frozen copies
