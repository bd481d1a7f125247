"""Object-level access across estates (R7.4), for every route, not a sample.

A company runs many estates. Staff are scoped to the estates they serve;
owners and residents see only their own units, requests and notifications;
technicians see the orders assigned to them. Two estates, A and B, each get a
record of every kind (``tests/support/estate_world.py``), and then:

* every route with a path parameter naming a record is called with estate
  A's record as B's property manager, customer service, technician, finance
  clerk and resident: a read answers 404 (403 only where the caller lacks the
  permission altogether), a command 403/404/422, and appends nothing; and
  each route answers A's record exactly as it answers a record that does not
  exist (the same status), so a refusal tells nothing about A;
* every list route (a GET with no record in its path) is called as each of
  them, plain and filtered to estate A, and no ID or text of A's records may
  appear anywhere in the answer.

``ROUTE_RECORDS`` says which record each route's ID names; a route with an ID
parameter that is missing from it fails the suite, so a new route must be
added (and so checked) here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

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
from domain.stores.rules import part_id
from interfaces.http.app import create_app
from interfaces.http.security import PUBLIC, declared_permission
from tests.support.estate_world import Actor, World, ok

API = "/api/v1"

# Identity routes: who may read or change a user, log in, read the audit trail,
# the raw history of an aggregate or the read models' progress. They are not
# records of an estate, and tests/e2e/api/test_object_scoping.py (with
# test_route_permissions.py) covers their object-level access.
IDENTITY_PREFIXES = (
    f"{API}/users",
    f"{API}/auth",
    f"{API}/audit",
    f"{API}/history",
    f"{API}/projections",
    # The service's own incidents and its administrators' alerts: of no estate.
    f"{API}/incidents",
    f"{API}/alerts",
)
# Liveness and readiness carry no records.
UNSCOPED = {"/health", "/ready"}
# Vendors are company-wide, not records of an estate: every estate's finance
# staff read and name the same vendors (a vendor carries no estate, claim or
# amount; see test_a_vendor_is_company_wide_and_carries_nothing_of_an_estate),
# so one vendor has no "other estate" to hide it from. The vendor list stays
# in the list sweep below (it must show nothing of estate A).
COMPANY_WIDE = (f"{API}/finance/vendors/",)
FINANCE = f"{API}/finance"

# Route path -> the kind of estate A's record whose ID goes into its path (a
# tuple: one kind per ID parameter, in the path's order).
ROUTE_RECORDS: dict[str, str | tuple[str, ...]] = {
    # registry
    f"{API}/estates/{{estate_id}}": "estate",
    f"{API}/estates/{{estate_id}}/buildings": "estate",
    # the gate (issue 17)
    f"{API}/estates/{{estate_id}}/visitors/inside": "estate",
    f"{API}/estates/{{estate_id}}/visitors/log": "estate",
    f"{API}/visitor-passes/{{pass_id}}": "visitor_pass",
    f"{API}/visitor-passes/{{pass_id}}/token": "visitor_pass",
    f"{API}/visitor-passes/{{pass_id}}/revoke": "visitor_pass",
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
    # patrols
    f"{API}/patrol-routes/{{route_id}}": "patrol_route",
    f"{API}/patrol-routes/{{route_id}}/points": "patrol_route",
    f"{API}/patrol-routes/{{route_id}}/retire": "patrol_route",
    f"{API}/patrol-plans/{{patrol_plan_id}}": "patrol_plan",
    **{
        f"{API}/patrol-plans/{{patrol_plan_id}}/{step}": "patrol_plan"
        for step in ("assignee", "pause", "resume", "retire")
    },
    f"{API}/patrol-tasks/{{task_id}}": "patrol_task",
    f"{API}/patrol-tasks/{{task_id}}/check-ins": "patrol_task",
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
    # finance: fee schedules, shared costs, meter readings (rates)
    **{
        f"{FINANCE}/estates/{{estate_id}}/{tail}": "estate"
        for tail in (
            "fee-schedule",
            "rate-changes",
            "billing-terms",
            "vacancy-payer",
            "shared-costs",
            "meter-readings",
            "billing-runs",
            "budgets/{year}",
            "expense-analysis",
            "periods",
            "journals",
            "periods/{period}/close",
            "online-settlements",
            "bad-debt-provisions",
        )
    },
    f"{FINANCE}/estates/{{estate_id}}/rate-changes/{{change_id}}/withdrawal": (
        "estate",
        "rate_change",
    ),
    f"{FINANCE}/estates/{{estate_id}}/shared-costs/{{cost_id}}/withdrawal": (
        "estate",
        "shared_cost",
    ),
    # finance: bills, unit accounts, payments, waivers, refunds
    f"{FINANCE}/bills/{{bill_id}}": "bill",
    f"{FINANCE}/units/{{unit_id}}/account": "unit",
    f"{FINANCE}/units/{{unit_id}}/payments": "unit",
    f"{FINANCE}/units/{{unit_id}}/payments/{{payment_id}}/reversal": ("unit", "payment"),
    f"{FINANCE}/units/{{unit_id}}/waivers": "unit",
    f"{FINANCE}/units/{{unit_id}}/refunds": "unit",
    f"{FINANCE}/units/{{unit_id}}/payment-orders": "unit",
    f"{FINANCE}/units/{{unit_id}}/write-offs": "unit",
    f"{FINANCE}/units/{{unit_id}}/statement": "unit",
    f"{FINANCE}/units/{{unit_id}}/owners/{{person_id}}/statement": ("unit", "person"),
    f"{FINANCE}/units/{{unit_id}}/owners/{{person_id}}/clearance-certificates": ("unit", "person"),
    f"{FINANCE}/units/{{unit_id}}/owners/{{person_id}}/clearance-certificates/{{certificate_id}}": (
        "unit",
        "person",
        "clearance_certificate",
    ),
    # finance: receipts, invoices, the bank account (issue 14)
    f"{FINANCE}/payments/{{payment_id}}/receipt": "payment",
    f"{FINANCE}/payments/{{payment_id}}/receipt/reprints": "payment",
    f"{FINANCE}/units/{{unit_id}}/invoices": "unit",
    f"{FINANCE}/invoices/{{invoice_id}}": "invoice",
    f"{FINANCE}/invoices/{{invoice_id}}/issue": "invoice",
    f"{FINANCE}/invoices/{{invoice_id}}/red-letter": "invoice",
    f"{FINANCE}/estates/{{estate_id}}/bank-statements": "estate",
    f"{FINANCE}/estates/{{estate_id}}/tax-settings": "estate",
    f"{FINANCE}/estates/{{estate_id}}/bank-lines": "estate",
    f"{FINANCE}/estates/{{estate_id}}/bank-reconciliation": "estate",
    f"{FINANCE}/bank-lines/{{line_id}}/match": "bank_line",
    # finance: expense claims (the pending one; payment needs the approved, unpaid one)
    f"{FINANCE}/expenses/{{claim_id}}": "claim",
    f"{FINANCE}/expenses/{{claim_id}}/payment": "small_claim",
    f"{FINANCE}/expenses/{{claim_id}}/withdrawal": "claim",
    # finance: the maintenance fund (the pending spending)
    f"{FINANCE}/fund/accounts/{{unit_id}}": "unit",
    f"{FINANCE}/fund/spendings/{{spending_id}}": "spending",
    f"{FINANCE}/fund/spendings/{{spending_id}}/disbursement": "spending",
    f"{FINANCE}/estates/{{estate_id}}/fund/reconciliation": "estate",
    f"{FINANCE}/estates/{{estate_id}}/fund/published": "estate",
    f"{FINANCE}/estates/{{estate_id}}/fund/first-deposit-rule": "estate",
    f"{FINANCE}/estates/{{estate_id}}/fund/first-deposit-assessments": "estate",
    f"{FINANCE}/estates/{{estate_id}}/fund/first-deposits": "estate",
    # finance: renovation deposits
    f"{FINANCE}/renovation-deposits/{{deposit_id}}": "renovation_deposit",
    f"{FINANCE}/renovation-deposits/{{deposit_id}}/refund": "renovation_deposit",
    f"{FINANCE}/renovation-deposits/{{deposit_id}}/forfeiture": "renovation_deposit",
    # the car park
    f"{API}/car-parks/{{car_park_id}}": "car_park",
    f"{API}/car-parks/{{car_park_id}}/board": "car_park",
    f"{API}/car-parks/{{car_park_id}}/tariffs": "car_park",
    f"{API}/car-parks/{{car_park_id}}/vehicles": "car_park",
    f"{API}/car-parks/{{car_park_id}}/blocklist": "car_park",
    f"{API}/car-parks/{{car_park_id}}/gate": "car_park",
    f"{API}/car-parks/{{car_park_id}}/temporary-spaces": "car_park",
    f"{API}/car-parks/{{car_park_id}}/exits-without-entry": "car_park",
    f"{API}/car-parks/{{car_park_id}}/exceptions": "car_park",
    f"{API}/vehicles/{{vehicle_id}}": "vehicle",
    f"{API}/vehicles/{{vehicle_id}}/unblock": "blocked_vehicle",
    f"{API}/vehicles/{{vehicle_id}}/passes": "vehicle",
    f"{API}/vehicles/{{vehicle_id}}/passes/{{parking_pass_id}}/cancel": ("vehicle", "parking_pass"),
    f"{API}/parking-sessions/{{session_id}}": "parking_session",
    f"{API}/parking-sessions/{{session_id}}/payment": "parking_session",
    f"{API}/parking-sessions/{{session_id}}/release": "parking_session",
    f"{API}/parking-sessions/{{session_id}}/payment-orders": "parking_session",
    # finance: the books and compliance
    f"{FINANCE}/journals/{{journal_id}}/reversal": "journal",
    f"{FINANCE}/compliance-checks/{{review_id}}": "review",
    f"{FINANCE}/compliance-checks/{{review_id}}/findings/{{finding_id}}/rectification": (
        "review",
        "finding",
    ),
    f"{FINANCE}/compliance-checks/{{review_id}}/findings/{{finding_id}}/closure": (
        "review",
        "finding",
    ),
    # meters (A's unit's water meter) and their reading rounds
    f"{API}/meters/{{meter_id}}": "meter",
    **{
        f"{API}/meters/{{meter_id}}/{step}": "meter"
        for step in ("readings", "submissions", "confirm", "reject", "replace")
    },
    f"{API}/estates/{{estate_id}}/unread-meters": "estate",
    f"{API}/estates/{{estate_id}}/imports/meter-readings": "estate",
    f"{API}/meter-rounds/{{round_id}}": "meter_round",
    f"{API}/meter-rounds/{{round_id}}/close": "meter_round",
    f"{API}/estates/{{estate_id}}/meter-jump-rule": "estate",
    # stores (issue 17)
    **{
        f"{API}/stores/{{store_id}}{tail}": "store"
        for tail in (
            "",
            "/stock",
            "/movements",
            "/reorder-levels",
            "/purchase-requests",
            "/issues",
            "/returns",
            "/stocktakes",
        )
    },
    f"{API}/purchase-requests/{{purchase_id}}": "purchase",
    f"{API}/purchase-requests/{{purchase_id}}/receipts": "purchase",
    f"{API}/purchase-requests/{{purchase_id}}/withdrawal": "purchase",
    f"{API}/stocktakes/{{stocktake_id}}": "stocktake",
    f"{API}/stores/{{store_id}}/supplier-invoices": "store",
    f"{API}/supplier-invoices/{{supplier_invoice_id}}": "supplier_invoice",
    f"{API}/supplier-invoices/{{supplier_invoice_id}}/payment": "supplier_invoice",
    f"{API}/workorders/{{order_id}}/parts": "order",
    # data quality (R7.5) and the estate dashboard
    f"{API}/estates/{{estate_id}}/quality": "estate",
    f"{API}/estates/{{estate_id}}/quality/checks/{{check}}/records": "estate",
    f"{API}/estates/{{estate_id}}/quality/runs": "estate",
    f"{API}/estates/{{estate_id}}/quality/trend": "estate",
    f"{API}/estates/{{estate_id}}/dashboard": "estate",
}

# Path parameters that name no record: the values to put in them, by name, or
# by (path, name) where one path needs its own; a list route is called once
# for each value.
OTHER_PATH_VALUES: dict[str | tuple[str, str], tuple[str, ...]] = {
    "kind": ("service_request",),
    "year": ("2026",),
    # February 2026 has ended and is the next period to close: only the scope
    # check stands between B's clerk and closing A's books.
    "period": ("2026-02",),
    "check": ("units_without_owner",),  # a data-quality check (R7.5)
    (f"{FINANCE}/statements/{{kind}}", "kind"): (
        "trial-balance",
        "balance-sheet",
        "income-statement",
        "cash-flow",
        "receivables-aging",
        "fund",
    ),
}

# Query parameters a read needs, so the scope check (not validation) refuses.
QUERIES: dict[str, dict[str, Any]] = {
    f"{API}/estates/{{estate_id}}/unread-meters": {"period": "2026-02"},
    f"{API}/estates/{{estate_id}}/imports/meter-readings": {"period": "2026-02"},
    f"{FINANCE}/estates/{{estate_id}}/meter-readings": {"period": "2026-02"},
    f"{FINANCE}/estates/{{estate_id}}/expense-analysis": {"year": 2026},
    f"{FINANCE}/estates/{{estate_id}}/fund/reconciliation": {"on": "2026-01-31"},
    f"{API}/estates/{{estate_id}}/visitors/log": {"day": "2026-03-01"},
}

# An ID no record has: each route under these prefixes must refuse A's record
# exactly as it refuses this one.
MISSING = "00000000-0000-4000-8000-00000000dead"
ORACLE_PREFIXES: tuple[str, ...] = (f"{API}/",)

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
    ("POST", f"{API}/car-parks/{{car_park_id}}/tariffs"): lambda w, who: {
        "free_minutes": 0,
        "per_hour": "9.00",
        "daily_cap": "90.00",
        "effective_from": "2030-01-01T00:00:00Z",
    },
    ("POST", f"{API}/car-parks/{{car_park_id}}/vehicles"): lambda w, who: {
        "plate": "粤B54321",
        "unit_id": w.a["unit"],
    },
    ("POST", f"{API}/car-parks/{{car_park_id}}/blocklist"): lambda w, who: {
        "plate": "粤B54321",
        "reason": "not mine to do",
    },
    ("POST", f"{API}/car-parks/{{car_park_id}}/gate"): lambda w, who: {
        "plate": "粤B54321",
        "gate": "East 1",
        "direction": "in",
    },
    ("POST", f"{API}/vehicles/{{vehicle_id}}/passes"): lambda w, who: {
        "billing": "prepaid",
        "starts_on": "2030-01-01",
        "months": 1,
        "amount": "300.00",
        "method": "cash",
        "reference": "R-X",
    },
    ("POST", f"{API}/parking-sessions/{{session_id}}/payment"): lambda w, who: {"method": "cash"},
    ("POST", f"{API}/car-parks/{{car_park_id}}/temporary-spaces"): lambda w, who: {
        "temporary_spaces": 7
    },
    ("POST", f"{API}/car-parks/{{car_park_id}}/exits-without-entry"): lambda w, who: {
        "plate": "粤B54321",
        "gate": "East 1",
        "reason": "not mine to do",
        "charge": "daily_cap",
        "method": "cash",
    },
    ("POST", f"{API}/parking-sessions/{{session_id}}/release"): _reason,
    ("PATCH", f"{API}/estates/{{estate_id}}"): lambda w, who: {"name": "Taken over"},
    ("POST", f"{API}/estates/{{estate_id}}/buildings"): lambda w, who: {"code": "BX"},
    ("POST", f"{API}/estates/{{estate_id}}/parking"): lambda w, who: {"code": "PX"},
    ("POST", f"{API}/estates/{{estate_id}}/quality/runs"): lambda w, who: {"month": "2026-02"},
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
    ("POST", f"{API}/patrol-routes/{{route_id}}/points"): lambda w, who: {
        "name": "Roof",
        "checklist": [{"label": "Door locked"}],
    },
    ("POST", f"{API}/patrol-routes/{{route_id}}/retire"): _reason,
    ("POST", f"{API}/patrol-plans/{{patrol_plan_id}}/assignee"): lambda w, who: {
        "assignee_id": who.id
    },
    ("POST", f"{API}/patrol-plans/{{patrol_plan_id}}/pause"): _reason,
    ("POST", f"{API}/patrol-plans/{{patrol_plan_id}}/retire"): _reason,
    ("POST", f"{API}/patrol-tasks/{{task_id}}/check-ins"): lambda w, who: {
        "point_id": "00000000-0000-4000-8000-00000000beef",
        "code": "0" * 32,
        "answers": [{"item_id": "1", "result": "normal"}],
    },
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
    # finance
    ("POST", f"{FINANCE}/units/{{unit_id}}/invoices"): lambda w, who: {
        "bill_ids": [w.b["bill"]],
        "amount": "1.00",
    },
    ("POST", f"{FINANCE}/invoices/{{invoice_id}}/red-letter"): _reason,
    ("POST", f"{FINANCE}/estates/{{estate_id}}/bank-statements"): _csv(
        "交易日期,交易时间,摘要,借方发生额,贷方发生额,余额,对方户名,对方账号,交易流水号\n"
        "2026-02-02,10:00:00,x,,1.00,1.00,x,1,INTRUDER-1\n"
    ),
    ("POST", f"{FINANCE}/bank-lines/{{line_id}}/match"): lambda w, who: {
        "payment_id": w.b["payment"]
    },
    ("POST", f"{FINANCE}/estates/{{estate_id}}/rate-changes"): lambda w, who: {
        "item": "property_fee",
        "rate": "9.99",
        "effective_from": "2026-12-01",
        "contract_reference": "PSC-X",
    },
    ("POST", f"{FINANCE}/estates/{{estate_id}}/rate-changes/{{change_id}}/withdrawal"): _reason,
    ("PUT", f"{FINANCE}/estates/{{estate_id}}/billing-terms"): lambda w, who: {"due_days": 1},
    ("PUT", f"{FINANCE}/estates/{{estate_id}}/fund/first-deposit-rule"): lambda w, who: {
        "rate": "48.00",
        "reference": "not mine",
        "effective_on": "2026-01-01",
    },
    ("PUT", f"{FINANCE}/estates/{{estate_id}}/vacancy-payer"): lambda w, who: {
        "person_id": w.b["person"]
    },
    ("POST", f"{FINANCE}/estates/{{estate_id}}/shared-costs"): lambda w, who: {
        "period": "2026-02",
        "description": "not mine",
        "amount": "10.00",
    },
    ("POST", f"{FINANCE}/estates/{{estate_id}}/shared-costs/{{cost_id}}/withdrawal"): _reason,
    ("POST", f"{FINANCE}/estates/{{estate_id}}/meter-readings"): lambda w, who: {
        "period": "2026-02",
        "readings": [
            {"unit_id": w.a["unit"], "meter": "water", "reading": "99.00", "read_on": "2026-02-02"}
        ],
    },
    ("POST", f"{FINANCE}/estates/{{estate_id}}/billing-runs"): lambda w, who: {"period": "2026-02"},
    ("PUT", f"{FINANCE}/estates/{{estate_id}}/budgets/{{year}}"): lambda w, who: {
        "lines": {"repairs": "1.00"}
    },
    ("POST", f"{FINANCE}/estates/{{estate_id}}/journals"): lambda w, who: {
        "booked_on": "2026-02-10",
        "memo": "not mine",
        "lines": [
            {"account": "1002", "debit": "1.00", "currency": "CNY"},
            {"account": "4001", "credit": "1.00", "currency": "CNY"},
        ],
    },
    ("POST", f"{FINANCE}/units/{{unit_id}}/payments"): lambda w, who: {
        "amount": "1.00",
        "method": "online",
        "reference": "ONLINE-X",
    },
    ("POST", f"{FINANCE}/units/{{unit_id}}/payments/{{payment_id}}/reversal"): _reason,
    ("POST", f"{FINANCE}/units/{{unit_id}}/waivers"): lambda w, who: {
        "bill_id": w.a["bill"],
        "amount": "1.00",
        "reason": "not mine",
    },
    ("POST", f"{FINANCE}/units/{{unit_id}}/write-offs"): lambda w, who: {
        "bill_id": w.a["bill"],
        "amount": "1.00",
        "reason": "not mine",
    },
    ("POST", f"{FINANCE}/estates/{{estate_id}}/bad-debt-provisions"): lambda w, who: {
        "as_of": "2026-02-10"
    },
    ("POST", f"{FINANCE}/units/{{unit_id}}/refunds"): lambda w, who: {
        "amount": "1.00",
        "reason": "not mine",
    },
    ("POST", f"{FINANCE}/units/{{unit_id}}/payment-orders"): lambda w, who: {"amount": "1.00"},
    ("POST", f"{FINANCE}/estates/{{estate_id}}/online-settlements"): lambda w, who: {
        "reference": "WX-X",
        "settled_on": "2026-02-01",
        "gross": "1.00",
    },
    ("POST", f"{FINANCE}/expenses/{{claim_id}}/payment"): lambda w, who: {
        "method": "cash",
        "payment_ref": "PAID-X",
    },
    ("POST", f"{FINANCE}/expenses/{{claim_id}}/withdrawal"): _reason,
    ("POST", f"{FINANCE}/fund/spendings/{{spending_id}}/disbursement"): lambda w, who: {
        "reference": "DISB-X"
    },
    ("POST", f"{FINANCE}/renovation-deposits/{{deposit_id}}/refund"): lambda w, who: {
        "method": "cash",
        "reference": "RF-X",
        "inspection": "not mine",
    },
    ("POST", f"{FINANCE}/renovation-deposits/{{deposit_id}}/forfeiture"): lambda w, who: {
        "amount": "1.00",
        "reason": "not mine",
    },
    ("POST", f"{FINANCE}/journals/{{journal_id}}/reversal"): _reason,
    (
        "POST",
        f"{FINANCE}/compliance-checks/{{review_id}}/findings/{{finding_id}}/rectification",
    ): lambda w, who: {"note": "not mine"},
    (
        "POST",
        f"{FINANCE}/compliance-checks/{{review_id}}/findings/{{finding_id}}/closure",
    ): lambda w, who: {"note": "not mine"},
    ("POST", f"{API}/meters/{{meter_id}}/readings"): lambda w, who: {
        "reading": "99",
        "read_on": "2026-02-01",
    },
    ("POST", f"{API}/meters/{{meter_id}}/submissions"): lambda w, who: {
        "reading": "99",
        "read_on": "2026-02-01",
        "period": "2026-02",
        "photo_ref": "mine.jpg",
    },
    ("POST", f"{API}/meters/{{meter_id}}/confirm"): lambda w, who: {"reading_id": w.a["meter"]},
    ("POST", f"{API}/meters/{{meter_id}}/reject"): lambda w, who: {
        "reading_id": w.a["meter"],
        "reason": "not mine to do",
    },
    ("POST", f"{API}/meters/{{meter_id}}/replace"): lambda w, who: {
        "final_reading": "99",
        "initial_reading": "0",
        "changed_on": "2026-02-01",
        "reason": "reset",
    },
    ("POST", f"{API}/estates/{{estate_id}}/imports/meter-readings"): _csv(
        "房号,表类型,读数,抄表日期\n101,水表,99,2026-02-01\n"
    ),
    ("PUT", f"{API}/estates/{{estate_id}}/meter-jump-rule"): lambda w, who: {
        "factor": "5",
        "window": 6,
    },
    # stores (issue 17): B's own part (the catalogue is company data) and order
    ("POST", f"{API}/stores/{{store_id}}/reorder-levels"): lambda w, who: {
        "part_id": str(part_id("BRK-B")),
        "level": "1",
    },
    ("POST", f"{API}/stores/{{store_id}}/purchase-requests"): lambda w, who: {
        "lines": [{"part_id": str(part_id("BRK-B")), "quantity": "1", "unit_price": "1.00"}],
        "reason": "not mine",
    },
    ("POST", f"{API}/stores/{{store_id}}/stocktakes"): lambda w, who: {
        "lines": [{"part_id": str(part_id("BRK-B")), "counted": "0"}]
    },
    **{
        ("POST", f"{API}/stores/{{store_id}}/{name}"): lambda w, who: {
            "order_id": w.b["order"],
            "lines": [{"part_id": str(part_id("BRK-B")), "quantity": "1"}],
        }
        for name in ("issues", "returns")
    },
    ("POST", f"{API}/purchase-requests/{{purchase_id}}/withdrawal"): _reason,
    ("POST", f"{API}/stores/{{store_id}}/supplier-invoices"): lambda w, who: {
        "vendor_id": w.vendor,
        "number": "NOT-MINE-1",
        "receipt_ids": [w.b["supplier_invoice"]],
        "amount": "1.00",
        "invoiced_on": "2026-01-15",
    },
    ("POST", f"{API}/supplier-invoices/{{supplier_invoice_id}}/payment"): lambda w, who: {
        "payment_ref": "NOT-MINE",
        "method": "bank_transfer",
    },
    ("POST", f"{API}/purchase-requests/{{purchase_id}}/receipts"): lambda w, who: {
        "vendor_id": w.vendor,
        "lines": [{"part_id": str(part_id("BRK-B")), "quantity": "1", "unit_price": "1.00"}],
    },
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
        not endpoint.path.startswith((*IDENTITY_PREFIXES, *COMPANY_WIDE))
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


def _narrower(role: str, permission: str) -> bool:
    """Does ``role`` hold the route's action only at a narrower scope than it declares
    (an owner, "own", on a route for estate staff)? Such a caller lacks the permission
    the route needs: it may answer 403, whatever the record (the same as for none)."""
    if permission.startswith(f"{PUBLIC}:"):
        return False
    declared = Permission(permission)
    granted = ROLE_PERMISSIONS[Role(role)] | AUTHENTICATED_BASELINE
    held = widest_scope(granted, declared.action)
    order = (Scope.OWN, Scope.ESTATE, Scope.ANY)
    return held is not None and order.index(held) < order.index(declared.scope)


def _kinds(path: str) -> tuple[str, ...]:
    """The kind of record each ID parameter of the path names, in order."""
    kinds = ROUTE_RECORDS[path]
    return (kinds,) if isinstance(kinds, str) else kinds


def _urls(path: str, ids: Sequence[str]) -> list[str]:
    """The path with ``ids`` in its ID parameters, in order, once for each value of
    its other parameters."""
    given = iter(ids)
    pieces: list[tuple[str, ...]] = []
    end = 0
    for match in PARAMETER.finditer(path):
        pieces.append((path[end : match.start()],))
        name = match.group(1)
        if ID_PARAMETER.fullmatch(match.group(0)):
            pieces.append((next(given),))
        else:
            pieces.append(OTHER_PATH_VALUES.get((path, name)) or OTHER_PATH_VALUES[name])
        end = match.end()
    pieces.append((path[end:],))
    return ["".join(p) for p in itertools.product(*pieces)]


def _url(path: str, ids: Sequence[str]) -> str:
    [url] = _urls(path, ids)
    return url


def _call(client: TestClient, method: str, url: str, who: Actor, body: Any, **params: Any) -> Any:
    if isinstance(body, str):
        headers = {**who.headers, "content-type": "text/csv"}
        return client.request(method, url, content=body, headers=headers, params=params)
    return client.request(method, url, json=body, headers=who.headers, params=params)


# ---- the mapping itself ---------------------------------------------------------


def test_every_route_with_a_record_id_says_which_record_it_names(container: Container) -> None:
    """A new route with an ID must be added to ROUTE_RECORDS, and so to the walk below."""
    paths = {e.path for e in _id_routes(container)}
    missing = sorted(paths - ROUTE_RECORDS.keys())
    assert not missing, "routes with a record ID missing from ROUTE_RECORDS:\n" + "\n".join(missing)
    stale = sorted(ROUTE_RECORDS.keys() - paths)
    assert not stale, "ROUTE_RECORDS names routes the app does not have:\n" + "\n".join(stale)
    for path in paths:
        assert len(_id_parameters(path)) == len(_kinds(path)), path
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
        "patrol-routes",
        "patrol-tasks",
        "approvals",
        "service-requests",
        "complaints",
        "announcements",
        "notifications",
        "finance/estates",
        "finance/bills",
        "finance/units",
        "finance/expenses",
        "finance/fund",
        "finance/journals",
        "finance/ledger",
        "finance/statements",
        "finance/compliance-checks",
    ):
        assert any(e.path.startswith(f"{API}/{prefix}") for e in ids + lists), prefix
    assert len([e for e in ids if e.path.startswith(FINANCE)]) >= 34
    excluded = {e.path for e in _endpoints(container) if not _in_scope(e)}
    assert all(p.startswith((*IDENTITY_PREFIXES, *COMPANY_WIDE)) or p in UNSCOPED for p in excluded)
    # Of finance, only the vendor routes are left out.
    assert {p for p in excluded if p.startswith(FINANCE)} == {
        f"{FINANCE}/vendors/{{vendor_id}}",
        f"{FINANCE}/vendors/{{vendor_id}}/deactivation",
    }


# ---- one record of another estate -----------------------------------------------


def test_every_route_refuses_another_estates_record_to_each_of_its_staff_and_residents(
    client: TestClient, running: Container, world: World
) -> None:
    routes = _id_routes(running)
    failures: list[str] = []
    calls = 0
    for endpoint in routes:
        kinds = _kinds(endpoint.path)
        kind = kinds[0]
        url = _url(endpoint.path, [world.a[k] for k in kinds])
        missing = _url(endpoint.path, [MISSING] * len(kinds))
        params = QUERIES.get(endpoint.path, {})
        make_body = BODIES.get((endpoint.method, endpoint.path))
        for who in world.b.outsiders:
            body = make_body(world, who) if make_body else None
            head = running.event_log.head()
            response = _call(client, endpoint.method, url, who, body, **params)
            calls += 1
            appended = running.event_log.head() - head
            status = response.status_code
            where = f"{endpoint.method} {endpoint.path} as B's {who.role}"
            if endpoint.path.startswith(ORACLE_PREFIXES):
                head = running.event_log.head()
                twin = _call(client, endpoint.method, missing, who, body, **params)
                appended += running.event_log.head() - head
                if twin.status_code != status:
                    failures.append(
                        f"{where}: answers A's record {status} but a missing one "
                        f"{twin.status_code}: {response.text} / {twin.text}"
                    )
            if endpoint.method == "GET":
                if not _holds(who.role, endpoint.permission):
                    allowed = {403}
                elif _narrower(who.role, endpoint.permission):
                    allowed = {403, 404}
                else:
                    allowed = {404}
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
    assert calls == len(world.b.outsiders) * len(routes)
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
    calls = 0
    for endpoint, url in ((e, u) for e in routes for u in _urls(e.path, [])):
        for who in world.b.outsiders:
            for params in ({}, {"estate_id": world.a["estate"]}):
                response = _call(client, "GET", url, who, None, **params)
                calls += 1
                where = f"GET {url} {params or ''} as B's {who.role}"
                if response.status_code == 403 and (
                    not _holds(who.role, endpoint.permission)
                    or _narrower(who.role, endpoint.permission)
                ):
                    continue
                # Filtered to an estate the caller does not serve, a list may answer
                # 404 as for a missing estate (the books do), as long as it shows nothing.
                if params and response.status_code == 404:
                    leaked = _leaks(response.text, needles)
                    if leaked:
                        failures.append(f"{where}: the refusal shows {leaked}")
                    continue
                if response.status_code != 200:
                    failures.append(f"{where}: {response.status_code}: {response.text}")
                    continue
                leaked = _leaks(response.text, needles)
                if leaked:
                    kinds = [k for k, v in world.a.records.items() if v in leaked]
                    failures.append(f"{where}: shows estate A's {kinds or leaked}")
    assert calls >= 2 * len(world.b.outsiders) * len(routes)
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
        "/patrol-routes": "property_manager",
        "/patrol-plans": "technician",
        "/patrol-tasks": "technician",
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
        "/patrol-routes": "patrol_route",
        "/patrol-plans": "patrol_plan",
        "/patrol-tasks": "patrol_task",
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
        for path, role, kind in FINANCE_LISTS:
            response = client.get(f"{API}{path}", headers=people[role].headers)
            assert response.status_code == 200, (e.name, path, response.text)
            assert e[kind] in response.text, (e.name, path, role, kind)


_JANUARY = {"period_from": "2026-01-01", "period_to": "2026-01-31"}

# The finance lists, the reader who must find their estate's record there, and its kind.
FINANCE_LISTS = (
    ("/finance/bills", "finance", "bill"),
    ("/finance/bills", "owner", "bill"),
    ("/finance/payments", "finance", "payment"),
    ("/finance/payments", "owner", "payment"),
    ("/finance/receipts", "finance", "payment"),
    ("/finance/receipts", "owner", "payment"),
    ("/finance/invoices", "finance", "invoice"),
    ("/finance/invoices", "owner", "invoice"),
    ("/supplier-invoices", "finance", "supplier_invoice"),
    ("/finance/expenses", "property_manager", "claim"),
    ("/finance/expenses", "finance", "small_claim"),
    ("/finance/fund/accounts", "finance", "unit"),
    ("/finance/fund/accounts", "owner", "unit"),
    ("/finance/fund/spendings", "finance", "spending"),
    ("/finance/fund/spendings", "owner", "spending"),
    ("/finance/renovation-deposits", "finance", "renovation_deposit"),
    ("/finance/renovation-deposits", "owner", "renovation_deposit"),
    ("/finance/ledger/journal", "finance", "journal"),
    ("/finance/compliance-checks", "finance", "review"),
    ("/approvals", "finance", "claim_approval"),
    ("/approvals", "finance", "refund_approval"),
)


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
    inbox = json.loads(listings["notifications/inbox"])["items"]
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
    cases += _finance_references(w)
    return cases


def _finance_references(w: World) -> list[tuple[str, str, Actor, Any]]:
    """B's people naming A's finance records: as the subject of a new record, or
    from B's own records (B's clerk, who may do each of these in B)."""
    a, b = w.a, w.b
    fin = b.finance
    claim = {
        "vendor_id": w.vendor,
        "category": "repairs",
        "amount": "1.00",
        "description": "not mine",
        "incurred_on": "2026-02-01",
        "invoice_ref": "INV-X",
    }
    deposit = {"amount": "1.00", "method": "bank_transfer", "reference": "DEP-X"}
    emergency = {
        "category": "elevator_danger",
        "description": "not mine",
        "evidence": ["INSP-X"],
    }
    spending = {
        "purpose": "not mine",
        "amount": "1.00",
        "basis": "emergency",
        "emergency": emergency,
    }
    period = {"from": "2026-01-01", "to": "2026-02-28"}
    interest = {"amount": "1.00", "reference": "INT-X", **_JANUARY}
    stated = {"on": "2026-01-31", "balance": "1.00", "reference": "ST-X"}
    renovation = {"amount": "1.00", "method": "cash", "reference": "ZX-X", "renovation": "x"}

    def journal(**dims: str) -> dict[str, Any]:
        return {
            "booked_on": "2026-02-10",
            "memo": "not mine",
            "lines": [
                {"account": "1002", "debit": "1.00", "currency": "CNY", **dims},
                {"account": "4001", "credit": "1.00", "currency": "CNY"},
            ],
        }

    cases: list[tuple[str, str, Actor, Any]] = []
    for who in b.outsiders:
        cases += [
            ("POST", "/finance/expenses", who, {**claim, "estate_id": a["estate"]}),
            ("POST", "/finance/fund/deposits", who, {**deposit, "unit_id": a["unit"]}),
            ("POST", "/finance/fund/spendings", who, {**spending, "estate_id": a["estate"]}),
            ("POST", "/finance/fund/interest", who, {**interest, "estate_id": a["estate"]}),
            ("POST", "/finance/fund/bank-statements", who, {**stated, "estate_id": a["estate"]}),
            ("POST", "/finance/renovation-deposits", who, {**renovation, "unit_id": a["unit"]}),
            ("POST", "/finance/compliance-checks", who, {**period, "estate_id": a["estate"]}),
        ]
    review = f"/finance/compliance-checks/{b['review']}/findings/{a['finding']}"
    cases += [
        (
            "POST",
            "/finance/fund/deposits",
            fin,
            {**deposit, "unit_id": a["unit"], "estate_id": b["estate"]},
        ),
        (
            "POST",
            "/finance/fund/spendings",
            fin,
            {**spending, "estate_id": b["estate"], "unit_ids": [a["unit"]]},
        ),
        (
            "POST",
            f"/finance/units/{b['unit']}/waivers",
            fin,
            {"bill_id": a["bill"], "amount": "1.00", "reason": "not mine"},
        ),
        (
            "POST",
            f"/finance/units/{b['unit']}/payments",
            fin,
            {"bill_id": a["bill"], "amount": "1.00", "method": "cash"},
        ),
        (
            "POST",
            f"/finance/units/{b['unit']}/payments",
            b.resident,
            {"bill_id": a["bill"], "amount": "1.00", "method": "online", "reference": "ON-X"},
        ),
        (
            "POST",
            f"/finance/units/{b['unit']}/payments/{a['payment']}/reversal",
            fin,
            {"reason": "not mine"},
        ),
        (
            "POST",
            f"/finance/estates/{b['estate']}/rate-changes/{a['rate_change']}/withdrawal",
            fin,
            {"reason": "not mine"},
        ),
        (
            "POST",
            f"/finance/estates/{b['estate']}/shared-costs/{a['shared_cost']}/withdrawal",
            fin,
            {"reason": "not mine"},
        ),
        (
            "POST",
            f"/finance/estates/{b['estate']}/meter-readings",
            fin,
            {
                "period": "2026-02",
                "readings": [
                    {
                        "unit_id": a["unit"],
                        "meter": "water",
                        "reading": "99.00",
                        "read_on": "2026-02-02",
                    }
                ],
            },
        ),
        ("POST", f"/finance/estates/{b['estate']}/journals", fin, journal(unit_id=a["unit"])),
        # A manual journal names no bill at all (the sweep found one naming A's bill).
        ("POST", f"/finance/estates/{b['estate']}/journals", fin, journal(bill_id=a["bill"])),
        ("POST", f"{review}/rectification", fin, {"note": "not mine"}),
        ("POST", f"{review}/rectification", b.manager, {"note": "not mine"}),
        ("POST", f"/approvals/{b['claim_approval']}/delegate", fin, {"to": a.finance.id}),
        ("POST", f"/approvals/{b['refund_approval']}/delegate", fin, {"to": a.finance.id}),
    ]
    return cases


def test_a_vendor_is_company_wide_and_carries_nothing_of_an_estate(
    client: TestClient, running: Container, world: World
) -> None:
    """Why the vendor routes are outside the walk: every estate's finance staff see
    the same vendor, and a vendor names no estate, claim or amount."""
    url = f"{API}/finance/vendors/{world.vendor}"
    seen = [ok(client.get(url, headers=e.finance.headers)) for e in (world.a, world.b)]
    assert seen[0] == seen[1]
    assert "estate_id" not in seen[0]
    text = json.dumps(seen[0])
    for e in (world.a, world.b):
        assert not _leaks(text, e.needles), e.name
    missing = f"{API}/finance/vendors/{MISSING}"
    for who in (world.b.resident, world.b.technician):
        assert client.get(url, headers=who.headers).status_code == 403
        assert client.get(missing, headers=who.headers).status_code == 403
    listed = ok(client.get(f"{API}/finance/vendors", headers=world.b.finance.headers))
    assert [v["id"] for v in listed] == [world.vendor]


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
