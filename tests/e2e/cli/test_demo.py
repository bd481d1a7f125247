"""``estatelog demo``: a living estate loaded through the ordinary commands."""

from __future__ import annotations

import os
import stat
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from infrastructure.settings import Settings
from interfaces.cli.demo import ESTATE_CODE, load_demo
from projections.runtime import wait_for_position
from tests.conftest import bearer, login
from tests.integration.replay.test_backup_restore import _cli
from tests.support.world import world

PASSWORD = "demo-pass-7Qx2-kLm9"


def _settled(container: Container) -> int:
    """Wait until every read model has applied the whole log; the head."""
    head = container.event_log.head()
    for projection in container.projector.projections:
        assert wait_for_position(container.pool, projection.name, head, 30), projection.name
    return head


def _get(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    response = client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _all_units(client: TestClient, headers: dict[str, str], estate_id: str) -> list[Any]:
    units: list[Any] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"estate_id": estate_id, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = _get(client, headers, "/api/v1/units", **params)
        units += page
        if len(page) < 100:
            return units
        cursor = page[-1]["id"]


def test_the_demo_estate_is_visible_through_the_api(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    assert summary.loaded and summary.seconds < 60
    _settled(running)

    estates = _get(client, admin, "/api/v1/estates")
    [estate] = [e for e in estates if e["code"] == ESTATE_CODE]
    assert estate["id"] == str(summary.estate_id)
    estate_id = estate["id"]
    buildings = _get(client, admin, "/api/v1/buildings", estate_id=estate_id)
    assert sorted(b["code"] for b in buildings) == ["A", "B", "C"]
    units = _all_units(client, admin, estate_id)
    assert 40 <= len(units) <= 60
    assert all(float(u["internal_area"]) <= float(u["gross_area"]) for u in units)
    assert {u["use"] for u in units} >= {"residential", "commercial", "storage"}
    assert len(_get(client, admin, "/api/v1/parking", estate_id=estate_id)) >= 10
    people = _get(client, admin, "/api/v1/people", estate_id=estate_id)
    assert len(people) >= 10

    equipment = _get(client, admin, "/api/v1/equipment", estate_id=estate_id, limit=100)["items"]
    kinds = Counter(e["kind"] for e in equipment)
    assert kinds["elevator"] >= 3 and kinds["fire_system"] == 1
    assert kinds["pump"] >= 1 and kinds["meter"] >= 1
    assert len({e["installed_on"][:4] for e in equipment}) >= 4  # across the years

    alarms = _get(client, admin, "/api/v1/alarms", estate_id=estate_id, limit=100)["items"]
    statuses = Counter(a["status"] for a in alarms)
    assert {"raised", "acknowledged", "escalated", "cleared"} <= set(statuses), statuses
    assert any(a.get("work_order_id") for a in alarms)

    orders = _get(client, admin, "/api/v1/workorders", estate_id=estate_id, limit=100)
    states = {o["status"] for o in orders}
    assert {
        "submitted",
        "triaged",
        "assigned",
        "in_progress",
        "on_hold",
        "completed",
        "rated",
        "closed",
        "cancelled",
    } <= states, states
    assert {o["source"] for o in orders} == {"resident", "staff", "alarm", "plan"}
    dashboard = _get(client, admin, "/api/v1/workorders/dashboard", estate_id=estate_id)
    assert dashboard["open_total"] >= 5
    assert dashboard["respond_sla"]["missed"] >= 1  # the SLA breach
    assert dashboard["mean_rating"] is not None

    plans = _get(client, admin, "/api/v1/maintenance-plans", estate_id=estate_id)
    assert len(plans) == 2
    approvals = _get(client, admin, "/api/v1/approvals", estate_id=estate_id)
    assert {a["status"] for a in approvals} == {"approved", "pending"}
    complaints = _get(client, admin, "/api/v1/complaints", estate_id=estate_id)
    assert len(complaints) == 2

    # Every event carries the metadata; a person's step names that person.
    trail = _get(client, admin, "/api/v1/audit/events", aggregate_id=estate_id)["items"]
    assert [e["actor_role"] for e in trail] == ["demo"]
    rated = _get(
        client, admin, "/api/v1/audit/events", aggregate_type="WorkOrder", event_type="Rated"
    )["items"]
    assert rated and all(e["actor_role"] == "demo" and e["actor_id"] for e in rated)
    assert len({e["correlation_id"] for e in rated}) == 1

    # The staff see their estate; the manager has things to do.
    manager = bearer(login(client, "hvg.manager", PASSWORD))
    assert _get(client, manager, "/api/v1/workorders/dashboard", estate_id=estate_id)
    assert _get(client, manager, "/api/v1/tasks/mine")
    technician = bearer(login(client, "hvg.tech.zhao", PASSWORD))
    zhao = running.identity.find("hvg.tech.zhao")
    assert zhao is not None
    mine = _get(client, technician, "/api/v1/workorders")
    assert mine and all(o["assignee_id"] == str(zhao.id) for o in mine)
    reminders = _get(client, manager, "/api/v1/notifications/reminders")
    assert {r["status"] for r in reminders} == {"fired", "scheduled"}


def test_a_resident_logs_in_with_the_password_and_sees_only_their_own_unit(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    _settled(running)
    residents = [a for a in summary.accounts if a.role == "owner"]
    assert len(residents) >= 8
    roles = {a.role for a in summary.accounts}
    assert {"property_manager", "technician", "customer_service", "finance", "auditor"} <= roles

    resident = bearer(login(client, "hvg.wangfang", PASSWORD))
    units = _get(client, resident, "/api/v1/units")
    assert [(u["number"]) for u in units] == ["302"]
    board = _get(client, resident, "/api/v1/announcement-board")
    assert [a["title"] for a in board] == ["Water supply interruption on Saturday"]
    orders = _get(client, resident, "/api/v1/workorders")
    assert [o["status"] for o in orders] == ["closed"]
    assert _get(client, resident, "/api/v1/surveys", status="answered")

    # The buyer of A-101 sees the unit, and its history shows the sale.
    buyer = bearer(login(client, "hvg.linyu", PASSWORD))
    [unit] = _get(client, buyer, "/api/v1/units")
    history = _get(client, admin, f"/api/v1/units/{unit['id']}/occupancy")
    assert [h["relation"] for h in history] == ["owner", "owner"]
    assert history[0]["moved_out_on"] == history[1]["moved_in_on"]


def test_a_second_load_adds_nothing(container: Container) -> None:
    first = load_demo(container, password=PASSWORD, now=datetime.now(UTC))
    head = container.event_log.head()
    again = load_demo(container, password=PASSWORD, now=datetime.now(UTC))
    assert first.loaded and not again.loaded
    assert again.estate_id == first.estate_id
    assert container.event_log.head() == head


def test_the_command_loads_the_demo_once_and_keeps_the_password_private(
    container: Container, settings: Settings
) -> None:
    done = _cli(settings, "demo")
    assert done.returncode == 0, done.stderr
    path = settings.secrets_dir / "demo-password"
    password = path.read_text().strip()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert password in done.stdout  # printed once, to the caller
    assert "hvg.manager" in done.stdout and "hvg.tech.li" in done.stdout
    assert password not in done.stderr  # never in the logs
    head = container.event_log.head()
    user = container.identity.find("hvg.manager")
    assert user is not None and container.identity.passwords.verify(user.password_hash, password)

    again = _cli(settings, "demo")
    assert again.returncode == 0, again.stderr
    assert "loaded already" in again.stdout and password not in again.stdout
    assert container.event_log.head() == head
    assert path.read_text().strip() == password


def test_the_command_fails_clearly_when_a_demo_username_is_taken(
    container: Container, settings: Settings
) -> None:
    container.identity.ensure_admin("admin", "moss-lantern-harbour-39")
    world(container, PASSWORD).account("hvg.manager", [], display_name="Someone else")
    head = container.event_log.head()
    refused = _cli(settings, "demo")
    assert refused.returncode == 1
    assert "hvg.manager" in refused.stderr and "taken" in refused.stderr
    assert container.event_log.head() == head
    assert not (settings.secrets_dir / "demo-password").exists()


def _first_period() -> str:
    """The first of the three months before this one (the one the demo closes)."""
    today = datetime.now(UTC).date()
    year, month = today.year, today.month - 3
    if month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}"


def test_the_demo_estate_keeps_three_months_of_books_that_pass_the_auditors_checks(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    head = _settled(running)
    counts = summary.counts
    # Every unit, three months: eight owned, the rest the developer's (空置房).
    assert counts["bills"] == 3 * counts["units"]
    assert counts["payments"] >= 18 and counts["expenses"] == 5
    assert counts["late_fees"] >= 1 and counts["payment_reminders"] >= 1
    assert counts["compliance_reviews"] == 1 and counts["compliance_findings"] == 0
    estate_id = str(summary.estate_id)
    finance = bearer(login(client, "hvg.finance", PASSWORD))
    auditor = bearer(login(client, "hvg.auditor", PASSWORD))
    bills = _get(client, finance, "/api/v1/finance/bills", estate_id=estate_id, limit=500)
    assert len(bills) == 3 * counts["units"] and any(b["status"] == "open" for b in bills)
    # One payer, the developer, has every vacant unit's bills; the owners the other 24.
    payers = Counter(tuple(b["payer_ids"]) for b in bills)
    [(_, developers)] = payers.most_common(1)
    assert developers == 3 * (counts["units"] - 8) and len(bills) - developers == 24
    sheet = _get(
        client,
        auditor,
        "/api/v1/finance/statements/balance-sheet",
        estate_id=estate_id,
        after=head,
    )
    assert sheet["totals"]["CNY"]["balanced"] is True
    aging = _get(
        client, auditor, "/api/v1/finance/statements/receivables-aging", estate_id=estate_id
    )
    assert float(aging["totals"]["CNY"]["total"]) > 0  # B-202 never pays
    fund = _get(client, auditor, "/api/v1/finance/statements/fund", estate_id=estate_id)
    assert fund["units"]
    periods = _get(client, auditor, f"/api/v1/finance/estates/{estate_id}/periods")
    assert [p["period"] for p in periods["closed"]] == [_first_period()]
    reviews = _get(client, auditor, "/api/v1/finance/compliance-checks", estate_id=estate_id)
    assert len(reviews) == 1 and reviews[0]["passed"] is True
