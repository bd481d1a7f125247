"""As of a moment or a position, into a schema of its own; rebuild and as-of from the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from bootstrap import Container
from infrastructure.settings import Settings
from replay.asof import position_at
from tests.integration.replay.readmodel_rows import populate, read_models
from tests.integration.replay.test_backup_restore import _cli

pytestmark = pytest.mark.fresh_schema


def _usernames(database_url: str, schema: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(f"SELECT username FROM {schema}.user_directory ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def test_position_at_a_moment_is_the_last_event_recorded_by_then(container: Container) -> None:
    assert position_at(container.event_log, datetime.now(UTC)) == 0
    first = populate(container, prefix="early", users=1)
    cut = datetime.now(UTC)
    populate(container, prefix="late", users=1)
    assert position_at(container.event_log, cut) == first
    assert position_at(container.event_log, datetime(2000, 1, 1, tzinfo=UTC)) == 0
    assert position_at(container.event_log, datetime.now(UTC)) == container.event_log.head()


def test_the_cli_builds_read_models_as_of_a_moment_beside_the_live_ones(
    container: Container, settings: Settings
) -> None:
    populate(container, prefix="early", users=2)
    cut = datetime.now(UTC)
    populate(container, prefix="late", users=1)
    container.projector.catch_up()
    live = read_models(container)

    built = _cli(settings, "replay", "as-of", "--at", cut.isoformat())
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    assert report["schema"] == f"estatelog_asof_{report['position']}"
    assert _usernames(container.database_url, report["schema"]) == ["early0", "early1"]
    assert read_models(container) == live  # the live read models were not touched

    only_audit = _cli(
        settings,
        "replay",
        "as-of",
        "--position",
        "3",
        "--projection",
        "audit_trail",
        "--schema",
        "estatelog_three",
    )
    assert only_audit.returncode == 0, only_audit.stderr
    with psycopg.connect(container.database_url) as conn:
        positions = conn.execute("SELECT position FROM estatelog_three.audit_events").fetchall()
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'estatelog_three' ORDER BY 1"
        ).fetchall()
    assert sorted(p for (p,) in positions) == [1, 2, 3]
    assert [t for (t,) in tables] == ["as_of", "audit_events"]

    refused = _cli(settings, "replay", "as-of", "--at", "2026-01-01T00:00:00")
    assert refused.returncode == 2 and "timezone" in refused.stderr

    assert _cli(settings, "replay", "drop", "estatelog_three").returncode == 0
    not_a_build = _cli(settings, "replay", "drop", "estatelog_rebuild")
    assert not_a_build.returncode == 2
    with psycopg.connect(container.database_url) as conn:
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}
    assert "estatelog_three" not in schemas and report["schema"] in schemas


def test_the_cli_rebuilds_every_read_model_and_reports_its_rate(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    head = populate(container, users=2)
    container.projector.catch_up()
    live = read_models(container)
    done = _cli(settings, "replay", "rebuild", "--all")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["position"] == head and report["events"] == head
    assert sorted(report["rebuilt"]) == sorted(
        p.name for p in container.projector.projections if not getattr(p, "has_side_effects", False)
    )
    assert {"audit_trail", "login_history", "user_directory"} <= set(report["rebuilt"])
    assert read_models(container) == live
    unknown = _cli(settings, "replay", "rebuild", "alert_outbox")
    assert unknown.returncode == 2 and "alert_outbox" in unknown.stderr
