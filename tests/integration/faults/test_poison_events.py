"""Events an older release accepted, with NUL and other odd text, never stop a read model.

The log is forever: whatever text is in it must be projected live, rebuilt and
built as of a position. The events are appended straight into the log, past
any validation a request meets. NUL, which PostgreSQL text cannot hold, is
projected as U+FFFD (``projections/safetext.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.context import SYSTEM, acting
from bootstrap import Container
from domain.identity.policy import Role
from domain.identity.user import User
from domain.workorders.order import WorkOrder
from replay.asof import build_as_of
from replay.operations import rebuild_all
from replay.readmodels import replayable
from tests.conftest import given_estate
from tests.integration.replay.readmodel_rows import read_models

pytestmark = pytest.mark.fresh_schema

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def append_odd_events(container: Container, text: str, estate: UUID) -> tuple[User, WorkOrder]:
    """A user and a work order whose text fields and metadata hold ``text``."""
    odd = replace(SYSTEM, user_agent=f"agent {text}", client_ip=f"{text}1", request_id=text)
    with acting(odd):
        user = User(
            username=f"u{uuid4().hex[:12]}",
            display_name=f"Name {text}",
            roles=[Role.OWNER],
            password_hash="not-a-hash",
        )
        user._logged_in(  # type: ignore[attr-defined]
            at=NOW,
            client_ip=f"10.0.0.1{text}",
            user_agent=f"ua {text}",
            session_id=f"s{text}",
            refresh_expires_at=NOW + timedelta(days=1),
        )
        user._login_failed(  # type: ignore[attr-defined]
            at=NOW, client_ip=text, user_agent=text, reason=f"wrong password {text}"
        )
        order = WorkOrder.with_id(
            uuid4(),
            estate_id=estate,
            title=f"Leak {text}",
            description=text,
            source="resident",
            source_ref=text,
            requested_by=user.id,
            at=NOW,
        )
        container.event_log.save(user, order)
    return user, order


def _one(container: Container, query: str, *params: Any) -> Any:
    with container.pool.connection() as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def _all_running_at_head(container: Container) -> None:
    head = container.event_log.head()
    stuck = [
        (s.name, s.position, s.error)
        for s in container.projector.status()
        if s.state != "running" or s.position != head
    ]
    assert stuck == []


def test_nul_in_stored_events_is_projected_rebuilt_and_built_as_of(container: Container) -> None:
    estate = uuid4()
    given_estate(container, estate)
    user, order = append_odd_events(container, "a\x00b", estate)
    # A backslash and "u0000" typed as text is not a NUL: it stays as it is.
    _, literal = append_odd_events(container, "c\\u0000d\\\\u0000", estate)

    container.projector.catch_up()

    _all_running_at_head(container)
    # The directory shows a name an old release stored in clear masked
    # (docs/personal-data.md): each word's first letter, then stars.
    assert (
        _one(container, "SELECT display_name FROM user_directory WHERE user_id = %s", user.id)
        == "N*** a**"
    )
    assert (
        _one(container, "SELECT title FROM workorders WHERE order_id = %s", order.id)
        == "Leak a\ufffdb"
    )
    assert (
        _one(container, "SELECT title FROM workorders WHERE order_id = %s", literal.id)
        == "Leak c\\u0000d\\\\u0000"
    )
    assert (
        _one(
            container,
            "SELECT user_agent FROM login_history WHERE user_id = %s AND outcome = 'succeeded'",
            user.id,
        )
        == "ua a\ufffdb"
    )
    assert (
        _one(container, "SELECT user_agent FROM audit_events WHERE aggregate_id = %s", order.id)
        == "agent a\ufffdb"
    )
    assert (
        _one(container, "SELECT user_agent FROM audit_events WHERE aggregate_id = %s", literal.id)
        == "agent c\\u0000d\\\\u0000"
    )

    live = read_models(container)
    head = container.event_log.head()
    projections = replayable(container.projector.projections)
    as_of = build_as_of(container.event_log, container.database_url, projections, head, "poison")
    assert read_models(container, as_of.schema) == live
    rebuild_all(container)
    assert read_models(container) == live


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=12))
def test_no_text_in_an_event_stops_a_read_model(container: Container, text: str) -> None:
    estate = uuid4()
    given_estate(container, estate)
    append_odd_events(container, text, estate)
    container.projector.catch_up()
    _all_running_at_head(container)


def test_the_audit_trail_and_history_read_events_with_nul(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate = uuid4()
    given_estate(running, estate)
    user, order = append_odd_events(running, "a\x00b", estate)
    append_odd_events(running, "\x01\x1b[31m\x0b", estate)
    head = running.event_log.head()

    page = client.get(f"/api/v1/audit/events?after={head}&limit=1000", headers=admin)
    assert page.status_code == 200, page.text
    agents = {i["user_agent"] for i in page.json()["items"]}
    assert "agent a\ufffdb" in agents

    history = client.get(f"/api/v1/history/{order.id}", headers=admin)
    assert history.status_code == 200, history.text
    assert history.json()["state"]["title"] == "Leak a\x00b"  # the log as it is, in JSON

    users = client.get(f"/api/v1/users/{user.id}/logins?after={head}", headers=admin)
    assert users.status_code == 200, users.text

    for format in ("csv", "xlsx"):  # a control character is no formula and no broken file
        export = client.get(f"/api/v1/audit/events/export?format={format}", headers=admin)
        assert export.status_code == 200, export.text
