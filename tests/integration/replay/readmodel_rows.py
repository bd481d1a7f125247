"""Read models as plain rows, so two builds of them can be compared row for row."""

from __future__ import annotations

from typing import Any

from application.actor import SYSTEM_ACTOR, system_acting_for
from application.identity.commands import (
    ChangeProfile,
    GrantRole,
    LockAccount,
    UnlockAccount,
)
from bootstrap import Container
from replay.readmodels import live_schema, replayable, table_rows
from tests.support.world import world


def read_models(
    container: Container, schema: str | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every replayable table of ``schema`` (the live one by default), sorted."""
    with container.pool.connection() as conn:
        schema = schema or live_schema(conn)
        return {
            table: table_rows(conn, schema, table)
            for projection in replayable(container.projector.projections)
            for table in projection.tables
        }


PASSWORD = "a-long-enough-secret-1"


def populate(container: Container, prefix: str = "tenant", users: int = 3) -> int:
    """A small but varied log: registrations with personal data, logins, grants, locks."""
    from domain.identity.policy import Role

    identity = container.identity
    ids = []
    for i in range(users):
        uid, _ = world(container, PASSWORD).account(
            f"{prefix}{i}",
            Role.OWNER,
            display_name=f"{prefix.title()} {i}",
            phone=f"1380000{i:04d}",
            national_id=f"31010119900101{i:04d}",
        )
        ids.append(uid)
    identity.login(f"{prefix}0", PASSWORD, "198.51.100.1", "pytest")
    identity.login(f"{prefix}0", "wrong-password-here", "198.51.100.2", "pytest")
    identity.login(f"nobody-{prefix}", "whatever-it-is", "198.51.100.3", "pytest")
    identity.admin.grant_role(GrantRole(SYSTEM_ACTOR, ids[-1], Role.PROPERTY_MANAGER))
    identity.admin.lock(LockAccount(system_acting_for(ids[0]), ids[-1], "investigation"))
    identity.admin.unlock(UnlockAccount(system_acting_for(ids[0]), ids[-1]))
    identity.admin.change_profile(
        ChangeProfile(SYSTEM_ACTOR, ids[0], {"display_name": "Renamed", "phone": "13900000000"})
    )
    return container.event_log.head()
