"""Every route x every kind of caller, the answer derived from the declarations (issue 12 §2).

Each route declares its permission (``requires``) and where its record lives
(``interfaces/http/scopes.py``). From those two and the policy
(``ROLE_PERMISSIONS``) this module derives what each caller must get, and
calls the route as each of them in the world of two estates
(``tests/support/estate_world.py``): anonymous, a visitor, the resident of the
record's unit, a resident of another unit of the estate, a resident of
another estate, each staff role of the record's estate and of the other
estate, the auditor and the administrator.

* A route missing from the declarations, or one whose declaration names a
  parameter the route does not have, fails here.
* A read (GET) answers 200 to exactly the callers the declaration admits, and
  404 (403 where the caller lacks the permission) to the others.
* A command refuses every caller the declaration does not admit (401, 403,
  404, or 422 for an ID in its body) and appends nothing; the admitted are
  not called, so the world stays as built (their success is the business of
  each context's own tests).

IDs inside request bodies: ``tests/e2e/api/test_scope_matrix_bodies.py``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel

from bootstrap import Container
from domain.identity.policy import (
    AUTHENTICATED_BASELINE,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    Scope,
    holds_action,
    widest_scope,
)
from interfaces.http.app import create_app
from interfaces.http.scopes import ROUTE_SCOPES, Scoped, Target
from interfaces.http.security import PUBLIC, declared_permission
from tests.e2e.api.test_estate_isolation import BODIES, OTHER_PATH_VALUES, QUERIES
from tests.e2e.api.test_object_scoping import make_user
from tests.support.estate_world import Actor, World, settle

PARAMETER = re.compile(r"\{(\w+)(:\w+)?\}")
ORDER = (Scope.OWN, Scope.ESTATE, Scope.ANY)
MISSING = "00000000-0000-4000-8000-00000000dead"

# The kind of estate A's record an ID parameter names (see estate_world.py).
KINDS = {
    "estate_id": "estate",
    "building_id": "building",
    "unit_id": "unit",
    "parking_id": "parking",
    "person_id": "person",
    "equipment_id": "equipment",
    "alarm_id": "alarm",
    "order_id": "order",
    "plan_id": "plan",
    "approval_id": "approval",
    "request_id": "service_request",
    "complaint_id": "complaint",
    "announcement_id": "announcement",
    "reminder_id": "reminder",
    "bill_id": "bill",
    "payment_id": "payment",
    "invoice_id": "invoice",
    "certificate_id": "clearance_certificate",
    "line_id": "bank_line",
    "change_id": "rate_change",
    "cost_id": "shared_cost",
    "claim_id": "claim",
    "spending_id": "spending",
    "deposit_id": "renovation_deposit",
    "journal_id": "journal",
    "review_id": "review",
    "finding_id": "finding",
    "user_id": "user",
    "vendor_id": "vendor",
    "aggregate_id": "unit",
    "incident_id": "incident",
    "alert_id": "alert",
    "meter_id": "meter",
    "round_id": "meter_round",
    "car_park_id": "car_park",
    "vehicle_id": "vehicle",
    "parking_pass_id": "parking_pass",
    "session_id": "parking_session",
    "store_id": "store",
    "purchase_id": "purchase",
    "stocktake_id": "stocktake",
    "supplier_invoice_id": "supplier_invoice",
    "route_id": "patrol_route",
    "patrol_plan_id": "patrol_plan",
    "task_id": "patrol_task",
    "pass_id": "visitor_pass",
}


# ---- the declarations themselves (no world needed) -------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permission: str
    body: type[BaseModel] | None
    query: frozenset[str]


def _declarations(dependant: Any) -> list[str]:
    found = []
    for dep in dependant.dependencies:
        if dep.call is not None and (declared := declared_permission(dep.call)) is not None:
            found.append(declared)
        found += _declarations(dep)
    return found


def _routes(container: Container) -> list[Route]:
    out = []
    for ctx in iter_route_contexts(create_app(container).routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute):
            continue
        [declared] = _declarations(ctx.dependant)
        annotation = route.body_field.field_info.annotation if route.body_field else None
        body = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
        query = frozenset(q.name for q in ctx.dependant.query_params)
        out += [Route(m, str(ctx.path), declared, body, query) for m in sorted(ctx.methods or ())]
    return out


def _private(container: Container) -> list[Route]:
    return [r for r in _routes(container) if not r.permission.startswith(f"{PUBLIC}:")]


def test_every_route_declares_where_its_record_lives(container: Container) -> None:
    """A route added without a scope declaration fails here."""
    served = {(r.method, r.path) for r in _private(container)}
    missing = sorted(f"{m} {p}" for m, p in served - ROUTE_SCOPES.keys())
    assert not missing, "routes without a scope in interfaces/http/scopes.py:\n" + "\n".join(
        missing
    )
    stale = sorted(f"{m} {p}" for m, p in ROUTE_SCOPES.keys() - served)
    assert not stale, "scopes declared for routes the app does not have:\n" + "\n".join(stale)


def _names(route: Route, source: str) -> bool:
    where, _, names = source.partition(":")
    if where == "path":
        return names in {m.group(1) for m in PARAMETER.finditer(route.path)}
    if where == "body":
        fields = route.body.model_fields if route.body else {}
        return all(n.split("[]")[0] in fields for n in names.split("|"))
    if where == "rows":
        return route.method == "GET"
    return where in ("caller", "company")


def test_each_declaration_names_a_parameter_of_its_route(container: Container) -> None:
    wrong = []
    for route in _private(container):
        scoped = ROUTE_SCOPES[(route.method, route.path)]
        for source in (scoped.source, *scoped.also):
            if not _names(route, source):
                wrong.append(f"{route.method} {route.path}: {source}")
    assert not wrong, "declared sources the route does not have:\n" + "\n".join(wrong)


def test_each_declaration_agrees_with_the_routes_permission(container: Container) -> None:
    """The caller's own records need an own permission; changing company data
    needs an ``any`` one (or is the caller's own account)."""
    wrong = []
    for route in _private(container):
        scoped = ROUTE_SCOPES[(route.method, route.path)]
        permission = Permission(route.permission)
        if scoped.target is Target.OWN and permission.scope is not Scope.OWN:
            wrong.append(f"{route.method} {route.path}: own records under {permission}")
        if (
            scoped.target is Target.COMPANY
            and route.method != "GET"
            and permission.scope is not Scope.ANY
            and not (permission.scope is Scope.OWN and scoped.source == "path:user_id")
        ):
            wrong.append(f"{route.method} {route.path}: company data changed under {permission}")
        if scoped.target in (Target.ESTATE, Target.UNIT) and permission.scope is Scope.ANY:
            wrong.append(f"{route.method} {route.path}: estate staff shut out by {permission}")
    assert not wrong, "\n".join(wrong)


# ---- the matrix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    name: str
    actor: Actor | None  # None: anonymous
    roles: tuple[Role, ...]
    estates: frozenset[str]


def _callers(
    client: TestClient, admin: dict[str, str], running: Container, w: World
) -> list[Caller]:
    visitor_id, visitor, _ = make_user(client, admin, "visitor.v", ["visitor"])
    auditor_id, auditor, _ = make_user(client, admin, "auditor.m", ["auditor"])
    admin_id = client.get("/api/v1/auth/me", headers=admin).json()["id"]
    settle(running)
    out = [
        Caller("anonymous", None, (), frozenset()),
        Caller("visitor", Actor(visitor_id, visitor, "visitor"), (Role.VISITOR,), frozenset()),
        Caller("resident of this unit", w.a.resident, (Role.OWNER,), frozenset()),
        Caller("resident of another unit", w.neighbour, (Role.OWNER,), frozenset()),
        Caller("resident of another estate", w.b.resident, (Role.OWNER,), frozenset()),
        Caller("auditor", Actor(auditor_id, auditor, "auditor"), (Role.AUDITOR,), frozenset()),
        Caller("administrator", Actor(admin_id, admin, "admin"), (Role.ADMIN,), frozenset()),
    ]
    for estate, where in ((w.a, "this"), (w.b, "another")):
        for who in estate.staff:
            out.append(
                Caller(
                    f"{who.role} of {where} estate",
                    who,
                    (Role(who.role),),
                    frozenset({estate["estate"]}),
                )
            )
    return out


def _admin_id(callers: list[Caller]) -> str:
    [admin] = [c.actor for c in callers if c.name == "administrator"]
    assert admin is not None
    return admin.id


def _owners(w: World, kind: str, admin_id: str) -> set[str]:
    """Who holds estate A's record of ``kind`` as their own (the ``own`` scope)."""
    a = w.a
    residents = {a.resident.id, w.neighbour.id}
    return {
        "estate": residents,
        "building": residents,
        "unit": {a.resident.id},
        "parking": {a.resident.id},
        "person": {a.resident.id},
        "bill": {a.resident.id},
        "payment": {a.resident.id},
        "invoice": {a.resident.id},  # of their unit's bill
        "spending": {a.resident.id},
        "renovation_deposit": {a.resident.id},
        "approval": {a.resident.id},  # the approval of their service request
        # Assigned to A's technician; submitted by the administrator who built the world.
        "order": {a.technician.id, admin_id},
        "service_request": {a.resident.id},
        "complaint": {a.resident.id},
        "reminder": {a.resident.id},
        "user": {a.resident.id},
        "resident_order": {a.resident.id},
        "closed_complaint": {a.resident.id},
        "survey": {a.resident.id},
        "meter": {a.resident.id},  # their unit's
        "meter_round": {a.technician.id},  # assigned to them
        "vehicle": {a.resident.id},  # registered to their unit
        "parking_session": {a.resident.id},  # of their unit's car
        # The night patrol's plan and task are A's technician's.
        "patrol_plan": {a.technician.id},
        "patrol_task": {a.technician.id},
        "visitor_pass": {a.resident.id},  # who issued it
    }.get(kind, set())


# Estate A's records that belong to its resident: a list may show one only to
# its owner, to staff serving estate A and to company-wide readers.
PRIVATE = (
    "unit",
    "person",
    "bill",
    "payment",
    "invoice",
    "service_request",
    "complaint",
    "closed_complaint",
    "resident_order",
    "survey",
    "reminder",
    "user",
    "vehicle",
    "parking_session",
    "visitor_pass",
)


def _may_list(w: World, route: Route, caller: Caller, kind: str, admin_id: str) -> bool:
    assert caller.actor is not None
    held = widest_scope(_granted(caller), Permission(route.permission).action)
    return (
        held is Scope.ANY
        or (held is Scope.ESTATE and w.a["estate"] in caller.estates)
        or caller.actor.id in _owners(w, kind, admin_id)
    )


def _record(w: World, kind: str) -> str:
    if kind == "user":
        return w.a.resident.id
    if kind == "vendor":
        return w.vendor
    if kind in ("incident", "alert"):  # the service's own, of no estate
        return str(getattr(w, kind))
    return w.a[kind]


def _granted(caller: Caller) -> frozenset[Permission]:
    granted = set(AUTHENTICATED_BASELINE)
    for role in caller.roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def _route_admits(granted: frozenset[Permission], declared: Permission) -> bool:
    if declared.scope is Scope.ANY:
        return declared in granted
    return holds_action(granted, declared.action)


def expected(w: World, route: Route, scoped: Scoped, caller: Caller, admin_id: str) -> set[int]:
    """The statuses the declaration and the policy allow for ``caller`` on estate A's record."""
    if caller.actor is None:
        return {401}
    declared = Permission(route.permission)
    granted = _granted(caller)
    if not _route_admits(granted, declared):
        return {403}
    held = widest_scope(granted, declared.action)
    assert held is not None
    narrower = ORDER.index(held) < ORDER.index(declared.scope)
    if scoped.source == "company":
        return {403} if narrower else {200}
    if scoped.source in ("rows", "caller"):
        return {200, 403} if narrower else {200}
    if scoped.source.startswith("body:"):
        return {200, 403, 404, 422}  # decided by the IDs the body names
    if narrower:
        # A route declared for estate staff is not opened by an own grant.
        return {403, 404}
    kind = KINDS[scoped.source.split(":", 1)[1]]
    in_estate = kind == "vendor" or w.a["estate"] in caller.estates
    admitted = (
        held is Scope.ANY
        or (held is Scope.ESTATE and in_estate)
        or caller.actor.id in _owners(w, kind, admin_id)
    )
    return {200} if admitted else {404}


def _path_routes(routes: list[Route]) -> list[tuple[Route, Scoped]]:
    return [
        (r, ROUTE_SCOPES[(r.method, r.path)])
        for r in routes
        if ROUTE_SCOPES[(r.method, r.path)].source.startswith("path:")
    ]


# Path parameters that name no record, beyond those of the isolation sweep.
OTHER_VALUES: dict[Any, tuple[str, ...]] = {
    **OTHER_PATH_VALUES,
    "role": (Role.OWNER.value,),
    "permission": (Permission.USERS_READ.value,),
    "position": ("1",),  # an as-of build's (decision 0051)
}


def _urls(w: World | None, path: str) -> list[str]:
    """The path with estate A's records in its ID parameters, once for each value
    of its other parameters (IDs are left as placeholders without a world)."""
    pieces: list[tuple[str, ...]] = []
    end = 0
    for match in PARAMETER.finditer(path):
        pieces.append((path[end : match.start()],))
        name = match.group(1)
        if name in KINDS:
            pieces.append((_record(w, KINDS[name]) if w else MISSING,))
        else:
            pieces.append(OTHER_VALUES.get((path, name)) or OTHER_VALUES[name])
        end = match.end()
    pieces.append((path[end:],))
    return ["".join(p) for p in itertools.product(*pieces)]


def _fill(w: World, path: str) -> list[str]:
    return _urls(w, path)


def test_every_read_answers_each_caller_as_its_declaration_says(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    callers = _callers(client, admin, running, world)
    reads = [r for r in _private(running) if r.method == "GET"]
    failures: list[str] = []
    calls = 0
    for route in reads:
        scoped = ROUTE_SCOPES[(route.method, route.path)]
        params = QUERIES.get(route.path, {})
        for url in _fill(world, route.path):
            for caller in callers:
                headers = caller.actor.headers if caller.actor else {}
                response = client.get(url, params=params, headers=headers)
                calls += 1
                allowed = expected(world, route, scoped, caller, _admin_id(callers))
                if response.status_code not in allowed:
                    failures.append(
                        f"GET {url} as {caller.name}: {response.status_code}, expected "
                        f"{sorted(allowed)}: {response.text[:200]}"
                    )
                elif scoped.source == "rows" and response.status_code == 200:
                    assert caller.actor is not None
                    shown = [
                        k
                        for k in PRIVATE
                        if _record(world, k) in response.text
                        and not _may_list(world, route, caller, k, _admin_id(callers))
                    ]
                    if shown:
                        failures.append(f"GET {url} as {caller.name} lists A's {shown}")
    assert calls >= 13 * 70, calls
    assert not failures, f"{len(failures)} answer(s) differ:\n" + "\n".join(failures)


def _body(w: World, route: Route, caller: Caller) -> Any:
    make: Callable[[World, Actor], Any] | None = BODIES.get((route.method, route.path))
    if make is None or caller.actor is None:
        return {}
    return make(w, caller.actor)


def test_every_command_refuses_each_caller_its_declaration_does_not_admit(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    callers = _callers(client, admin, running, world)
    commands = [r for r in _private(running) if r.method != "GET"]
    failures: list[str] = []
    calls = 0
    for route in commands:
        scoped = ROUTE_SCOPES[(route.method, route.path)]
        if not scoped.source.startswith("path:"):
            # The record is named in the body: only the route-level refusals are
            # derived here; tests/e2e/api/test_estate_isolation.py sends other
            # estates' IDs in bodies.
            urls = _urls(None, route.path)
        else:
            urls = _fill(world, route.path)
        for url in urls:
            for caller in callers:
                allowed = expected(world, route, scoped, caller, _admin_id(callers))
                if not scoped.source.startswith("path:") and allowed != {401} and allowed != {403}:
                    continue
                if allowed == {200}:
                    continue  # admitted: not called, the world stays as built
                body = _body(world, route, caller)
                headers = dict(caller.actor.headers) if caller.actor else {}
                head = running.event_log.head()
                if isinstance(body, str):
                    headers["content-type"] = "text/csv"
                    response = client.request(route.method, url, content=body, headers=headers)
                else:
                    response = client.request(route.method, url, json=body, headers=headers)
                calls += 1
                # A record the caller may see but not act on answers 403, one they
                # may not see 404, an ID in the body they may not name 422.
                refused = allowed - {200} | ({403, 422} if 404 in allowed else set())
                where = f"{route.method} {url} as {caller.name}"
                if response.status_code not in refused:
                    failures.append(
                        f"{where}: {response.status_code}, expected {sorted(refused)}: "
                        f"{response.text[:200]}"
                    )
                if running.event_log.head() != head:
                    failures.append(f"{where}: appended to the log")
    assert calls >= 500, calls
    assert not failures, f"{len(failures)} answer(s) differ:\n" + "\n".join(failures)
