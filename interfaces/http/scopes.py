"""Where the record of each route lives, so its scope is declared, checked and tested.

``requires(...)`` says which permission a route needs; this table says on
*which record* that permission's scope is judged (issue 12 §2):

* ``COMPANY`` - company-wide data (users, vendors, the audit trail, policies):
  no estate; the declared permission decides (``any`` to change it).
* ``ESTATE`` - a record of one estate: staff serving that estate (``estate``
  scope), company-wide holders (``any``), and its owner (``own``) where the
  record has one (a resident's request, a technician's assigned order).
* ``UNIT`` - a record of one unit (the unit, its bills, its account): as
  ``ESTATE``, and its current occupants hold it ``own``.
* ``OWN`` - the caller's own records only (their session, inbox, reminders).

``source`` says where the record's ID is: ``path:<param>``, ``body:<field>``
(``a|b``: whichever the body names), ``rows`` for a list filtered by the
caller's reach, ``caller`` for the caller's own records and ``company`` for
company data with no record ID. ``also`` lists the other IDs in the path or
body that must lie within the same scope (a unit named when a parking space
is assigned, a technician named on an order). Where a record's routes follow
the one rule (its list is the caller's rows; reading it and the steps of its
workflow, ``POST /workorders/{order_id}/start`` ..., are judged on the record
its path names) they are declared together.

``tests/e2e/api/test_scope_matrix.py`` fails for a route missing here, for a
declaration whose source is not a parameter of the route, and for any
caller whose answer differs from what the declaration and the policy imply.
"""

from __future__ import annotations

from interfaces.http.field_scopes import FIELD_ROUTES
from interfaces.http.scope_rules import (
    API,
    COMPANY,
    ESTATE,
    OWN,
    UNIT,
    Scoped,
    Target,
)
from interfaces.http.scope_rules import posts as _posts
from interfaces.http.scope_rules import record as _record

__all__ = ["API", "COMPANY", "ESTATE", "OWN", "ROUTE_SCOPES", "UNIT", "Scoped", "Target"]


# (method, path under /api/v1) -> the declaration. Public routes (health,
# readiness, login, its code, refresh) carry no record and are not here.
_ROUTES: dict[tuple[str, str], Scoped] = {
    ("POST", "/auth/logout"): Scoped(OWN, "caller"),
    ("GET", "/auth/me"): Scoped(OWN, "caller"),
    ("POST", "/auth/second-factor"): Scoped(OWN, "caller"),
    ("POST", "/auth/password"): Scoped(OWN, "caller"),
    ("POST", "/users"): Scoped(COMPANY, "company"),
    **_record(
        COMPANY,
        "/users/{user_id}",
        "profile roles permissions lock unlock disable enable password erase-personal-data",
    ),
    ("GET", "/users/{user_id}/logins"): Scoped(COMPANY, "path:user_id"),
    ("DELETE", "/users/{user_id}/roles/{role}"): Scoped(COMPANY, "path:user_id"),
    ("DELETE", "/users/{user_id}/permissions/{permission}"): Scoped(COMPANY, "path:user_id"),
    ("POST", "/users/{user_id}/estates"): Scoped(COMPANY, "path:user_id", also=("body:estate_id",)),
    ("DELETE", "/users/{user_id}/estates/{estate_id}"): Scoped(
        COMPANY, "path:user_id", also=("path:estate_id",)
    ),
    ("GET", "/audit/events"): Scoped(COMPANY, "rows"),
    ("GET", "/audit/events/export"): Scoped(COMPANY, "rows"),
    ("GET", "/audit/integrity"): Scoped(COMPANY, "company"),
    ("GET", "/audit/signing-key"): Scoped(COMPANY, "company"),
    ("GET", "/audit/as-of/{position}"): Scoped(COMPANY, "company"),
    ("GET", "/audit/exports/signed"): Scoped(COMPANY, "company"),
    ("GET", "/history/{aggregate_id}"): Scoped(COMPANY, "path:aggregate_id"),
    ("GET", "/projections"): Scoped(COMPANY, "company"),
    # Incidents and alerts are the service's own, of no estate (R6.2).
    **_record(COMPANY, "/incidents/{incident_id}", "acknowledge resolve"),
    ("GET", "/alerts"): Scoped(COMPANY, "caller"),
    ("POST", "/alerts/{alert_id}/acknowledge"): Scoped(COMPANY, "path:alert_id"),
    ("POST", "/estates"): Scoped(COMPANY, "company"),
    ("PATCH", "/estates/{estate_id}"): Scoped(ESTATE, "path:estate_id"),
    **_record(ESTATE, "/estates/{estate_id}", "buildings parking"),
    ("GET", "/buildings"): Scoped(ESTATE, "rows"),
    ("GET", "/buildings/{building_id}"): Scoped(ESTATE, "path:building_id"),
    ("PATCH", "/buildings/{building_id}"): Scoped(ESTATE, "path:building_id"),
    ("POST", "/buildings/{building_id}/units"): Scoped(ESTATE, "path:building_id"),
    ("GET", "/units"): Scoped(ESTATE, "rows"),
    ("GET", "/units/{unit_id}"): Scoped(UNIT, "path:unit_id"),
    ("PATCH", "/units/{unit_id}"): Scoped(UNIT, "path:unit_id"),
    ("GET", "/units/{unit_id}/occupancy"): Scoped(UNIT, "path:unit_id"),
    ("POST", "/units/{unit_id}/move-in"): Scoped(UNIT, "path:unit_id", also=("body:person_id",)),
    ("POST", "/units/{unit_id}/move-out"): Scoped(UNIT, "path:unit_id", also=("body:person_id",)),
    ("POST", "/units/{unit_id}/ownership-transfers"): Scoped(
        UNIT, "path:unit_id", also=("body:new_owner_ids",)
    ),
    ("GET", "/parking"): Scoped(ESTATE, "rows"),
    ("GET", "/parking/{parking_id}"): Scoped(ESTATE, "path:parking_id"),
    ("POST", "/parking/{parking_id}/assignment"): Scoped(
        ESTATE, "path:parking_id", also=("body:unit_id",)
    ),
    ("DELETE", "/parking/{parking_id}/assignment"): Scoped(ESTATE, "path:parking_id"),
    ("POST", "/estates/{estate_id}/people"): Scoped(
        ESTATE, "path:estate_id", also=("body:user_id",)
    ),
    ("GET", "/people"): Scoped(ESTATE, "rows"),
    ("GET", "/people/{person_id}"): Scoped(ESTATE, "path:person_id"),
    ("GET", "/people/{person_id}/occupancy"): Scoped(ESTATE, "path:person_id"),
    ("PATCH", "/people/{person_id}"): Scoped(ESTATE, "path:person_id"),
    ("POST", "/people/{person_id}/account"): Scoped(
        ESTATE, "path:person_id", also=("body:user_id",)
    ),
    ("DELETE", "/people/{person_id}/account"): Scoped(ESTATE, "path:person_id"),
    ("POST", "/people/{person_id}/erasure"): Scoped(ESTATE, "path:person_id"),
    ("POST", "/estates/{estate_id}/imports/units"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/estates/{estate_id}/imports/residents"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/equipment"): Scoped(
        ESTATE, "body:estate_id", also=("body:building_id", "body:unit_id")
    ),
    ("GET", "/equipment"): Scoped(ESTATE, "rows"),
    ("GET", "/equipment/board"): Scoped(ESTATE, "rows"),
    ("GET", "/equipment/stale"): Scoped(ESTATE, "rows"),
    ("GET", "/equipment/{equipment_id}"): Scoped(ESTATE, "path:equipment_id"),
    ("PATCH", "/equipment/{equipment_id}"): Scoped(
        ESTATE, "path:equipment_id", also=("body:building_id", "body:unit_id")
    ),
    ("POST", "/equipment/{equipment_id}/status"): Scoped(ESTATE, "path:equipment_id"),
    ("GET", "/equipment/{equipment_id}/archive"): Scoped(ESTATE, "path:equipment_id"),
    ("POST", "/telemetry"): Scoped(ESTATE, "body:readings[].equipment_id"),
    **_record(ESTATE, "/alarms/{alarm_id}", "acknowledge clear work-order"),
    ("POST", "/workorders"): Scoped(ESTATE, "body:estate_id|unit_id", also=("body:equipment_id",)),
    ("POST", "/workorders/on-behalf"): Scoped(
        ESTATE, "body:unit_id", also=("body:resident_id", "body:equipment_id")
    ),
    ("GET", "/workorders/dashboard"): Scoped(ESTATE, "rows"),
    ("GET", "/workorders/{order_id}/history"): Scoped(ESTATE, "path:order_id"),
    **_record(
        ESTATE,
        "/workorders/{order_id}",
        "triage accept reject start hold resume complete rate close cancel reopen",
    ),
    ("POST", "/workorders/{order_id}/assign"): Scoped(
        ESTATE, "path:order_id", also=("body:technician_id",)
    ),
    ("POST", "/maintenance-plans"): Scoped(
        ESTATE, "body:estate_id", also=("body:equipment_id", "body:technician_id")
    ),
    ("PATCH", "/maintenance-plans/{plan_id}"): Scoped(
        ESTATE, "path:plan_id", also=("body:technician_id",)
    ),
    **_record(ESTATE, "/maintenance-plans/{plan_id}", "pause resume retire"),
    ("GET", "/approval-policies/{kind}"): Scoped(COMPANY, "company"),
    ("PUT", "/approval-policies/{kind}"): Scoped(COMPANY, "company"),
    **_record(ESTATE, "/approvals/{approval_id}", "approve reject return"),
    ("POST", "/approvals/{approval_id}/delegate"): Scoped(
        ESTATE, "path:approval_id", also=("body:to",)
    ),
    ("POST", "/service-requests"): Scoped(ESTATE, "body:estate_id", also=("body:unit_id",)),
    **_record(
        ESTATE, "/service-requests/{request_id}", "accept decline done close resubmit cancel"
    ),
    ("POST", "/service-requests/{request_id}/schedule"): Scoped(
        ESTATE, "path:request_id", also=("body:assignee_id",)
    ),
    ("POST", "/complaints"): Scoped(ESTATE, "body:estate_id", also=("body:unit_id",)),
    ("POST", "/complaints/{complaint_id}/assign"): Scoped(
        ESTATE, "path:complaint_id", also=("body:handler_id",)
    ),
    **_record(
        ESTATE, "/complaints/{complaint_id}", "respond resolve escalate close confirm reopen"
    ),
    ("GET", "/surveys"): Scoped(OWN, "rows"),
    ("POST", "/surveys"): Scoped(OWN, "body:subject_id"),
    ("GET", "/survey-results"): Scoped(ESTATE, "rows"),
    ("POST", "/announcements"): Scoped(ESTATE, "body:estate_id"),
    ("GET", "/announcements"): Scoped(ESTATE, "rows"),
    ("GET", "/announcement-board"): Scoped(ESTATE, "rows"),
    **_posts(ESTATE, "/announcements/{announcement_id}", "revise submit publish withdraw"),
    ("GET", "/notifications/inbox"): Scoped(OWN, "caller"),
    ("POST", "/notifications/inbox/read"): Scoped(OWN, "caller"),
    ("GET", "/notifications/preferences"): Scoped(OWN, "caller"),
    ("PUT", "/notifications/preferences"): Scoped(OWN, "caller"),
    ("GET", "/notifications/deliveries"): Scoped(OWN, "caller"),
    ("GET", "/notifications/deliveries/all"): Scoped(COMPANY, "rows"),
    ("POST", "/notifications/messages"): Scoped(ESTATE, "body:estate_id|recipient_id"),
    ("POST", "/notifications/reminders"): Scoped(OWN, "caller", also=("body:user_id",)),
    ("GET", "/notifications/reminders"): Scoped(OWN, "rows"),
    ("POST", "/notifications/reminders/{reminder_id}/cancel"): Scoped(OWN, "path:reminder_id"),
    ("GET", "/tasks/mine"): Scoped(OWN, "caller"),
    ("GET", "/finance/estates/{estate_id}/fee-schedule"): Scoped(ESTATE, "path:estate_id"),
    **_posts(
        ESTATE,
        "/finance/estates/{estate_id}",
        "rate-changes shared-costs meter-readings billing-runs journals",
    ),
    ("POST", "/finance/estates/{estate_id}/rate-changes/{change_id}/withdrawal"): Scoped(
        ESTATE, "path:estate_id", also=("path:change_id",)
    ),
    ("PUT", "/finance/estates/{estate_id}/billing-terms"): Scoped(ESTATE, "path:estate_id"),
    ("PUT", "/finance/estates/{estate_id}/vacancy-payer"): Scoped(
        ESTATE, "path:estate_id", also=("body:person_id",)
    ),
    ("GET", "/finance/estates/{estate_id}/shared-costs"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/finance/estates/{estate_id}/shared-costs/{cost_id}/withdrawal"): Scoped(
        ESTATE, "path:estate_id", also=("path:cost_id",)
    ),
    ("GET", "/finance/estates/{estate_id}/meter-readings"): Scoped(ESTATE, "path:estate_id"),
    ("GET", "/finance/estates/{estate_id}/billing-runs"): Scoped(ESTATE, "path:estate_id"),
    ("GET", "/finance/bills"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/bills/{bill_id}"): Scoped(UNIT, "path:bill_id"),
    ("GET", "/finance/units/{unit_id}/account"): Scoped(UNIT, "path:unit_id"),
    ("GET", "/finance/payments"): Scoped(ESTATE, "rows"),
    ("POST", "/finance/units/{unit_id}/payments"): Scoped(
        UNIT, "path:unit_id", also=("body:bill_id",)
    ),
    ("POST", "/finance/units/{unit_id}/payments/{payment_id}/reversal"): Scoped(
        UNIT, "path:unit_id", also=("path:payment_id",)
    ),
    ("POST", "/finance/units/{unit_id}/waivers"): Scoped(
        UNIT, "path:unit_id", also=("body:bill_id",)
    ),
    ("POST", "/finance/units/{unit_id}/refunds"): Scoped(UNIT, "path:unit_id"),
    ("POST", "/finance/units/{unit_id}/payment-orders"): Scoped(
        UNIT, "path:unit_id", also=("body:bill_ids",)
    ),
    ("POST", "/finance/estates/{estate_id}/online-settlements"): Scoped(ESTATE, "path:estate_id"),
    # A person's statement and certificates: the person's own (their linked
    # login), never the unit's other occupants' (decision 0029).
    ("GET", "/finance/me/statements"): Scoped(OWN, "caller"),
    ("GET", "/finance/units/{unit_id}/owners/{person_id}/statement"): Scoped(
        UNIT, "path:person_id", also=("path:unit_id",)
    ),
    (
        "GET",
        "/finance/units/{unit_id}/owners/{person_id}/clearance-certificates/{certificate_id}",
    ): (Scoped(UNIT, "path:person_id", also=("path:unit_id", "path:certificate_id"))),
    ("POST", "/finance/units/{unit_id}/owners/{person_id}/clearance-certificates"): Scoped(
        UNIT, "path:unit_id"
    ),
    ("GET", "/finance/estates/{estate_id}/tax-settings"): Scoped(ESTATE, "path:estate_id"),
    ("PUT", "/finance/estates/{estate_id}/tax-settings"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/finance/units/{unit_id}/write-offs"): Scoped(
        UNIT, "path:unit_id", also=("body:bill_id",)
    ),
    ("POST", "/finance/estates/{estate_id}/bad-debt-provisions"): Scoped(ESTATE, "path:estate_id"),
    # receipts, invoices, the bank account (issue 14, decision 0026)
    ("GET", "/finance/receipts"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/payments/{payment_id}/receipt"): Scoped(UNIT, "path:payment_id"),
    ("POST", "/finance/payments/{payment_id}/receipt/reprints"): Scoped(UNIT, "path:payment_id"),
    ("POST", "/finance/units/{unit_id}/invoices"): Scoped(
        UNIT, "path:unit_id", also=("body:bill_ids",)
    ),
    ("GET", "/finance/invoices"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/invoices/{invoice_id}"): Scoped(UNIT, "path:invoice_id"),
    **_posts(UNIT, "/finance/invoices/{invoice_id}", "issue red-letter"),
    ("POST", "/finance/estates/{estate_id}/bank-statements"): Scoped(ESTATE, "path:estate_id"),
    ("GET", "/finance/estates/{estate_id}/bank-lines"): Scoped(ESTATE, "path:estate_id"),
    ("GET", "/finance/estates/{estate_id}/bank-reconciliation"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/finance/bank-lines/{line_id}/match"): Scoped(
        ESTATE, "path:line_id", also=("body:payment_id",)
    ),
    ("POST", "/finance/vendors"): Scoped(COMPANY, "company"),
    ("GET", "/finance/vendors"): Scoped(COMPANY, "rows"),
    ("GET", "/finance/vendors/{vendor_id}"): Scoped(COMPANY, "path:vendor_id"),
    ("PATCH", "/finance/vendors/{vendor_id}"): Scoped(COMPANY, "path:vendor_id"),
    ("POST", "/finance/vendors/{vendor_id}/deactivation"): Scoped(COMPANY, "path:vendor_id"),
    ("PUT", "/finance/estates/{estate_id}/budgets/{year}"): Scoped(ESTATE, "path:estate_id"),
    ("GET", "/finance/estates/{estate_id}/budgets/{year}"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/finance/expenses"): Scoped(ESTATE, "body:estate_id", also=("body:vendor_id",)),
    **_record(ESTATE, "/finance/expenses/{claim_id}", "payment withdrawal"),
    ("GET", "/finance/estates/{estate_id}/expense-analysis"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/finance/fund/deposits"): Scoped(UNIT, "body:unit_id", also=("body:estate_id",)),
    ("GET", "/finance/fund/accounts"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/fund/accounts/{unit_id}"): Scoped(UNIT, "path:unit_id"),
    ("POST", "/finance/fund/spendings"): Scoped(ESTATE, "body:estate_id", also=("body:unit_ids",)),
    ("GET", "/finance/fund/spendings"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/fund/spendings/{spending_id}"): Scoped(ESTATE, "path:spending_id"),
    ("POST", "/finance/fund/spendings/{spending_id}/disbursement"): Scoped(
        ESTATE, "path:spending_id"
    ),
    ("POST", "/finance/fund/interest"): Scoped(ESTATE, "body:estate_id"),
    ("POST", "/finance/fund/bank-statements"): Scoped(ESTATE, "body:estate_id"),
    ("GET", "/finance/estates/{estate_id}/fund/reconciliation"): Scoped(ESTATE, "path:estate_id"),
    ("GET", "/finance/estates/{estate_id}/fund/published"): Scoped(ESTATE, "path:estate_id"),
    **{
        (method, f"/finance/estates/{{estate_id}}/fund/{tail}"): Scoped(ESTATE, "path:estate_id")
        for method, tail in (
            ("PUT", "first-deposit-rule"),
            ("GET", "first-deposit-rule"),
            ("POST", "first-deposit-assessments"),
            ("GET", "first-deposits"),
        )
    },
    ("POST", "/finance/renovation-deposits"): Scoped(UNIT, "body:unit_id"),
    ("GET", "/finance/renovation-deposits"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/renovation-deposits/{deposit_id}"): Scoped(UNIT, "path:deposit_id"),
    **_posts(UNIT, "/finance/renovation-deposits/{deposit_id}", "refund forfeiture"),
    ("GET", "/finance/accounts"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/ledger/journal"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/statements/{kind}"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/units/{unit_id}/statement"): Scoped(UNIT, "path:unit_id"),
    ("GET", "/finance/estates/{estate_id}/periods"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/finance/journals/{journal_id}/reversal"): Scoped(ESTATE, "path:journal_id"),
    ("POST", "/finance/estates/{estate_id}/periods/{period}/close"): Scoped(
        ESTATE, "path:estate_id"
    ),
    ("POST", "/finance/compliance-checks"): Scoped(ESTATE, "body:estate_id"),
    ("GET", "/finance/compliance-checks"): Scoped(ESTATE, "rows"),
    ("GET", "/finance/compliance-checks/{review_id}"): Scoped(ESTATE, "path:review_id"),
    ("POST", "/finance/compliance-checks/{review_id}/findings/{finding_id}/rectification"): Scoped(
        ESTATE, "path:review_id", also=("path:finding_id",)
    ),
    ("POST", "/finance/compliance-checks/{review_id}/findings/{finding_id}/closure"): Scoped(
        ESTATE, "path:review_id", also=("path:finding_id",)
    ),
}

# Issue 17's field operations declare theirs beside these (meters, patrols, stores,
# the gate and the car park, data quality): interfaces/http/field_scopes.py.
ROUTE_SCOPES: dict[tuple[str, str], Scoped] = {
    **{
        (method, f"{API}{path}"): scoped
        for (method, path), scoped in {**_ROUTES, **FIELD_ROUTES}.items()
    },
    ("GET", "/metrics"): Scoped(COMPANY, "company"),  # for operators and the scraper
}
