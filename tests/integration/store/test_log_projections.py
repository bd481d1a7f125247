"""The read models PostgreSQL writes from the log (decision 0013) say what the events say.

The audit trail and the login history are built by ``INSERT … SELECT`` over the
stored JSON, never from decoded events. These tests decode every event of a
varied log (the demo estate: identity, registry, equipment, work orders,
approvals, community, finance) in Python and hold each SQL-built row to what
the decoded event and its metadata say.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.actor import Actor
from application.context import SYSTEM, acting
from application.identity.commands import LogOut
from bootstrap import Container
from interfaces.cli.demo import load_demo
from projections.events import kind_of, meta_uuid, occurred_at

PASSWORD = "demo-password-for-tests"


def _decoded(container: Container) -> dict[int, tuple[Any, dict[str, Any], Any]]:
    mapper = container.event_log.mapper_with_metadata
    notes = container.event_log.recorder.select_notifications(0, 1_000_000)
    return {note.id: (*mapper.decode(note), note) for note in notes}


def _named(event: Any, aggregate: str, field: str, originator: UUID) -> UUID | None:
    """The estate (unit) an event is of: the aggregate itself, or the ID it names."""
    if kind_of(event)[0] == aggregate:
        return originator
    value = getattr(event, field, None)
    return value if isinstance(value, UUID) else None


def test_every_audit_row_says_what_its_event_and_metadata_say(container: Container) -> None:
    load_demo(container, password=PASSWORD, now=datetime.now(UTC))
    container.projector.catch_up()
    events = _decoded(container)
    with container.pool.connection() as conn:
        rows = conn.execute("SELECT * FROM audit_events ORDER BY position").fetchall()

    assert [r[0] for r in rows] == sorted(events)
    kinds = set()
    for row in rows:
        event, meta, note = events[row[0]]
        expected = (
            note.id,
            occurred_at(event),
            note.originator_id,
            note.originator_version,
            *kind_of(event),
            meta_uuid(meta, "actor_id"),
            meta.get("actor_role"),
            meta.get("client_ip"),
            meta.get("user_agent"),
            meta.get("request_id"),
            meta_uuid(meta, "correlation_id"),
            meta_uuid(meta, "causation_id"),
            _named(event, "Estate", "estate_id", note.originator_id),
            _named(event, "Unit", "unit_id", note.originator_id),
        )
        assert tuple(row) == expected, f"position {note.id}"
        kinds.add(kind_of(event)[0])
    assert {"User", "Estate", "UnitAccount", "WorkOrder"} <= kinds  # a varied log indeed


def test_every_login_row_says_what_its_login_event_says(container: Container) -> None:
    load_demo(container, password=PASSWORD, now=datetime.now(UTC))
    container.identity.login("hvg.manager", "not-the-password", "198.51.100.4", "pytest")
    signed_in = container.identity.login("hvg.manager", PASSWORD, "198.51.100.4", "pytest")
    assert signed_in.user is not None and signed_in.session_id is not None
    with acting(replace(SYSTEM, client_ip="198.51.100.6", user_agent="logging out")):
        container.identity.sessions.log_out(
            LogOut(Actor.of(container.identity.get(signed_in.user.id), signed_in.session_id))
        )
    container.identity.login("nobody-at-all", "whatever-it-is", "198.51.100.5", "pytest")
    container.projector.catch_up()
    events = _decoded(container)
    with container.pool.connection() as conn:
        rows = conn.execute("SELECT * FROM login_history ORDER BY position").fetchall()
        usernames = dict(conn.execute("SELECT user_id, username FROM login_history_usernames"))

    logins = {
        position: (event, meta, note)
        for position, (event, meta, note) in events.items()
        if kind_of(event)
        in {
            ("User", "LoginSucceeded"),
            ("User", "LoginFailed"),
            ("User", "LoggedOut"),
            ("UnknownUserLoginFailed", "Recorded"),
        }
    }
    assert [r[0] for r in rows] == sorted(logins) and rows
    for row in rows:
        event, meta, note = logins[row[0]]
        aggregate, name = kind_of(event)
        if aggregate == "UnknownUserLoginFailed":
            expected: tuple[Any, ...] = (None, event.username_attempted, event.at, "failed")
            expected += ("unknown user", event.client_ip, event.user_agent)
        else:
            outcome = {"LoginSucceeded": "succeeded", "LoginFailed": "failed"}.get(
                name, "logged_out"
            )
            source = meta if name == "LoggedOut" else vars(event)
            reason = event.reason if name == "LoginFailed" else None
            expected = (note.originator_id, usernames[note.originator_id], event.at, outcome)
            expected += (reason, source.get("client_ip"), source.get("user_agent"))
        assert tuple(row[1:]) == expected, f"position {note.id}"
    outcomes = {r[4] for r in rows}
    assert outcomes == {"succeeded", "failed", "logged_out"}
