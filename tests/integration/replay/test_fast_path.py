"""The fast path for batches (``apply_batch``) equals the per-event path, failures included.

Replay and a projector that is far behind hand whole batches to projections
that offer ``apply_batch`` (COPY, multi-row writes, the user directory folded
in memory). These tests hold that path to the per-event one on the same log,
for batch sizes that cut the log at every kind of boundary, and check that a
failure inside a fast batch still stops at the exact failing event.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import Notification

from application.actor import SYSTEM_ACTOR, Actor
from application.identity.commands import (
    ChangeProfile,
    DisableAccount,
    EnableAccount,
    ErasePersonalData,
    GrantPermission,
    GrantRole,
    LogOut,
    RevokePermission,
    RevokeRole,
)
from bootstrap import Container
from domain.identity.policy import Permission, Role
from domain.identity.user import user_id_for
from infrastructure.database import apply_ddl
from projections.events import kind_of
from projections.protocols import Decoded
from projections.runtime import ATTEMPTS, Projector
from replay.readmodels import apply_range, open_build, select, table_rows
from tests.integration.replay.readmodel_rows import PASSWORD, populate, read_models
from tests.support.world import world

pytestmark = pytest.mark.fresh_schema


def _varied_log(container: Container) -> int:
    """Every kind of event the read models handle, interleaved across users."""
    populate(container)
    identity = container.identity
    uid = user_id_for("tenant1")
    identity.admin.grant_role(GrantRole(SYSTEM_ACTOR, uid, Role.AUDITOR))
    identity.admin.revoke_role(RevokeRole(SYSTEM_ACTOR, uid, Role.OWNER))
    identity.admin.grant_permission(GrantPermission(SYSTEM_ACTOR, uid, Permission.USERS_READ))
    identity.admin.grant_permission(GrantPermission(SYSTEM_ACTOR, uid, Permission.USERS_CREATE))
    identity.admin.revoke_permission(RevokePermission(SYSTEM_ACTOR, uid, Permission.USERS_READ))
    outcome = identity.login("tenant1", PASSWORD, "203.0.113.7", "pytest")
    assert outcome.user is not None and outcome.session_id is not None
    identity.sessions.log_out(LogOut(Actor.of(identity.get(uid), outcome.session_id)))
    identity.admin.erase_personal_data(
        ErasePersonalData(SYSTEM_ACTOR, user_id_for("tenant2"), "asked to")
    )
    identity.admin.change_profile(
        ChangeProfile(
            SYSTEM_ACTOR, user_id_for("tenant2"), {"display_name": "Back", "phone": "13700000000"}
        )
    )
    identity.admin.disable(DisableAccount(SYSTEM_ACTOR, user_id_for("tenant2"), "left"))
    identity.admin.enable(EnableAccount(SYSTEM_ACTOR, user_id_for("tenant2")))
    populate(container, prefix="second", users=2)
    return container.event_log.head()


def _build(
    container: Container, schema: str, *, fast: bool, batch: int, side: bool = False
) -> dict[str, Any]:
    projections = select(container.projector.projections, None)
    conn = open_build(container.database_url, schema, projections)
    conninfo = container.database_url if side else None
    try:
        apply_range(
            conn,
            container.event_log,
            projections,
            after=0,
            batch=batch,
            fast=fast,
            conninfo=conninfo,
        )
    finally:
        conn.close()
    return read_models(container, schema)


@pytest.mark.parametrize("batch", [1, 2, 3, 7, 5000])
def test_fast_and_per_event_paths_build_identical_tables(container: Container, batch: int) -> None:
    _varied_log(container)
    container.projector.catch_up()  # far behind: the projector's own fast path
    live = read_models(container)
    assert live["user_directory"] and live["login_history"] and live["login_history_usernames"]

    per_event = _build(container, "estatelog_per_event", fast=False, batch=batch)
    fast = _build(container, "estatelog_fast", fast=True, batch=batch)

    assert fast == per_event
    assert per_event == live


@pytest.mark.parametrize("batch", [3, 5000])
def test_read_models_written_from_the_log_on_a_second_connection_build_the_same_tables(
    container: Container, batch: int
) -> None:
    """Rebuilds put the audit trail and login history on a connection of their own."""
    _varied_log(container)
    one = _build(container, "estatelog_one_connection", fast=True, batch=batch)
    two = _build(container, "estatelog_two_connections", fast=True, batch=batch, side=True)
    assert two == one
    assert two["audit_events"] and two["login_history"]
    assert gc.isenabled()  # paused for the build only


def test_a_projector_far_behind_equals_one_that_follows_event_by_event(
    container: Container,
) -> None:
    head = _varied_log(container)
    one_by_one = Projector(
        container.event_log,
        container.pool,
        container.projector.projections,
        batch_size=1,
        behind_batch_size=1,
    )
    one_by_one.catch_up()  # batches of one never take the fast path
    live = read_models(container)
    assert one_by_one.position("user_directory") == head

    rebuilt = _build(container, "estatelog_fast", fast=True, batch=5000)
    assert rebuilt == live


class _BrittleBatch:
    """A read model with a fast path that cannot handle the third user registered."""

    name = "brittle"
    tables = ("brittle_rows",)
    ddl = ("CREATE TABLE IF NOT EXISTS brittle_rows (position bigint PRIMARY KEY)",)

    def __init__(self) -> None:
        self.batches = 0

    @staticmethod
    def _check(event: Any) -> None:
        if kind_of(event) == ("User", "Registered") and event.username == "resident2":
            raise ValueError("cannot handle resident2")

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        self._check(event)
        cur.execute("INSERT INTO brittle_rows VALUES (%s)", [note.id])

    def apply_batch(self, cur: psycopg.Cursor[Any], events: Sequence[Decoded]) -> None:
        self.batches += 1
        with cur.copy("COPY brittle_rows FROM STDIN") as copy:  # rows written, then the error
            for _, _, note in events:
                copy.write_row([note.id])
        for event, _, _ in events:
            self._check(event)


def _register(container: Container, n: int) -> int:
    for i in range(n):
        world(container, PASSWORD).account(f"resident{i}", Role.OWNER, display_name=f"Resident {i}")
    return container.event_log.head()


def test_a_failure_inside_a_fast_batch_stops_the_projector_at_the_failing_event(
    container: Container,
) -> None:
    brittle = _BrittleBatch()
    apply_ddl(container.pool, brittle.ddl)
    head = _register(container, 5)
    projector = Projector(
        container.event_log, container.pool, [*container.projector.projections, brittle]
    )
    projector.catch_up()

    assert brittle.batches == ATTEMPTS  # the fast path was tried on each try, and undone
    # The others went on, past the alert about the failure too.
    assert projector.position("audit_trail") == container.event_log.head() == head + 1
    assert projector.position("brittle") == 2
    with container.pool.connection() as conn:
        rows = [r[0] for r in conn.execute("SELECT position FROM brittle_rows ORDER BY 1")]
        failed_at, error = conn.execute(
            "SELECT failed_position, error FROM projection_positions WHERE name = 'brittle'"
        ).fetchone()  # type: ignore[misc]
    assert rows == [1, 2]
    assert failed_at == 3 and "resident2" in error


def test_a_database_error_inside_a_fast_batch_names_the_failing_event(
    container: Container,
) -> None:
    """The directory's COPY fails on a row already there: only that user's event is blamed."""
    head = _register(container, 5)
    with container.pool.connection() as conn:
        conn.execute(
            "INSERT INTO user_directory (user_id, username, display_name, roles, status, "
            "registered_at, updated_at, version) VALUES (%s, 'squatter', 'S', '{}', 'normal', "
            "now(), now(), 1)",
            [user_id_for("resident2")],
        )
    container.projector.catch_up()
    assert container.incidents.flush()  # the stop is a level-2 incident (decision 0047)
    container.projector.catch_up()

    # The alert and the incident too.
    assert container.projector.position("audit_trail") == head + 2
    assert container.projector.position("login_history") == head + 2
    assert container.projector.position("user_directory") == 2
    with container.pool.connection() as conn:
        failed_at, error = conn.execute(
            "SELECT failed_position, error FROM projection_positions WHERE name = 'user_directory'"
        ).fetchone()  # type: ignore[misc]
        names = [r[0] for r in conn.execute("SELECT username FROM user_directory ORDER BY 1")]
    assert failed_at == 3 and "UniqueViolation" in error
    assert names == ["resident0", "resident1", "squatter"]


def test_a_failure_inside_a_fast_replay_batch_is_reported_at_its_position(
    container: Container,
) -> None:
    brittle = _BrittleBatch()
    _register(container, 5)
    conn = open_build(container.database_url, "estatelog_brittle", [brittle])
    try:
        with pytest.raises(ValueError, match="resident2") as raised:
            apply_range(conn, container.event_log, [brittle], after=0, batch=5000)
        conn.rollback()
        assert brittle.batches == 1
        assert "read model brittle at position 3" in (raised.value.__notes__ or [])
        rows = table_rows(conn, "estatelog_brittle", "brittle_rows")
    finally:
        conn.close()
    assert rows == []  # the batch was not committed; nothing half-applied
