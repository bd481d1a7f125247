"""Blue/green rebuild: built aside from position 0, swapped in atomically, never half-seen."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from replay.operations import rebuild_all
from replay.readmodels import UnknownProjection, replayable, select
from replay.rebuild import REBUILD_SCHEMA, rebuild
from tests.integration.replay.readmodel_rows import populate, read_models

pytestmark = pytest.mark.fresh_schema


def _positions(container: Container) -> dict[str, int]:
    with container.pool.connection() as conn:
        return dict(conn.execute("SELECT name, position FROM projection_positions").fetchall())


def test_a_rebuilt_read_model_equals_the_live_one_row_for_row(container: Container) -> None:
    head = populate(container)
    container.projector.catch_up()
    live = read_models(container)
    assert live["user_directory"] and live["login_history"] and live["audit_events"]

    report = rebuild_all(container)

    assert report.position == head and report.events == head
    assert read_models(container) == live
    positions = _positions(container)
    assert all(positions[p.name] == head for p in replayable(container.projector.projections))


def _indexes(container: Container) -> set[tuple[str, str]]:
    with container.pool.connection() as conn:
        return set(
            conn.execute(
                "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            ).fetchall()
        )


def test_a_rebuild_leaves_every_index_the_live_tables_had(container: Container) -> None:
    """A build creates plain indexes after its bulk load; the swapped-in tables have them all."""
    populate(container)
    container.projector.catch_up()
    before = _indexes(container)
    assert ("audit_events", next(d for t, d in before if "audit_events_actor" in d)) in before

    rebuild_all(container)

    assert _indexes(container) == before


def test_after_a_rebuild_the_projector_carries_on_from_the_swapped_position(
    container: Container,
) -> None:
    populate(container)
    rebuild_all(container, ["audit_trail"])
    populate(container, prefix="later", users=1)
    container.projector.catch_up()
    with container.pool.connection() as conn:
        positions = [r[0] for r in conn.execute("SELECT position FROM audit_events ORDER BY 1")]
    assert positions == list(range(1, container.event_log.head() + 1))


def test_while_rebuilding_the_api_serves_the_whole_old_read_model(
    client: TestClient, admin: dict[str, str]
) -> None:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    head = populate(container)
    query = {"limit": 1000, "after": head}
    before = client.get("/api/v1/audit/events", params=query, headers=admin).json()["items"]
    assert len(before) >= head

    seen_counts: list[int] = []
    stop = threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            with container.pool.connection() as conn:
                row = conn.execute(
                    "SELECT count(*) FROM audit_events WHERE position <= %s", [head]
                ).fetchone()
            assert row is not None
            seen_counts.append(int(row[0]))

    def mid_rebuild() -> None:
        # The new tables are complete but not yet live: the API still answers in full.
        during = client.get("/api/v1/audit/events", params=query, headers=admin).json()["items"]
        assert [e["position"] for e in during][:head] == [e["position"] for e in before][:head]
        with container.pool.connection() as conn:
            built = conn.execute(f"SELECT count(*) FROM {REBUILD_SCHEMA}.audit_events").fetchone()
        assert built is not None and built[0] >= head

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        rebuild(
            container.event_log,
            container.pool,
            container.database_url,
            select(container.projector.projections, None),
            batch=7,  # many small batches, so the reader overlaps the build
            before_swap=mid_rebuild,
        )
    finally:
        stop.set()
        reader.join()
    assert seen_counts and set(seen_counts) == {head}
    after = client.get("/api/v1/audit/events", params=query, headers=admin).json()["items"]
    assert after[:head] == before[:head]


def test_side_effect_followers_and_unknown_names_cannot_be_rebuilt(container: Container) -> None:
    with pytest.raises(UnknownProjection, match="alert_outbox"):
        select(container.projector.projections, ["alert_outbox"])
    with pytest.raises(UnknownProjection):
        select(container.projector.projections, ["no_such_model"])
