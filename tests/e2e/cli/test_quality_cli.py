"""``estatelog quality run``: the data-quality checks of an estate from a terminal.

The handler is the HTTP route's (``quality:run`` for the estate decides); the run
is printed as JSON, as the route answers it; a caller refused, an estate unknown
or a bad month exit 2 and record nothing. A run that finds failing records tells
the estate's managers once, naming the checks; a clean run tells nobody.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from typer.testing import CliRunner

from bootstrap import Container
from domain.identity.policy import Role
from infrastructure.settings import Settings
from interfaces.cli.main import app as cli
from tests.e2e.cli.test_import_cli import _env
from tests.e2e.notifications.support import drain, working
from tests.support.estate_world import settle
from tests.support.world import world


def test_a_manager_runs_the_checks_and_is_told_only_of_what_fails(
    running: Container, settings: Settings
) -> None:
    w = world(running)
    clean = w.estate("QOK", "Quiet Gardens", "1 Tidy Rd")
    messy = w.estate("QBAD", "Busy Gardens", "2 Untidy Rd")
    building = w.building(messy, "A", "Tower A")
    w.unit(building, "101", 1, Decimal("89.50"), Decimal("72.30"))  # nobody owns it
    person = w.person(messy, "Tenant Wu")
    w.move_in(
        w.unit(building, "102", 1, Decimal("60"), Decimal("50")), person, "tenant", date(2026, 1, 5)
    )
    manager = w.user("q.manager", Role.PROPERTY_MANAGER, clean, messy)
    w.user("q.tech", Role.TECHNICIAN, clean, messy)
    runner, env = CliRunner(), _env(settings)

    head = running.event_log.head()
    for refused in (
        ["--estate", "QBAD", "--by", "q.tech"],  # a technician runs no checks
        ["--estate", "NOPE", "--by", "q.manager"],  # no such estate
        ["--estate", "QBAD", "--by", "q.manager", "--month", "2026-13"],
    ):
        done = runner.invoke(cli, ["quality", "run", *refused], env=env)
        assert done.exit_code == 2, (refused, done.output)
        assert done.stdout == ""
    assert running.event_log.head() == head  # no refusal recorded a run

    with working(running):
        ok = runner.invoke(cli, ["quality", "run", "--estate", "QOK", "--by", "q.manager"], env=env)
        assert ok.exit_code == 0, ok.output
        quiet = json.loads(ok.stdout)
        assert (quiet["estate_id"], quiet["failing"], quiet["trigger"]) == (
            str(clean),
            0,
            "on_demand",
        )
        assert quiet["run_by"] == str(manager)
        found = runner.invoke(
            cli,
            ["quality", "run", "--estate", "QBAD", "--by", "q.manager", "--month", "2026-11"],
            env=env,
        )
        assert found.exit_code == 0, found.output
        busy = json.loads(found.stdout)
        counts = {c["check"]: c["count"] for c in busy["counts"]}
        assert (busy["month"], counts["units_without_owner"]) == ("2026-11", 2)
        assert busy["failing"] == sum(counts.values()) and busy["position"] > quiet["position"]
        settle(running)
        drain(running)
    with running.pool.connection() as conn:
        told = conn.execute(
            "SELECT position, recipient_id, kind, title, body FROM notif_deliveries "
            "WHERE position IN (%s, %s) AND channel = 'in_app'",
            [quiet["position"], busy["position"]],
        ).fetchall()
    [(position, recipient, kind, title, body)] = told  # one notice, one manager, one run
    assert (position, str(recipient), kind) == (busy["position"], str(manager), "quality.found")
    assert title == f"Data quality: {busy['failing']} failing record(s) in 2026-11"
    assert "units_without_owner: 2 (error)" in body
