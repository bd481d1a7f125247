"""The projection runtime: exactly once, batches, failures that stop one read model."""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import Notification

from bootstrap import Container
from domain.identity.policy import Role
from projections.events import kind_of
from projections.runtime import Projector
from tests.support.world import world


def _register(container: Container, n: int) -> int:
    position = 0
    for i in range(n):
        _, position = world(container, "a-long-enough-secret").account(
            f"resident{i}", Role.OWNER, display_name=f"Resident {i}"
        )
    return position


def _count(container: Container, table: str) -> int:
    with container.pool.connection() as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_catching_up_twice_applies_each_event_once(container: Container) -> None:
    head = _register(container, 7)
    assert container.projector.catch_up() > 0
    assert container.projector.catch_up() == 0
    assert _count(container, "audit_events") == head
    assert container.projector.position("audit_trail") == head


def test_two_projectors_racing_over_one_log_apply_each_event_once(container: Container) -> None:
    import threading

    head = _register(container, 12)
    other = Projector(
        container.event_log, container.pool, container.projector.projections, batch_size=3
    )
    container.projector.batch_size = 2
    threads = [threading.Thread(target=p.catch_up) for p in (container.projector, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with container.pool.connection() as conn:
        positions = [r[0] for r in conn.execute("SELECT position FROM audit_events ORDER BY 1")]
    assert positions == list(range(1, head + 1))


class _Brittle:
    """A read model that cannot handle the third user registered."""

    name = "brittle"
    tables = ("brittle_rows",)
    ddl = ("CREATE TABLE IF NOT EXISTS brittle_rows (position bigint PRIMARY KEY)",)

    def __init__(self) -> None:
        self.broken = True

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        if (
            self.broken
            and kind_of(event) == ("User", "Registered")
            and event.username == "resident2"
        ):
            raise ValueError("cannot handle resident2")
        cur.execute("INSERT INTO brittle_rows VALUES (%s)", [note.id])


def test_a_failing_projection_stops_with_an_alert_while_the_others_go_on(
    container: Container,
) -> None:
    from infrastructure.database import apply_ddl

    brittle = _Brittle()
    projector = Projector(
        container.event_log, container.pool, [*container.projector.projections, brittle]
    )
    apply_ddl(container.pool, brittle.ddl)
    head = _register(container, 5)
    projector.catch_up()

    # The others applied everything, the alert about the failure included.
    assert projector.position("audit_trail") == container.event_log.head() == head + 1
    assert projector.position("brittle") < 3
    assert _count(container, "brittle_rows") == projector.position("brittle")
    with container.pool.connection() as conn:
        failed_at, error = conn.execute(
            "SELECT failed_position, error FROM projection_positions WHERE name = 'brittle'"
        ).fetchone()  # type: ignore[misc]
    assert failed_at == 3 and "resident2" in error
    # The failure is itself an event: an alert for the administrators.
    alerts = [
        container.event_log.mapper_with_metadata.decode(n)[0]
        for n in container.event_log.read(after=head, limit=10)
    ]
    assert [kind_of(a) for a in alerts] == [("AdminAlert", "Raised")]
    assert "brittle" in alerts[0].message

    # After a fix, a new projector resumes from where it stopped.
    brittle.broken = False
    resumed = Projector(container.event_log, container.pool, [brittle])
    resumed.catch_up()
    assert resumed.position("brittle") == container.event_log.head()
    with container.pool.connection() as conn:
        positions = [r[0] for r in conn.execute("SELECT position FROM brittle_rows ORDER BY 1")]
    assert positions == list(range(1, container.event_log.head() + 1))


class _RefusedByTheDatabase(_Brittle):
    """The same read model, but the database refuses the row (a NOT NULL column).

    Statements go out in a pipeline, so the error arrives after later ones were
    sent; the projector must still stop at the event whose row was refused.
    """

    name = "refused"
    tables = ("refused_rows",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS refused_rows (position bigint PRIMARY KEY, "
        "username text NOT NULL)",
    )

    def apply(
        self, cur: psycopg.Cursor[Any], event: Any, meta: dict[str, Any], note: Notification
    ) -> None:
        name = getattr(event, "username", "")
        if self.broken and name == "resident2":
            name = None
        cur.execute("INSERT INTO refused_rows VALUES (%s, %s)", [note.id, name])


def test_a_row_the_database_refuses_stops_the_read_model_at_that_event(
    container: Container,
) -> None:
    from infrastructure.database import apply_ddl

    refused = _RefusedByTheDatabase()
    apply_ddl(container.pool, refused.ddl)
    _register(container, 5)
    projector = Projector(container.event_log, container.pool, [refused])

    projector.catch_up()

    assert projector.position("refused") == 2
    assert _count(container, "refused_rows") == 2
    with container.pool.connection() as conn:
        failed_at, error = conn.execute(
            "SELECT failed_position, error FROM projection_positions WHERE name = 'refused'"
        ).fetchone()  # type: ignore[misc]
    assert failed_at == 3 and "NotNullViolation" in error


def test_an_event_no_code_can_read_stops_the_read_models_there_with_an_alert(
    container: Container,
) -> None:
    """A topic this code cannot import (a newer release's event, say) is a clear,
    recorded stop at that position, not a projector that retries in silence."""
    from infrastructure.eventstore.store import EVENTS_TABLE

    head = _register(container, 2)
    container.projector.catch_up()
    with container.pool.connection() as conn:
        conn.execute(
            f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
            "VALUES (gen_random_uuid(), 1, 'domain.future.thing:Thing.Happened', %s)",
            [b"{}"],
        )

    container.projector.catch_up()

    with container.pool.connection() as conn:
        stopped = conn.execute(
            "SELECT name, position, failed_position FROM projection_positions "
            "WHERE name = 'audit_trail'"
        ).fetchone()
    assert stopped is not None
    assert stopped[1] == head and stopped[2] == head + 1
    status = {s.name: s for s in container.projector.status()}
    assert status["audit_trail"].state == "failed"
    assert "future" in (status["audit_trail"].error or "")


def test_an_audit_trail_from_before_decision_0013_loses_its_copy_of_the_details(
    container: Container,
) -> None:
    """The trail used to copy every event's fields into ``details``; the log holds
    them, so start-up drops the column and the trail goes on from its position."""
    from infrastructure.database import apply_ddl
    from projections.audit.trail import AuditTrail

    _register(container, 1)
    container.projector.catch_up()
    with container.pool.connection() as conn:
        conn.execute("ALTER TABLE audit_events ADD COLUMN details jsonb NOT NULL DEFAULT '{}'")
        conn.execute("ALTER TABLE audit_events ALTER COLUMN details DROP DEFAULT")
        conn.commit()
    trail = next(p for p in container.projector.projections if isinstance(p, AuditTrail))

    apply_ddl(container.pool, trail.ddl)
    _, head = world(container, "a-long-enough-secret").account(
        "newcomer", Role.OWNER, display_name="Newcomer"
    )
    container.projector.catch_up()

    with container.pool.connection() as conn:
        columns = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'audit_events'"
            )
        ]
    assert "details" not in columns
    assert _count(container, "audit_events") == head
