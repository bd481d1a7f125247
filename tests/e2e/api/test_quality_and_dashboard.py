"""The data-quality report (R7.5) and the estate dashboard over HTTP, per role.

Estate A of the two-estate world has unit 101 with its owner and unit 102
where only a tenant (the neighbour) lives: one unit without an owner. Its
fire panel is covered by a maintenance plan and reported in March; its books
bill January to March 2026 at adopted rates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.quality.checks import CHECK_NAMES
from interfaces.http.cursors import encode_cursor
from tests.e2e.api.test_as_of_reads import _ready
from tests.e2e.api.test_object_scoping import make_user
from tests.support.clock import Clock
from tests.support.estate_world import World, ok, settle
from tests.support.pages import every_page

API = "/api/v1"


def _counts(report: dict[str, Any]) -> dict[str, int]:
    return {c["name"]: c["count"] for c in report["checks"]}


def test_the_report_counts_each_check_and_lists_the_failing_records(
    client: TestClient, world: World
) -> None:
    a = world.a
    path = f"{API}/estates/{a['estate']}/quality"
    report = ok(client.get(path, headers=a.manager.headers))
    assert [c["name"] for c in report["checks"]] == list(CHECK_NAMES)
    counts = _counts(report)
    assert counts["units_without_owner"] == 1  # 102: a tenant, no owner
    assert counts["units_without_area"] == 0
    assert counts["occupants_without_contact"] == 0  # everyone has a login
    assert counts["equipment_without_plan"] == 0  # the panel's plan covers it
    assert report["failing"] == sum(counts.values())
    assert {c["severity"] for c in report["checks"]} <= {"error", "warning"}

    units = every_page(
        client, f"{path}/checks/units_without_owner/records", headers=a.manager.headers
    )
    assert [(u["id"], u["label"]) for u in units] == [(world.neighbour_records["unit"], "B1-102")]

    # A cursor of another check is refused, not read.
    owners = client.get(
        f"{path}/checks/units_without_owner/records", params={"limit": 1}, headers=a.manager.headers
    )
    assert owners.status_code == 200
    unit_cursor = client.get(
        f"{path}/checks/units_without_area/records",
        params={"cursor": encode_cursor("B1", "101", "x")},
        headers=a.manager.headers,
    )
    assert unit_cursor.status_code == 400

    # The books' bills of February are all at an adopted rate.
    february = ok(client.get(path, params={"month": "2026-02"}, headers=a.manager.headers))
    assert _counts(february)["bills_without_rate"] == 0

    # A year and a day without care: the panel is a stale facility record.
    stale = ok(client.get(path, params={"stale_days": 1}, headers=a.manager.headers))
    assert _counts(stale)["stale_facility_records"] in (0, 1)
    listed = every_page(
        client,
        f"{path}/checks/stale_facility_records/records",
        {"stale_days": 1},
        headers=a.manager.headers,
    )
    assert len(listed) == _counts(stale)["stale_facility_records"]


def test_who_may_read_and_run_the_checks(
    client: TestClient, admin: dict[str, str], world: World, running: Container
) -> None:
    a, b = world.a, world.b
    path = f"{API}/estates/{a['estate']}/quality"
    assert client.get(path, headers=b.manager.headers).status_code == 404
    for who in (a.technician, a.customer_service, a.finance, a.resident, a.gate_guard):
        assert client.get(path, headers=who.headers).status_code == 403, who.role
    _, auditor, _ = make_user(client, admin, "auditor.q", ["auditor"])
    assert client.get(path, headers=auditor).status_code == 200
    # Reading is not running: the auditor is refused, B's manager told it is missing.
    assert client.post(f"{path}/runs", json={}, headers=auditor).status_code == 403
    assert client.post(f"{path}/runs", json={}, headers=b.manager.headers).status_code == 404
    unknown = client.get(f"{path}/checks/no_such_check/records", headers=a.manager.headers)
    assert unknown.status_code == 422
    bad = client.post(f"{path}/runs", json={"month": "2026-13"}, headers=a.manager.headers)
    assert bad.status_code == 422
    # No month the estate has not begun, nor one from before any books it could have.
    head = running.event_log.head()
    for month in ("2999-12", "1900-01", "٢٠٢٦-01", f"{running.clock() + timedelta(days=40):%Y-%m}"):
        bad = client.post(f"{path}/runs", json={"month": month}, headers=a.manager.headers)
        assert bad.status_code == 422, (month, bad.text)
        assert bad.headers["content-type"] == "application/problem+json"
        assert "month" in bad.text
    assert running.event_log.head() == head


def test_a_run_is_recorded_listed_and_is_its_months_trend(
    client: TestClient, world: World, running: Container
) -> None:
    a = world.a
    path = f"{API}/estates/{a['estate']}/quality"
    run = ok(client.post(f"{path}/runs", json={"month": "2026-02"}, headers=a.manager.headers), 201)
    assert run["month"] == "2026-02" and run["trigger"] == "on_demand"
    assert run["run_by"] == a.manager.id
    assert {c["check"] for c in run["counts"]} == set(CHECK_NAMES)
    assert run["failing"] == sum(c["count"] for c in run["counts"]) >= 1

    runs = every_page(client, f"{path}/runs", {"limit": 1}, headers=a.manager.headers)
    assert [r["id"] for r in runs] == [run["id"], a["quality_run"]]  # newest first
    answer = client.get(
        f"{path}/trend", params={"from": "2026-01", "to": "2030-12"}, headers=a.manager.headers
    )
    assert answer.json()["next_cursor"] is None
    trend = ok(answer)
    months = [t["month"] for t in trend]
    assert months == sorted(months) and "2026-02" in months
    [february] = [t for t in trend if t["month"] == "2026-02"]
    assert february["id"] == run["id"]
    too_long = client.get(
        f"{path}/trend", params={"from": "2016-01", "to": "2026-12"}, headers=a.manager.headers
    )
    assert too_long.status_code == 422
    # B sees none of A's runs.
    b_runs = ok(
        client.get(
            f"{API}/estates/{world.b['estate']}/quality/runs", headers=world.b.manager.headers
        )
    )
    assert run["id"] not in {r["id"] for r in b_runs}


def test_as_of_a_position_the_report_and_dashboard_judge_that_moment_not_today(
    client: TestClient, admin: dict[str, str], world: World, running: Container
) -> None:
    _, auditor, _ = make_user(client, admin, "auditor.quality", ["auditor"])
    settle(running)
    position = running.event_log.head()
    then = f"{datetime.now(UTC):%Y-%m}"
    clock = running.clock
    assert isinstance(clock, Clock)
    clock.advance(timedelta(days=40))  # the service's today is in another month
    try:
        estate = f"{API}/estates/{world.a['estate']}"
        later = f"{clock():%Y-%m}"
        assert ok(client.get(f"{estate}/quality", headers=auditor))["month"] == later
        client.get(f"{estate}/quality", params={"as_of": str(position)}, headers=auditor)
        assert _ready(client, auditor, position)["state"] == "ready"
        past = {"as_of": str(position)}
        assert ok(client.get(f"{estate}/quality", params=past, headers=auditor))["month"] == then
        board = ok(client.get(f"{estate}/dashboard", params=past, headers=auditor))
        assert board["month"] == then
        trend = ok(client.get(f"{estate}/quality/trend", params=past, headers=auditor))
        assert all(t["month"] <= then for t in trend)
    finally:
        clock.release()


def test_the_dashboard_has_the_days_figures_per_role(
    client: TestClient, admin: dict[str, str], world: World, running: Container
) -> None:
    a, b = world.a, world.b
    settle(running)
    path = f"{API}/estates/{a['estate']}/dashboard"
    board = ok(client.get(path, headers=a.manager.headers))
    assert board["estate_id"] == a["estate"]
    assert board["occupancy"] == {"units": 2, "occupied": 2, "rate": "1.0000"}
    assert board["work_orders"]["open"] >= 3  # the world's leak, light, tap and door
    assert 0 <= board["work_orders"]["overdue"] <= board["work_orders"]["open"]
    assert board["alarms"]["active"] == sum(board["alarms"]["by_severity"].values()) >= 1
    assert board["quality"]["id"] == a["quality_run"]
    assert set(board["satisfaction"]) == {"work_orders", "surveys"}
    meters, patrols = board["meters"], board["patrols"]
    assert meters["month"] == patrols["month"] == board["month"]
    assert meters["meters"] >= 1 and 0 <= meters["read"] <= meters["meters"]  # the world's meter
    assert 0 <= patrols["checked"] <= patrols["points"]
    assert (patrols["completion_rate"] is None) == (patrols["points"] == 0)
    for key in ("month", "year", "arrears"):
        assert isinstance(board["collection"][key], list)
    for who in (a.customer_service, a.finance):
        assert ok(client.get(path, headers=who.headers))["estate_id"] == a["estate"]
    for who in (a.technician, a.resident, a.storekeeper, a.gate_guard):
        assert client.get(path, headers=who.headers).status_code == 403, who.role
    assert client.get(path, headers=b.manager.headers).status_code == 404
    _, auditor, _ = make_user(client, admin, "auditor.d", ["auditor"])
    assert ok(client.get(path, headers=auditor))["estate_id"] == a["estate"]
