"""Object-level access across estates (R7.4), for every route, not a sample.

A company runs many estates. Staff are scoped to the estates they serve;
owners and residents see only their own units, requests and notifications;
technicians see the orders assigned to them. Two estates, A and B, each get a
record of every kind (``tests/api/estate_world.py``), and then:

* every route with a path parameter naming a record is called with estate
  A's record as B's property manager, customer service, technician and
  resident: a read answers 404 (403 only where the caller lacks the
  permission altogether), a command 403/404/422, and appends nothing;
* every list route (a GET with no record in its path) is called as each of
  them, plain and filtered to estate A, and no ID or text of A's records may
  appear anywhere in the answer.

``ROUTE_RECORDS`` says which record each route's ID names; a route with an ID
parameter that is missing from it fails the suite, so a new route must be
added (and so checked) here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from domain.identity.policy import (
    AUTHENTICATED_BASELINE,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    Scope,
    holds_action,
)
from infrastructure.bootstrap import Container
from interfaces.http.app import create_app
from interfaces.http.security import PUBLIC, declared_permission
from tests.api.estate_world import Actor, World, build_world, ok

API = "/api/v1"

# Identity routes: who may read or change a user, log in, read the audit trail,
# the raw history of an aggregate or the read models' progress. They are not
# records of an estate, and tests/api/test_object_scoping.py (with
# test_route_permissions.py) covers their object-level access.
IDENTITY_PREFIXES = (
    f"{API}/users",
    f"{API}/auth",
    f"{API}/audit",
    f"{API}/history",
    f"{API}/projections",
)
# Liveness and readiness carry no records.
UNSCOPED = {"/health", "/ready"}
# Finance (issue 6) is not in this sweep yet: estate_world.py does not build
# bills, payments, claims, fund spendings or reviews. Each finance test module
# checks another estate's clerk gets 404 for its own routes meanwhile; adding
# finance records to the world and these routes to ROUTE_RECORDS is open work.
NOT_YET_SWEPT = (f"{API}/finance",)

# Route path -> the kind of estate A's record whose ID goes into its path.
ROUTE_RECORDS: dict[str, str] = {
    # registry
    f"{API}/estates/{{estate_id}}": "estate",
    f"{API}/estates/{{estate_id}}/buildings": "estate",
    f"{API}/estates/{{estate_id}}/parking": "estate",
    f"{API}/estates/{{estate_id}}/people": "estate",
    f"{API}/estates/{{estate_id}}/imports/units": "estate",
    f"{API}/estates/{{estate_id}}/imports/residents": "estate",
    f"{API}/buildings/{{building_id}}": "building",
    f"{API}/buildings/{{building_id}}/units": "building",
    f"{API}/units/{{unit_id}}": "unit",
    f"{API}/units/{{unit_id}}/occupancy": "unit",
    f"{API}/units/{{unit_id}}/move-in": "unit",
    f"{API}/units/{{unit_id}}/move-out": "unit",
    f"{API}/units/{{unit_id}}/ownership-transfers": "unit",
    f"{API}/parking/{{parking_id}}": "parking",
    f"{API}/parking/{{parking_id}}/assignment": "parking",
    f"{API}/people/{{person_id}}": "person",
    f"{API}/people/{{person_id}}/occupancy": "person",
    f"{API}/people/{{person_id}}/account": "person",
    f"{API}/people/{{person_id}}/erasure": "person",
    # equipment
    f"{API}/equipment/{{equipment_id}}": "equipment",
    f"{API}/equipment/{{equipment_id}}/status": "equipment",
    f"{API}/equipment/{{equipment_id}}/archive": "equipment",
    f"{API}/alarms/{{alarm_id}}": "alarm",
    f"{API}/alarms/{{alarm_id}}/acknowledge": "alarm",
    f"{API}/alarms/{{alarm_id}}/clear": "alarm",
    f"{API}/alarms/{{alarm_id}}/work-order": "alarm",
    # work orders (the one assigned to A's technician) and maintenance plans
    f"{API}/workorders/{{order_id}}": "order",
    f"{API}/workorders/{{order_id}}/history": "order",
    **{
        f"{API}/workorders/{{order_id}}/{step}": "order"
        for step in (
            "triage",
            "assign",
            "accept",
            "reject",
            "start",
            "hold",
            "resume",
            "complete",
            "rate",
            "close",
            "cancel",
            "reopen",
        )
    },
    f"{API}/maintenance-plans/{{plan_id}}": "plan",
    **{
        f"{API}/maintenance-plans/{{plan_id}}/{step}": "plan"
        for step in ("pause", "resume", "retire")
    },
    # approvals (the pending one of A's service request)
    f"{API}/approvals/{{approval_id}}": "approval",
    **{
        f"{API}/approvals/{{approval_id}}/{step}": "approval"
        for step in ("approve", "reject", "return", "delegate")
    },
    # community
    f"{API}/service-requests/{{request_id}}": "service_request",
    **{
        f"{API}/service-requests/{{request_id}}/{step}": "service_request"
        for step in ("accept", "decline", "schedule", "done", "close", "resubmit", "cancel")
    },
    f"{API}/complaints/{{complaint_id}}": "complaint",
    **{
        f"{API}/complaints/{{complaint_id}}/{step}": "complaint"
        for step in ("assign", "respond", "resolve", "escalate", "close", "confirm", "reopen")
    },
    **{
        f"{API}/announcements/{{announcement_id}}/{step}": "announcement"
        for step in ("revise", "submit", "publish", "withdraw")
    },
    # notifications
    f"{API}/notifications/reminders/{{reminder_id}}/cancel": "reminder",
}

# Path parameters that name no record: what to put in them.
OTHER_PATH_VALUES = {"kind": "service_request"}

ID_PARAMETER = re.compile(r"\{(\w+_id|id)(:\w+)?\}")
PARAMETER = re.compile(r"\{(\w+)(:\w+)?\}")

# Bodies that would pass validation, so that the scope check, not the schema,
# is what refuses: (method, path) -> body, given the world and the caller.
Body = Callable[[World, Actor], Any]


def _csv(text: str) -> Body:
    return lambda w, who: text


def _reason(w: World, who: Actor) -> Any:
    return {"reason": "not mine to do"}


BODIES: dict[tuple[str, str], Body] = {
    ("PATCH", f"{API}/estates/{{estate_id}}"): lambda w, who: {"name": "Taken over"},
    ("POST", f"{API}/estates/{{estate_id}}/buildings"): lambda w, who: {"code": "BX"},
    ("POST", f"{API}/estates/{{estate_id}}/parking"): lambda w, who: {"code": "PX"},
    ("POST", f"{API}/estates/{{estate_id}}/people"): lambda w, who: {"name": "Intruder"},
    ("POST", f"{API}/estates/{{estate_id}}/imports/units"): _csv(
        "building,number,floor,gross_area,internal_area\nBX,901,9,50.00,40.00\n"
    ),
    ("POST", f"{API}/estates/{{estate_id}}/imports/residents"): _csv(
        "building,unit,name,relation,moved_in_on\nB1,101,Intruder,tenant,2026-02-01\n"
    ),
    ("PATCH", f"{API}/buildings/{{building_id}}"): lambda w, who: {"name": "Taken over"},
    ("POST", f"{API}/buildings/{{building_id}}/units"): lambda w, who: {
        "number": "901",
        "floor": 9,
        "gross_area": "50.00",
        "internal_area": "40.00",
    },
    ("PATCH", f"{API}/units/{{unit_id}}"): lambda w, who: {"floor": 2},
    ("POST", f"{API}/units/{{unit_id}}/move-in"): lambda w, who: {
        "person_id": w.b["person"],
        "relation": "tenant",
        "on": "2026-02-01",
    },
    ("POST", f"{API}/units/{{unit_id}}/move-out"): lambda w, who: {
        "person_id": w.a["person"],
        "on": "2026-02-01",
    },
    ("POST", f"{API}/units/{{unit_id}}/ownership-transfers"): lambda w, who: {
        "new_owner_ids": [w.b["person"]],
        "on": "2026-02-01",
    },
    ("POST", f"{API}/parking/{{parking_id}}/assignment"): lambda w, who: {"unit_id": w.b["unit"]},
    ("PATCH", f"{API}/people/{{person_id}}"): lambda w, who: {"name": "Taken over"},
    ("POST", f"{API}/people/{{person_id}}/account"): lambda w, who: {"user_id": who.id},
    ("POST", f"{API}/people/{{person_id}}/erasure"): _reason,
    ("PATCH", f"{API}/equipment/{{equipment_id}}"): lambda w, who: {"name": "Taken over"},
    ("POST", f"{API}/equipment/{{equipment_id}}/status"): lambda w, who: {
        "status": "out_of_service",
        "reason": "not mine to do",
    },
    ("POST", f"{API}/alarms/{{alarm_id}}/work-order"): lambda w, who: {"title": "Mine now"},
    ("POST", f"{API}/workorders/{{order_id}}/triage"): lambda w, who: {
        "category": "electrical",
        "priority": "low",
    },
    ("POST", f"{API}/workorders/{{order_id}}/assign"): lambda w, who: {"technician_id": who.id},
    ("POST", f"{API}/workorders/{{order_id}}/reject"): _reason,
    ("POST", f"{API}/workorders/{{order_id}}/hold"): _reason,
    ("POST", f"{API}/workorders/{{order_id}}/complete"): lambda w, who: {
        "work_done": "nothing",
        "labour_hours": "1.00",
    },
    ("POST", f"{API}/workorders/{{order_id}}/rate"): lambda w, who: {"rating": 1},
    ("POST", f"{API}/workorders/{{order_id}}/cancel"): _reason,
    ("POST", f"{API}/workorders/{{order_id}}/reopen"): _reason,
    ("PATCH", f"{API}/maintenance-plans/{{plan_id}}"): lambda w, who: {"title": "Taken over"},
    ("POST", f"{API}/maintenance-plans/{{plan_id}}/pause"): _reason,
    ("POST", f"{API}/maintenance-plans/{{plan_id}}/retire"): _reason,
    ("POST", f"{API}/approvals/{{approval_id}}/approve"): lambda w, who: {"comment": "fine"},
    ("POST", f"{API}/approvals/{{approval_id}}/reject"): _reason,
    ("POST", f"{API}/approvals/{{approval_id}}/return"): _reason,
    ("POST", f"{API}/approvals/{{approval_id}}/delegate"): lambda w, who: {"to": who.id},
    ("POST", f"{API}/service-requests/{{request_id}}/decline"): _reason,
    ("POST", f"{API}/service-requests/{{request_id}}/schedule"): lambda w, who: {
        "scheduled_for": "2026-06-01T09:00:00Z"
    },
    ("POST", f"{API}/service-requests/{{request_id}}/done"): lambda w, who: {"note": "done"},
    ("POST", f"{API}/service-requests/{{request_id}}/resubmit"): lambda w, who: {
        "description": "changed"
    },
    ("POST", f"{API}/service-requests/{{request_id}}/cancel"): _reason,
    ("POST", f"{API}/complaints/{{complaint_id}}/assign"): lambda w, who: {"handler_id": who.id},
    ("POST", f"{API}/complaints/{{complaint_id}}/respond"): lambda w, who: {"response": "no"},
    ("POST", f"{API}/complaints/{{complaint_id}}/resolve"): lambda w, who: {"resolution": "no"},
    ("POST", f"{API}/complaints/{{complaint_id}}/escalate"): _reason,
    ("POST", f"{API}/complaints/{{complaint_id}}/reopen"): _reason,
    ("POST", f"{API}/announcements/{{announcement_id}}/revise"): lambda w, who: {
        "title": "Taken over",
        "body": "...",
    },
    ("POST", f"{API}/announcements/{{announcement_id}}/withdraw"): _reason,
}


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    permission: str


def _declarations(dependant: Dependant) -> list[str]:
    found = []
    for dep in dependant.dependencies:
        if dep.call is not None and (declared := declared_permission(dep.call)) is not None:
            found.append(declared)
        found += _declarations(dep)
    return found


def _endpoints(container: Container) -> list[Endpoint]:
    out = []
    for ctx in iter_route_contexts(create_app(container).routes):
        if not isinstance(ctx.original_route, APIRoute):
            continue
        [declared] = _declarations(ctx.dependant)
        out += [Endpoint(str(ctx.path), m, declared) for m in sorted(ctx.methods or ())]
    return out


def _in_scope(endpoint: Endpoint) -> bool:
    return (
        not endpoint.path.startswith((*IDENTITY_PREFIXES, *NOT_YET_SWEPT))
        and endpoint.path not in UNSCOPED
    )


def _id_parameters(path: str) -> list[str]:
    return [m.group(1) for m in ID_PARAMETER.finditer(path)]


def _id_routes(container: Container) -> list[Endpoint]:
    return [e for e in _endpoints(container) if _in_scope(e) and _id_parameters(e.path)]


def _list_routes(container: Container) -> list[Endpoint]:
    return [
        e
        for e in _endpoints(container)
        if _in_scope(e) and e.method == "GET" and not _id_parameters(e.path)
    ]


def _holds(role: str, permission: str) -> bool:
    """Does ``role`` pass the route's declared permission (the route-level check)?"""
    if permission.startswith(f"{PUBLIC}:"):
        return True
    declared = Permission(permission)
    granted = ROLE_PERMISSIONS[Role(role)] | AUTHENTICATED_BASELINE
    if declared.scope is Scope.ANY:
        return declared in granted
    return holds_action(granted, declared.action)


def _url(path: str, record: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return record if ID_PARAMETER.fullmatch(match.group(0)) else OTHER_PATH_VALUES[name]

    return PARAMETER.sub(value, path)


def _call(client: TestClient, method: str, url: str, who: Actor, body: Any, **params: Any) -> Any:
    if isinstance(body, str):
        headers = {**who.headers, "content-type": "text/csv"}
        return client.request(method, url, content=body, headers=headers, params=params)
    return client.request(method, url, json=body, headers=who.headers, params=params)


@pytest.fixture
def world(client: TestClient, admin: dict[str, str], running: Container) -> World:
    return build_world(client, admin, running)


# ---- the mapping itself ---------------------------------------------------------


def test_every_route_with_a_record_id_says_which_record_it_names(container: Container) -> None:
    """A new route with an ID must be added to ROUTE_RECORDS, and so to the walk below."""
    paths = {e.path for e in _id_routes(container)}
    missing = sorted(paths - ROUTE_RECORDS.keys())
    assert not missing, "routes with a record ID missing from ROUTE_RECORDS:\n" + "\n".join(missing)
    stale = sorted(ROUTE_RECORDS.keys() - paths)
    assert not stale, "ROUTE_RECORDS names routes the app does not have:\n" + "\n".join(stale)
    for path in paths:
        assert len(_id_parameters(path)) == 1, path
    # Every command route has a body that passes validation (or takes none).
    commands = {(e.method, e.path) for e in _id_routes(container) if e.method != "GET"}
    assert set(BODIES) <= commands, sorted(set(BODIES) - commands)


def test_the_walk_covers_every_context_and_excludes_only_identity(container: Container) -> None:
    ids, lists = _id_routes(container), _list_routes(container)
    assert len(ids) >= 75, len(ids)
    assert len(lists) >= 20, len(lists)
    for prefix in (
        "estates",
        "buildings",
        "units",
        "parking",
        "people",
        "equipment",
        "alarms",
        "workorders",
        "maintenance-plans",
        "approvals",
        "service-requests",
        "complaints",
        "announcements",
        "notifications",
    ):
        assert any(e.path.startswith(f"{API}/{prefix}") for e in ids + lists), prefix
    excluded = {e.path for e in _endpoints(container) if not _in_scope(e)}
    assert all(
        p.startswith((*IDENTITY_PREFIXES, *NOT_YET_SWEPT)) or p in UNSCOPED for p in excluded
    )


# ---- one record of another estate -----------------------------------------------


def test_every_route_refuses_another_estates_record_to_each_of_its_staff_and_residents(
    client: TestClient, running: Container, world: World
) -> None:
    routes = _id_routes(running)
    failures: list[str] = []
    calls = 0
    for endpoint in routes:
        kind = ROUTE_RECORDS[endpoint.path]
        url = _url(endpoint.path, world.a[kind])
        make_body = BODIES.get((endpoint.method, endpoint.path))
        for who in world.b.outsiders:
            body = make_body(world, who) if make_body else None
            head = running.event_log.head()
            response = _call(client, endpoint.method, url, who, body)
            calls += 1
            appended = running.event_log.head() - head
            status = response.status_code
            where = f"{endpoint.method} {endpoint.path} as B's {who.role}"
            if endpoint.method == "GET":
                allowed = {404} if _holds(who.role, endpoint.permission) else {403}
            else:
                allowed = {403, 404, 422}
            if status not in allowed:
                failures.append(f"{where}: {status} (expected {sorted(allowed)}): {response.text}")
            if appended:
                failures.append(f"{where}: appended {appended} event(s) to the log")
            if status == 200 or status == 201:
                continue
            text = response.text
            for needle in (world.a["estate"],) if kind != "estate" else ():
                if needle in text:
                    failures.append(f"{where}: the refusal names estate A: {text}")
    assert calls == 4 * len(routes)
    assert not failures, f"{len(failures)} leak(s):\n" + "\n".join(failures)


# ---- lists ----------------------------------------------------------------------


def _leaks(text: str, needles: list[str]) -> list[str]:
    return [n for n in needles if n in text]


def test_no_list_shows_another_estates_records_to_its_staff_or_residents(
    client: TestClient, running: Container, world: World
) -> None:
    routes = _list_routes(running)
    needles = world.a.needles
    failures: list[str] = []
    for endpoint in routes:
        url = _url(endpoint.path, "")
        for who in world.b.outsiders:
            for params in ({}, {"estate_id": world.a["estate"]}):
                response = _call(client, "GET", url, who, None, **params)
                where = f"GET {endpoint.path} {params or ''} as B's {who.role}"
                if response.status_code == 403 and not _holds(who.role, endpoint.permission):
                    continue
                if response.status_code != 200:
                    failures.append(f"{where}: {response.status_code}: {response.text}")
                    continue
                leaked = _leaks(response.text, needles)
                if leaked:
                    kinds = [k for k, v in world.a.records.items() if v in leaked]
                    failures.append(f"{where}: shows estate A's {kinds or leaked}")
    assert not failures, f"{len(failures)} leak(s):\n" + "\n".join(failures)


def test_the_lists_do_show_each_estate_its_own_records(
    client: TestClient, running: Container, world: World
) -> None:
    """Guards the test above: the records are there to be found, by their own estate."""
    expectations = {
        "/units": "property_manager",
        "/people": "customer_service",
        "/equipment": "technician",
        "/alarms": "technician",
        "/workorders": "technician",
        "/maintenance-plans": "technician",
        "/approvals": "customer_service",
        "/service-requests": "owner",
        "/complaints": "property_manager",
        "/surveys": "owner",
        "/announcements": "property_manager",
        "/notifications/reminders": "owner",
    }
    kinds = {
        "/units": "unit",
        "/people": "person",
        "/equipment": "equipment",
        "/alarms": "alarm",
        "/workorders": "order",
        "/maintenance-plans": "plan",
        "/approvals": "approval",
        "/service-requests": "service_request",
        "/complaints": "complaint",
        "/surveys": "survey",
        "/announcements": "announcement",
        "/notifications/reminders": "reminder",
    }
    for e in (world.a, world.b):
        people = {who.role: who for who in e.outsiders}
        for path, role in expectations.items():
            response = client.get(f"{API}{path}", headers=people[role].headers)
            assert response.status_code == 200, (e.name, path, response.text)
            assert e[kinds[path]] in response.text, (e.name, path, role)
        inbox = ok(client.get(f"{API}/notifications/inbox", headers=e.resident.headers))
        assert [i["id"] for i in inbox] == [e.message_position]


# ---- own records: technicians and residents ----------------------------------------


def test_a_technician_sees_only_the_orders_assigned_to_them(
    client: TestClient, running: Container, world: World
) -> None:
    tech = world.a.technician
    listed = ok(client.get(f"{API}/workorders", headers=tech.headers))
    assert [o["id"] for o in listed] == [world.a["order"]]
    for other in ("unassigned_order", "resident_order"):
        missing = client.get(f"{API}/workorders/{world.a[other]}", headers=tech.headers)
        assert missing.status_code == 404, (other, missing.text)
        history = client.get(f"{API}/workorders/{world.a[other]}/history", headers=tech.headers)
        assert history.status_code == 404, (other, history.text)
    assert (
        ok(client.get(f"{API}/workorders/{world.a['order']}", headers=tech.headers))["id"]
        == (world.a["order"])
    )
    head = running.event_log.head()
    accepted = client.post(
        f"{API}/workorders/{world.a['unassigned_order']}/accept", headers=tech.headers
    )
    assert accepted.status_code == 404, accepted.text
    assert running.event_log.head() == head
    board = ok(client.get(f"{API}/workorders/dashboard", headers=tech.headers))
    assert world.a["unassigned_order"] not in json.dumps(board)


def test_a_resident_sees_only_their_own_units_requests_and_notifications(
    client: TestClient, running: Container, world: World
) -> None:
    me, mine, theirs = world.a.resident, world.a.records, world.neighbour_records
    headers = me.headers
    listings = {
        path: client.get(f"{API}/{path}", headers=headers).text
        for path in (
            "units",
            "people",
            "parking",
            "workorders",
            "service-requests",
            "complaints",
            "surveys",
            "notifications/inbox",
            "notifications/deliveries",
            "notifications/reminders",
            "tasks/mine",
        )
    }
    for path, text in listings.items():
        for kind, record in theirs.items():
            if kind != "message_position":
                assert record not in text, (path, kind)
        for needle in world.neighbour_text.split("|"):
            assert needle not in text, (path, needle)
    assert mine["unit"] in listings["units"]
    assert mine["service_request"] in listings["service-requests"]
    assert mine["complaint"] in listings["complaints"]
    assert mine["resident_order"] in listings["workorders"]
    assert mine["reminder"] in listings["notifications/reminders"]
    inbox = json.loads(listings["notifications/inbox"])
    assert [i["id"] for i in inbox] == [world.a.message_position]

    for path in (
        f"units/{theirs['unit']}",
        f"units/{theirs['unit']}/occupancy",
        f"people/{theirs['person']}",
        f"service-requests/{theirs['service_request']}",
        f"complaints/{theirs['complaint']}",
        f"workorders/{theirs['resident_order']}",
    ):
        response = client.get(f"{API}/{path}", headers=headers)
        assert response.status_code == 404, (path, response.text)
    head = running.event_log.head()
    refused = [
        client.post(
            f"{API}/notifications/inbox/read",
            json={"positions": [int(theirs["message_position"])]},
            headers=headers,
        ),
        client.post(f"{API}/notifications/reminders/{theirs['reminder']}/cancel", headers=headers),
        client.post(
            f"{API}/service-requests/{theirs['service_request']}/cancel",
            json={"reason": "not mine"},
            headers=headers,
        ),
        client.post(f"{API}/complaints/{theirs['complaint']}/confirm", headers=headers),
        client.post(
            f"{API}/workorders/{theirs['resident_order']}/cancel",
            json={"reason": "not mine"},
            headers=headers,
        ),
    ]
    for response in refused:
        assert response.status_code == 404, (response.request.url, response.text)
    assert running.event_log.head() == head
    # B's resident cannot mark A's notification read either.
    foreign = client.post(
        f"{API}/notifications/inbox/read",
        json={"positions": [world.a.message_position]},
        headers=world.b.resident.headers,
    )
    assert foreign.status_code == 404, foreign.text
    assert running.event_log.head() == head


# ---- commands that name another estate's record in their body --------------------


def _references(w: World) -> list[tuple[str, str, Actor, Any]]:
    """(method, path, caller, body): B's people naming A's records in a command."""
    a, b = w.a, w.b
    pm, front, owner = b.manager, b.customer_service, b.resident
    order = {"title": "Leak", "description": "pipe"}
    plan = {"title": "Check", "interval_days": 30, "first_due_on": "2026-12-01"}
    ask = {"category": "cleaning", "description": "hall"}
    gripe = {"subject": "Noise", "description": "pump"}
    due = "2030-01-01T09:00:00Z"
    cases: list[tuple[str, str, Actor, Any]] = []
    for who in b.outsiders:
        cases += [
            ("POST", "/workorders", who, {**order, "estate_id": a["estate"]}),
            ("POST", "/workorders", who, {**order, "unit_id": a["unit"]}),
            ("POST", "/service-requests", who, {**ask, "estate_id": a["estate"]}),
            ("POST", "/complaints", who, {**gripe, "estate_id": a["estate"]}),
            ("POST", "/equipment", who, {"estate_id": a["estate"], "kind": "pump", "name": "X"}),
            ("POST", "/maintenance-plans", who, {**plan, "estate_id": a["estate"]}),
            ("POST", "/announcements", who, {"estate_id": a["estate"], "title": "X", "body": "Y"}),
            (
                "POST",
                "/notifications/messages",
                who,
                {"estate_id": a["estate"], "subject": "X", "body": "Y"},
            ),
            (
                "POST",
                "/notifications/messages",
                who,
                {"recipient_id": a.resident.id, "subject": "X", "body": "Y"},
            ),
            (
                "POST",
                "/notifications/reminders",
                who,
                {"user_id": a.resident.id, "message": "X", "due_at": due},
            ),
            (
                "POST",
                "/surveys",
                who,
                {
                    "subject_kind": "complaint",
                    "subject_id": a["closed_complaint"],
                    "scores": {"overall": 1},
                },
            ),
        ]
    for who in (pm, owner):
        unit_ask = {"estate_id": b["estate"], "unit_id": a["unit"]}
        cases += [
            ("POST", "/service-requests", who, {**ask, **unit_ask}),
            ("POST", "/complaints", who, {**gripe, **unit_ask}),
        ]
    # B's own records, pointed at A's: the record of B must not reach into A.
    cases += [
        ("POST", "/workorders", pm, {**order, "estate_id": b["estate"], "unit_id": a["unit"]}),
        (
            "POST",
            "/workorders",
            pm,
            {**order, "estate_id": b["estate"], "equipment_id": a["equipment"]},
        ),
        (
            "POST",
            "/workorders",
            owner,
            {**order, "unit_id": b["unit"], "equipment_id": a["equipment"]},
        ),
        (
            "POST",
            "/maintenance-plans",
            pm,
            {**plan, "estate_id": b["estate"], "equipment_id": a["equipment"]},
        ),
        (
            "POST",
            "/maintenance-plans",
            pm,
            {**plan, "estate_id": b["estate"], "technician_id": a.technician.id},
        ),
        ("PATCH", f"/maintenance-plans/{b['plan']}", pm, {"equipment_id": a["equipment"]}),
        ("PATCH", f"/maintenance-plans/{b['plan']}", pm, {"technician_id": a.technician.id}),
        (
            "POST",
            "/equipment",
            pm,
            {"estate_id": b["estate"], "kind": "pump", "name": "X", "unit_id": a["unit"]},
        ),
        (
            "POST",
            "/equipment",
            pm,
            {"estate_id": b["estate"], "kind": "pump", "name": "X", "building_id": a["building"]},
        ),
        ("PATCH", f"/equipment/{b['equipment']}", pm, {"unit_id": a["unit"]}),
        ("PATCH", f"/equipment/{b['equipment']}", pm, {"building_id": a["building"]}),
        ("POST", f"/parking/{b['parking']}/assignment", pm, {"unit_id": a["unit"]}),
        (
            "POST",
            f"/units/{b['unit']}/move-in",
            pm,
            {"person_id": a["person"], "relation": "tenant", "on": "2026-02-01"},
        ),
        (
            "POST",
            f"/units/{b['unit']}/ownership-transfers",
            pm,
            {"new_owner_ids": [a["person"]], "on": "2026-02-01"},
        ),
        (
            "POST",
            f"/workorders/{b['unassigned_order']}/assign",
            pm,
            {"technician_id": a.technician.id},
        ),
        ("POST", f"/complaints/{b['complaint']}/assign", pm, {"handler_id": a.customer_service.id}),
        ("POST", f"/approvals/{b['approval']}/delegate", front, {"to": a.customer_service.id}),
    ]
    return cases


def test_no_command_reaches_another_estates_record_through_its_body(
    client: TestClient, running: Container, world: World
) -> None:
    failures = []
    cases = _references(world)
    for method, path, who, body in cases:
        head = running.event_log.head()
        response = client.request(method, f"{API}{path}", json=body, headers=who.headers)
        appended = running.event_log.head() - head
        where = f"{method} {path} {body} as B's {who.role}"
        if response.status_code not in (403, 404, 422):
            failures.append(f"{where}: {response.status_code}: {response.text}")
        if appended:
            failures.append(f"{where}: appended {appended} event(s)")
    assert len(cases) >= 60
    assert not failures, f"{len(failures)} leak(s):\n" + "\n".join(failures)


def test_telemetry_for_another_estates_equipment_is_rejected_like_unknown_equipment(
    client: TestClient, running: Container, world: World
) -> None:
    at = "2026-03-01T09:00:00Z"
    for who in (world.b.manager, world.b.technician):
        answers = []
        for equipment in (world.a["equipment"], "00000000-0000-4000-8000-000000000000"):
            head = running.event_log.head()
            reading = {"equipment_id": equipment, "at": at, "metric": "state", "state": "normal"}
            response = client.post(
                f"{API}/telemetry", json={"readings": [reading]}, headers=who.headers
            )
            assert running.event_log.head() == head, response.text
            if response.status_code == 200:
                body = response.json()
                assert (body["stored"], len(body["rejected"])) == (0, 1), body
                answers.append((response.status_code, body["rejected"][0]["reason"]))
            else:
                answers.append((response.status_code, response.json().get("detail")))
        assert answers[0] == answers[1], answers
