"""IDs inside request bodies, derived from the scope declarations (issue 12 §2).

``interfaces/http/scopes.py`` names every ID a command's body carries. Each in
turn names estate A's record in a body otherwise valid in estate B, and every
caller of estate B is refused. A body ID without a template here fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.stores.rules import part_id
from interfaces.http.scopes import ROUTE_SCOPES, Scoped
from tests.e2e.api.test_scope_matrix import KINDS, MISSING, _private
from tests.support.estate_world import World

# ---- IDs inside request bodies ----------------------------------------------------------

# What estate A's record of each body field is (a user field names A's staff or resident).
BODY_KINDS: dict[str, Callable[[World], Any]] = {
    "estate_id": lambda w: w.a["estate"],
    "unit_id": lambda w: w.a["unit"],
    "building_id": lambda w: w.a["building"],
    "equipment_id": lambda w: w.a["equipment"],
    "person_id": lambda w: w.a["person"],
    "new_owner_ids": lambda w: [w.a["person"]],
    "unit_ids": lambda w: [w.a["unit"]],
    "bill_id": lambda w: w.a["bill"],
    "bill_ids": lambda w: [w.a["bill"]],
    "payment_id": lambda w: w.a["payment"],
    "subject_id": lambda w: w.a["closed_complaint"],
    "user_id": lambda w: w.a.resident.id,
    "resident_id": lambda w: w.a.resident.id,
    "recipient_id": lambda w: w.a.resident.id,
    "technician_id": lambda w: w.a.technician.id,
    "handler_id": lambda w: w.a.customer_service.id,
    "assignee_id": lambda w: w.a.technician.id,
    "to": lambda w: w.a.customer_service.id,
    "order_id": lambda w: w.a["order"],
    "route_id": lambda w: w.a["patrol_route"],
    "token": lambda w: w.a["pass_token"],  # a visitor pass's QR token names the pass
}
DUE = "2030-01-01T09:00:00Z"
ON = "2026-02-01"

# A body valid in estate B (the caller's own estate, or B's records in the path),
# into which each declared body field in turn gets estate A's record.
TEMPLATES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("POST", "/units/{unit_id}/move-in"): lambda w: {
        "person_id": w.b["person"],
        "relation": "tenant",
        "on": ON,
    },
    ("POST", "/units/{unit_id}/move-out"): lambda w: {"person_id": w.b["person"], "on": ON},
    ("POST", "/units/{unit_id}/ownership-transfers"): lambda w: {
        "new_owner_ids": [w.b["person"]],
        "on": ON,
    },
    ("POST", "/parking/{parking_id}/assignment"): lambda w: {"unit_id": w.b["unit"]},
    ("PUT", "/finance/estates/{estate_id}/vacancy-payer"): lambda w: {"person_id": w.b["person"]},
    ("POST", "/estates/{estate_id}/people"): lambda w: {"name": "X", "user_id": w.b.resident.id},
    ("POST", "/people/{person_id}/account"): lambda w: {"user_id": w.b.resident.id},
    ("POST", "/equipment"): lambda w: {"estate_id": w.b["estate"], "kind": "pump", "name": "X"},
    ("PATCH", "/equipment/{equipment_id}"): lambda w: {"name": "X"},
    ("POST", "/workorders"): lambda w: {
        "title": "X",
        "description": "Y",
        "estate_id": w.b["estate"],
    },
    ("POST", "/workorders/on-behalf"): lambda w: {
        "resident_id": w.b.resident.id,
        "unit_id": w.b["unit"],
        "channel": "phone",
        "title": "X",
        "description": "Y",
    },
    ("POST", "/workorders/{order_id}/assign"): lambda w: {"technician_id": w.b.technician.id},
    ("POST", "/maintenance-plans"): lambda w: {
        "estate_id": w.b["estate"],
        "title": "X",
        "interval_days": 30,
        "first_due_on": "2026-12-01",
    },
    ("PATCH", "/maintenance-plans/{plan_id}"): lambda w: {"title": "X"},
    ("POST", "/approvals/{approval_id}/delegate"): lambda w: {"to": w.b.customer_service.id},
    ("POST", "/service-requests"): lambda w: {
        "estate_id": w.b["estate"],
        "unit_id": w.b["unit"],
        "category": "cleaning",
        "description": "hall",
    },
    ("POST", "/service-requests/{request_id}/schedule"): lambda w: {
        "scheduled_for": "2026-06-01T09:00:00Z"
    },
    ("POST", "/complaints"): lambda w: {
        "estate_id": w.b["estate"],
        "unit_id": w.b["unit"],
        "subject": "X",
        "description": "Y",
    },
    ("POST", "/complaints/{complaint_id}/assign"): lambda w: {
        "handler_id": w.b.customer_service.id
    },
    ("POST", "/surveys"): lambda w: {
        "subject_kind": "complaint",
        "subject_id": w.b["closed_complaint"],
        "scores": {"overall": 1},
    },
    ("POST", "/announcements"): lambda w: {"estate_id": w.b["estate"], "title": "X", "body": "Y"},
    ("POST", "/notifications/messages"): lambda w: {
        "estate_id": w.b["estate"],
        "subject": "X",
        "body": "Y",
    },
    ("POST", "/notifications/reminders"): lambda w: {"message": "X", "due_at": DUE},
    ("POST", "/finance/units/{unit_id}/payments"): lambda w: {"amount": "1.00", "method": "cash"},
    ("POST", "/finance/units/{unit_id}/payment-orders"): lambda w: {"amount": "1.00"},
    ("POST", "/finance/units/{unit_id}/write-offs"): lambda w: {
        "bill_id": w.b["bill"],
        "amount": "1.00",
        "reason": "X",
    },
    ("POST", "/finance/units/{unit_id}/invoices"): lambda w: {
        "bill_ids": [w.b["bill"]],
        "amount": "1.00",
    },
    ("POST", "/finance/bank-lines/{line_id}/match"): lambda w: {"payment_id": w.b["payment"]},
    ("POST", "/finance/units/{unit_id}/waivers"): lambda w: {
        "bill_id": w.b["bill"],
        "amount": "1.00",
        "reason": "X",
    },
    ("POST", "/finance/expenses"): lambda w: {
        "estate_id": w.b["estate"],
        "vendor_id": w.vendor,
        "category": "repairs",
        "amount": "1.00",
        "description": "X",
        "incurred_on": ON,
        "invoice_ref": "INV-X",
    },
    ("POST", "/finance/fund/deposits"): lambda w: {
        "unit_id": w.b["unit"],
        "amount": "1.00",
        "method": "bank_transfer",
        "reference": "DEP-X",
    },
    ("POST", "/finance/fund/spendings"): lambda w: {
        "estate_id": w.b["estate"],
        "purpose": "X",
        "amount": "1.00",
        "basis": "emergency",
        "emergency": {"category": "elevator_danger", "description": "X", "evidence": ["I-X"]},
    },
    ("POST", "/finance/fund/interest"): lambda w: {
        "estate_id": w.b["estate"],
        "amount": "1.00",
        "reference": "INT-X",
        "period_from": "2026-01-01",
        "period_to": "2026-01-31",
    },
    ("POST", "/finance/fund/bank-statements"): lambda w: {
        "estate_id": w.b["estate"],
        "on": "2026-01-31",
        "balance": "1.00",
        "reference": "ST-X",
    },
    ("POST", "/finance/renovation-deposits"): lambda w: {
        "unit_id": w.b["unit"],
        "amount": "1.00",
        "method": "cash",
        "reference": "ZX-X",
        "renovation": "X",
    },
    ("POST", "/finance/compliance-checks"): lambda w: {
        "estate_id": w.b["estate"],
        "from": "2026-01-01",
        "to": "2026-02-28",
    },
    ("POST", "/meters"): lambda w: {
        "estate_id": w.b["estate"],
        "unit_id": w.b["unit"],
        "kind": "gas",
        "serial": "G-X",
        "initial_reading": "0",
        "installed_on": "2026-01-01",
    },
    ("POST", "/meter-rounds"): lambda w: {
        "estate_id": w.b["estate"],
        "period": "2026-02",
        "technician_id": w.b.technician.id,
        "meter_ids": [w.b["meter"]],
        "due_on": "2026-02-28",
    },
    ("POST", "/stores"): lambda w: {"estate_id": w.b["estate"], "code": "X", "name": "X"},
    **{
        ("POST", f"/stores/{{store_id}}/{name}"): lambda w: {
            "order_id": w.b["order"],
            "lines": [{"part_id": str(part_id("BRK-B")), "quantity": "1"}],
        }
        for name in ("issues", "returns")
    },
    ("POST", "/patrol-routes"): lambda w: {
        "estate_id": w.b["estate"],
        "name": "X",
        "points": [{"name": "X", "checklist": [{"label": "Y"}]}],
    },
    ("POST", "/patrol-plans"): lambda w: {
        "route_id": w.b["patrol_route"],
        "name": "X",
        "assignee_id": w.b.technician.id,
        "shift_starts": "22:00",
        "shift_minutes": 480,
        # today: a plan's first shift lies within a year back and three ahead
        "first_shift_on": datetime.now(UTC).date().isoformat(),
    },
    ("POST", "/patrol-plans/{patrol_plan_id}/assignee"): lambda w: {
        "assignee_id": w.b.gate_guard.id
    },
    ("POST", "/visitor-passes"): lambda w: {
        "estate_id": w.b["estate"],
        "unit_id": w.b["unit"],
        "visitor_name": "X",
        "valid_from": "2026-03-01T09:00:00Z",
        "valid_until": "2030-03-01T09:00:00Z",
    },
    **{
        ("POST", f"/gate/{step}"): lambda w: {"token": w.b["pass_token"]}
        for step in ("verify", "check-in", "check-out")
    },
    ("POST", "/telemetry/access"): lambda w: {
        "events": [
            {"equipment_id": w.b["equipment"], "at": "2026-03-01T09:00:00Z", "event": "closed"}
        ]
    },
    ("POST", "/telemetry"): lambda w: {
        "readings": [
            {
                "equipment_id": w.b["equipment"],
                "at": "2026-03-01T09:00:00Z",
                "metric": "state",
                "state": "normal",
            }
        ]
    },
    ("POST", "/car-parks"): lambda w: {
        "estate_id": w.b["estate"],
        "temporary_spaces": 1,
        "tariff": {"free_minutes": 0, "per_hour": "1.00", "daily_cap": "10.00"},
    },
    ("POST", "/car-parks/{car_park_id}/vehicles"): lambda w: {
        "plate": "粤B54321",
        "unit_id": w.b["unit"],
    },
}
# Body fields that name no estate's record: a vendor is company data; which estate
# a staff member serves is the administrator's to set (users:manage_access:any).
COMPANY_FIELDS = {
    ("POST", "/finance/expenses", "vendor_id"),
    ("POST", "/users/{user_id}/estates", "estate_id"),
}
# Telemetry answers 200 and lists the reading as rejected (an unknown meter).
ACCEPTED_BUT_REJECTED = {("POST", "/telemetry"), ("POST", "/telemetry/access")}


# Batches whose items each name their equipment (telemetry, controllers' events).
BATCHES = ("readings", "events")


def _with_missing(body: dict[str, Any], field: str) -> dict[str, Any]:
    twin = {**body}
    if field.endswith("[].equipment_id"):  # a batch of readings or controllers' events
        batch = field.split("[]")[0]
        twin[batch] = [{**body[batch][0], "equipment_id": MISSING}]
    else:
        twin[field] = [MISSING] if isinstance(body[field], list) else MISSING
    return twin


def _body_fields(scoped: Scoped) -> list[str]:
    fields: list[str] = []
    for source in (scoped.source, *scoped.also):
        where, _, names = source.partition(":")
        if where == "body":
            fields += names.split("|")
    return fields


def _short(path: str) -> str:
    return path.removeprefix("/api/v1")


def test_every_body_id_has_a_template_to_send_another_estates_record_in(
    container: Container,
) -> None:
    missing = []
    for route in _private(container):
        scoped = ROUTE_SCOPES[(route.method, route.path)]
        for field in _body_fields(scoped):
            key = (route.method, _short(route.path))
            if (*key, field) in COMPANY_FIELDS:
                continue
            if key not in TEMPLATES or field.split("[]")[0] not in {*BODY_KINDS, *BATCHES}:
                missing.append(f"{route.method} {route.path}: {field}")
    assert not missing, "body IDs without a template here:\n" + "\n".join(missing)


def _b_url(w: World, path: str) -> str:
    """The path with estate B's records in it (the caller's own estate)."""
    ids = {
        name: (w.b.resident.id if KINDS[name] == "user" else w.b[KINDS[name]])
        for name in KINDS
        if f"{{{name}}}" in path and KINDS[name] not in ("vendor",)
    }
    for name, value in ids.items():
        path = path.replace(f"{{{name}}}", value)
    return path


def test_no_body_reaches_another_estates_record_for_any_caller(
    client: TestClient, running: Container, world: World
) -> None:
    """Each declared body ID, in turn, names estate A's record in a body otherwise
    valid in estate B; every caller of B (and A's other resident, for A's
    resident's unit, person and bill) is refused and nothing is appended."""
    failures: list[str] = []
    calls = 0
    callers = [*world.b.outsiders, world.neighbour]
    for route in _private(running):
        key = (route.method, _short(route.path))
        scoped = ROUTE_SCOPES[(route.method, route.path)]
        for field in _body_fields(scoped):
            if (*key, field) in COMPANY_FIELDS:
                continue
            body = TEMPLATES[key](world)
            if field.split("[]")[0] in BATCHES:
                body[field.split("[]")[0]][0]["equipment_id"] = world.a["equipment"]
            else:
                body[field] = BODY_KINDS[field](world)
            url = _b_url(world, route.path)
            for who in callers:
                if who is world.neighbour and field not in ("unit_id", "person_id", "bill_id"):
                    continue
                head = running.event_log.head()
                response = client.request(route.method, url, json=body, headers=who.headers)
                calls += 1
                where = f"{route.method} {url} {field}=A's as {who.role}"
                if who is world.neighbour:
                    where += " (A's other resident)"
                refused = response.status_code in (403, 404, 422) or (
                    key in ACCEPTED_BUT_REJECTED and response.status_code == 200
                )
                if not refused and running.event_log.head() == head:
                    # Refused for another reason (409: not an occupant of the unit)?
                    # Only if a record that does not exist gets the very same answer.
                    twin = _with_missing(body, field)
                    again = client.request(route.method, url, json=twin, headers=who.headers)
                    refused = (again.status_code, again.json().get("detail")) == (
                        response.status_code,
                        response.json().get("detail"),
                    )
                if not refused:
                    failures.append(f"{where}: {response.status_code}: {response.text[:200]}")
                if running.event_log.head() != head:
                    failures.append(f"{where}: appended to the log")
    assert calls >= 100, calls
    assert not failures, f"{len(failures)} leak(s):\n" + "\n".join(failures)
