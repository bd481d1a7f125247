"""The auditors' time machine over HTTP (issue 16, decision 0051).

Every read the auditor role may make takes ``?as_of=`` (a position or a
moment) and answers from an as-of build made on demand: equal to what the
live read answered when the log stood at that position, whatever was written
since.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import Permission
from interfaces.http.app import create_app
from interfaces.http.asof import HEADER, NOT_READ_MODELS, AsOfRoute
from interfaces.http.security import Principal, requires
from tests.e2e.api.test_estate_isolation import QUERIES
from tests.e2e.api.test_object_scoping import assert_problem, make_user
from tests.e2e.api.test_scope_matrix import Route, _fill, _private
from tests.support.estate_world import World, settle

API = "/api/v1"
#: Reads that fold aggregates from the log to the position, and the board,
#: whose last readings come from what the log kept (decision 0055).
FOLDED = {
    f"{API}/approval-policies/{{kind}}",
    f"{API}/finance/estates/{{estate_id}}/periods",
    f"{API}/finance/estates/{{estate_id}}/tax-settings",
    f"{API}/finance/units/{{unit_id}}/owners/{{person_id}}/clearance-certificates/{{certificate_id}}",
    f"{API}/equipment/board",
}


def _as_of_routes(running: Container) -> list[Route]:
    """The reads served from an as-of build: those whose ``as_of`` the gate takes."""
    document = create_app(running).openapi()["paths"]
    return [
        r
        for r in _private(running)
        if r.method == "GET"
        and "as_of" not in r.query  # not the routes that filter by position themselves
        and r.path not in NOT_READ_MODELS
        and any(p["name"] == "as_of" for p in document[r.path]["get"].get("parameters", []))
    ]


def _ready(client: TestClient, headers: dict[str, str], position: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        status = client.get(f"{API}/audit/as-of/{position}", headers=headers)
        assert status.status_code == 200, status.text
        body: dict[str, Any] = status.json()
        if body["state"] != "building" or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def _reads(
    client: TestClient, world: World, routes: list[Route], headers: dict[str, str], **extra: Any
) -> dict[str, Any]:
    answers = {}
    for route in routes:
        for url in _fill(world, route.path):
            response = client.get(
                url, params={**QUERIES.get(route.path, {}), **extra}, headers=headers
            )
            body = (
                response.json()
                if response.headers["content-type"].startswith("application/")
                and "json" in response.headers["content-type"]
                else response.text
            )
            answers[url] = (response.status_code, body, response.headers.get(HEADER))
    return answers


def test_every_auditor_read_as_of_a_position_equals_the_live_read_there(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    _, auditor, _ = make_user(client, admin, "auditor.t", ["auditor"])
    settle(running)
    position = running.event_log.head()
    routes = _as_of_routes(running)
    assert len(routes) >= 40, [r.path for r in routes]
    assert {r.path for r in routes} >= FOLDED, FOLDED - {r.path for r in routes}
    live = _reads(client, world, routes, auditor)
    wrong = {url: a[:2] for url, a in live.items() if a[0] != 200}
    assert not wrong, wrong

    # Later writes that change the answers: a payment, an order, a unit.
    a = world.a
    paid = client.post(
        f"{API}/finance/units/{a['unit']}/payments",
        json={"amount": "3.00", "method": "cash", "reference": "AS-OF-1"},
        headers=a.finance.headers,
    )
    assert paid.status_code == 201, paid.text
    order = client.post(
        f"{API}/workorders",
        json={"title": "Later leak", "description": "after P", "estate_id": a["estate"]},
        headers=admin,
    )
    assert order.status_code == 201, order.text
    # ... and the configuration folded from the log: a policy, the VAT settings.
    policy = client.put(
        f"{API}/approval-policies/service_request",  # the kind the sweep reads
        json={"levels": [{"name": "manager", "role": "property_manager"}], "rules": []},
        headers=admin,
    )
    assert policy.status_code == 200, policy.text
    tax = client.put(
        f"{API}/finance/estates/{a['estate']}/tax-settings",
        json={
            "taxpayer": "general",
            "effective_from": datetime.now(UTC).date().replace(day=1).isoformat(),
            "items": {"water": {"treatment": "pass_through"}},
        },
        headers=admin,
    )
    assert tax.status_code in (200, 202), tax.text
    settle(running)
    assert running.event_log.head() > position
    now = _reads(client, world, routes, auditor)
    changed = [url for url in live if now[url][1] != live[url][1]]
    assert len(changed) >= 7, changed
    assert any("approval-policies" in url for url in changed), changed
    assert any(url.endswith(f"{a['estate']}/tax-settings") for url in changed), changed

    # The first ask starts the build and says how far it is.
    first = client.get(f"{API}/estates", params={"as_of": str(position)}, headers=auditor)
    body = assert_problem(first, 503)  # a build takes longer than this answer
    assert first.headers["Retry-After"] and body["position"] == position
    assert body["status_url"] == f"{API}/audit/as-of/{position}"
    state = _ready(client, auditor, position)
    assert state["state"] == "ready" and state["progress"] == 1.0, state

    past = _reads(client, world, routes, auditor, as_of=str(position))
    differ = {
        url: (past[url][0], str(past[url][1])[:300])
        for url in live
        if past[url][:2] != live[url][:2] or past[url][2] != str(position)
    }
    assert not differ, differ


def test_as_of_a_moment_reads_the_last_position_recorded_by_then(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    _, auditor, _ = make_user(client, admin, "auditor.m", ["auditor"])
    settle(running)
    position = running.event_log.head()
    moment = datetime.now(UTC)
    time.sleep(0.05)
    url = f"{API}/estates"
    live = client.get(url, headers=auditor).json()
    made = client.post(
        f"{API}/estates",
        json={"code": "LATER", "name": "Later estate", "address": "-"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    settle(running)
    client.get(url, params={"as_of": moment.isoformat()}, headers=auditor)
    assert _ready(client, auditor, position)["state"] == "ready"
    then = client.get(url, params={"as_of": moment.isoformat()}, headers=auditor)
    assert then.status_code == 200, then.text
    assert then.headers[HEADER] == str(position)
    assert then.json() == live != client.get(url, headers=auditor).json()


def test_bad_as_of_is_422_and_a_route_the_caller_may_not_read_stays_403(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    _, auditor, _ = make_user(client, admin, "auditor.b", ["auditor"])
    head = running.event_log.head()
    for bad in ("yesterday", "2026-01-01T00:00:00", "-1", str(head + 1000)):
        assert_problem(client.get(f"{API}/estates", params={"as_of": bad}, headers=auditor), 422)
    # Personal and live by nature: refused, naming why, never the present unlabelled.
    inbox = client.get(f"{API}/notifications/inbox", params={"as_of": "1"}, headers=auditor)
    detail = assert_problem(inbox, 422)["detail"]
    assert "personal and live by nature" in detail and "inbox" in detail, detail
    assert "not kept as of a past position" in detail
    # ... and the document says so, on the route and on its parameter.
    inbox_doc = client.get("/openapi.json").json()["paths"][f"{API}/notifications/inbox"]["get"]
    assert "Live only (personal and live by nature" in inbox_doc["description"]
    [parameter] = [p for p in inbox_doc["parameters"] if p["name"] == "as_of"]
    assert parameter["description"].startswith("not kept as of a position (personal")
    # Alerts are the administrators': the auditor may not read them, then or now.
    assert_problem(client.get(f"{API}/alerts", params={"as_of": "1"}, headers=auditor), 403)
    # Reading the past needs history:read:any: estate staff read only the present.
    staff = world.a.finance.headers
    assert client.get(f"{API}/finance/bills", headers=staff).status_code == 200
    refused = client.get(f"{API}/finance/bills", params={"as_of": "1"}, headers=staff)
    assert "history:read:any" in assert_problem(refused, 403)["detail"]
    assert client.get(f"{API}/audit/as-of/1", headers=auditor).json()["state"] == "none"


def test_a_dropped_build_is_made_again_and_the_idle_job_drops_builds(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    _, auditor, _ = make_user(client, admin, "auditor.d", ["auditor"])
    settle(running)
    position = running.event_log.head()
    url = f"{API}/finance/bills"
    live = client.get(url, headers=auditor).json()
    client.get(url, params={"as_of": str(position)}, headers=auditor)
    assert _ready(client, auditor, position)["state"] == "ready"
    assert client.get(url, params={"as_of": str(position)}, headers=auditor).json() == live

    [job] = [j for j in running.scheduled_jobs() if j.name == "drop idle as-of builds"]
    assert job.run(datetime.now(UTC)) == 0  # just read: not idle
    later = datetime.now(UTC) + timedelta(seconds=running.settings.asof_ttl_seconds + 1)
    assert job.run(later) == 1
    assert client.get(f"{API}/audit/as-of/{position}", headers=auditor).json()["state"] == "none"

    again = client.get(url, params={"as_of": str(position)}, headers=auditor)
    assert again.status_code in (200, 503), again.text
    assert _ready(client, auditor, position)["state"] == "ready"
    assert client.get(url, params={"as_of": str(position)}, headers=auditor).json() == live


def test_a_gated_read_that_does_not_read_its_build_answers_500_not_the_present(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    _, auditor, _ = make_user(client, admin, "auditor.g", ["auditor"])
    settle(running)
    position = running.event_log.head()
    router = APIRouter(route_class=AsOfRoute, prefix=API)

    @router.get("/present")
    def present(principal: Principal = requires(Permission.FINANCE_READ_ESTATE)) -> dict[str, int]:
        return {"head": running.event_log.head()}  # the present, not the build

    app = create_app(running)
    app.include_router(router)
    with TestClient(app) as other:
        assert other.get(f"{API}/present", headers=auditor).status_code == 200
        other.get(f"{API}/present", params={"as_of": str(position)}, headers=auditor)
        assert _ready(other, auditor, position)["state"] == "ready"
        refused = other.get(f"{API}/present", params={"as_of": str(position)}, headers=auditor)
        assert assert_problem(refused, 500)["title"] == "Not read as of a position"
        assert HEADER not in refused.headers
