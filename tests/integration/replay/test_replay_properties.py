"""Properties: live == rebuilt == as of the head, and as of P == what was live at P.

Random sequences of identity commands run against the real store; the live
projector follows after every command, and its tables are captured at each
position. The database is not reset between examples, so later examples also
replay the history of earlier ones (which is the point of a replay).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.actor import SYSTEM_ACTOR, system_acting_for
from application.identity.commands import (
    ChangeProfile,
    GrantRole,
    LockAccount,
    RevokeRole,
    UnlockAccount,
)
from bootstrap import Container
from domain.errors import DomainError
from domain.identity.policy import Role
from domain.identity.user import user_id_for
from replay.asof import build_as_of
from replay.operations import rebuild_all
from replay.readmodels import live_schema, select, table_rows
from tests.integration.replay.readmodel_rows import PASSWORD, read_models
from tests.support.world import world

pytestmark = pytest.mark.fresh_schema

SLOTS = 3
ROLES = [Role.PROPERTY_MANAGER, Role.AUDITOR, Role.TECHNICIAN]
_examples = itertools.count()

slot = st.integers(0, SLOTS - 1)
command = st.one_of(
    st.tuples(st.just("register"), slot),
    st.tuples(st.just("login_ok"), slot),
    st.tuples(st.just("login_failed"), slot),
    st.tuples(st.just("grant"), slot, st.sampled_from(ROLES)),
    st.tuples(st.just("revoke"), slot, st.sampled_from(ROLES)),
    st.tuples(st.just("lock"), slot),
    st.tuples(st.just("unlock"), slot),
    st.tuples(
        st.just("profile"),
        slot,
        st.text("abcdefgh ", min_size=1, max_size=12),
        st.none() | st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    ),
)


def _run(container: Container, prefix: str, step: tuple[Any, ...]) -> None:
    identity = container.identity
    name = f"{prefix}u{step[1]}"
    uid = user_id_for(name)
    admin = user_id_for(f"{prefix}u0")
    try:
        match step:
            case ("register", _):
                if identity.find(name) is None:
                    world(container, PASSWORD).account(name, Role.OWNER, display_name=name)
            case ("login_ok", _):
                identity.login(name, PASSWORD, "192.0.2.1", "hypothesis")
            case ("login_failed", _):
                identity.login(name, "not-the-password", "192.0.2.2", "hypothesis")
            case ("grant", _, role) if identity.find(name):
                identity.admin.grant_role(GrantRole(SYSTEM_ACTOR, uid, role))
            case ("revoke", _, role) if identity.find(name):
                identity.admin.revoke_role(RevokeRole(SYSTEM_ACTOR, uid, role))
            case ("lock", _) if identity.find(name):
                identity.admin.lock(LockAccount(system_acting_for(admin), uid, "property test"))
            case ("unlock", _) if identity.find(name):
                identity.admin.unlock(UnlockAccount(system_acting_for(admin), uid))
            case ("profile", _, display_name, phone) if identity.find(name):
                identity.admin.change_profile(
                    ChangeProfile(SYSTEM_ACTOR, uid, {"display_name": display_name, "phone": phone})
                )
    except DomainError:
        pass  # refused: nothing was appended, which the properties cover too


def _audit_prefix(container: Container, position: int) -> list[tuple[Any, ...]]:
    with container.pool.connection() as conn:
        rows = table_rows(conn, live_schema(conn), "audit_events")
    return [r for r in rows if r[0] <= position]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(command, min_size=1, max_size=10))
def test_live_rebuilt_and_as_of_read_models_agree(
    container: Container, steps: list[tuple[Any, ...]]
) -> None:
    prefix = f"p{next(_examples)}"
    projections = select(container.projector.projections, None)
    captured: dict[int, dict[str, list[tuple[Any, ...]]]] = {}
    for step in [("register", 0), *steps]:  # slot 0 exists: it locks and unlocks the others
        _run(container, prefix, step)
        container.projector.catch_up()
        captured[container.event_log.head()] = read_models(container)
    head = container.event_log.head()
    live = read_models(container)

    positions = sorted(captured)
    for position in {positions[0], positions[len(positions) // 2], head}:
        build = build_as_of(
            container.event_log, container.database_url, projections, position, "estatelog_prop"
        )
        as_of = read_models(container, build.schema)
        assert as_of == captured.get(position, live), f"as of {position}"
        # The audit trail's as-of is a filter of the live table: equal to the replay.
        assert _audit_prefix(container, position) == as_of["audit_events"]

    rebuild_all(container)
    assert read_models(container) == live
