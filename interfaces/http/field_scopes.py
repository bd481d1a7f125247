"""Where the record of each of issue 17's field routes lives (``interfaces/http/scopes.py``
explains the table): meters, patrols, stores, visitors and the gate, the car park,
data quality and the dashboard.
"""

from __future__ import annotations

from interfaces.http.scope_rules import COMPANY, ESTATE, UNIT, Scoped, record

# (method, path under /api/v1) -> the declaration.
FIELD_ROUTES: dict[tuple[str, str], Scoped] = {
    # Patrols (issue 17): a task is its assignee's own.
    ("POST", "/patrol-routes"): Scoped(ESTATE, "body:estate_id"),
    **record(ESTATE, "/patrol-routes/{route_id}", "points retire"),
    ("POST", "/patrol-plans"): Scoped(ESTATE, "body:route_id", also=("body:assignee_id",)),
    **record(ESTATE, "/patrol-plans/{patrol_plan_id}", "pause resume retire"),
    ("POST", "/patrol-plans/{patrol_plan_id}/assignee"): Scoped(
        ESTATE, "path:patrol_plan_id", also=("body:assignee_id",)
    ),
    **record(ESTATE, "/patrol-tasks/{task_id}", "check-ins"),
    ("GET", "/patrol-reports/completion"): Scoped(ESTATE, "rows"),
    # Visitors and the gate (issue 17): a pass is judged on its estate, its
    # issuer and its visitor's account; a scanned token names the pass.
    ("POST", "/visitor-passes"): Scoped(ESTATE, "body:estate_id", also=("body:unit_id",)),
    **record(ESTATE, "/visitor-passes/{pass_id}", "revoke"),
    ("GET", "/visitor-passes/{pass_id}/token"): Scoped(ESTATE, "path:pass_id"),
    **{
        ("POST", f"/gate/{step}"): Scoped(ESTATE, "body:token")
        for step in ("verify", "check-in", "check-out")
    },
    ("GET", "/gate/pass-key"): Scoped(COMPANY, "company"),
    ("GET", "/estates/{estate_id}/visitors/inside"): Scoped(ESTATE, "path:estate_id"),
    ("GET", "/estates/{estate_id}/visitors/log"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/telemetry/access"): Scoped(ESTATE, "body:events[].equipment_id"),
    # Meters (抄表): a unit's meter is its occupants' own; rounds are their technician's.
    ("POST", "/meters"): Scoped(ESTATE, "body:estate_id", also=("body:unit_id",)),
    **record(UNIT, "/meters/{meter_id}", "readings submissions confirm reject replace"),
    ("GET", "/meters/{meter_id}/readings"): Scoped(UNIT, "path:meter_id"),
    ("GET", "/meter-readings"): Scoped(UNIT, "rows"),
    ("GET", "/estates/{estate_id}/unread-meters"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/estates/{estate_id}/imports/meter-readings"): Scoped(ESTATE, "path:estate_id"),
    ("POST", "/meter-rounds"): Scoped(ESTATE, "body:estate_id", also=("body:technician_id",)),
    **record(ESTATE, "/meter-rounds/{round_id}", "close"),
    ("GET", "/estates/{estate_id}/meter-jump-rule"): Scoped(ESTATE, "path:estate_id"),
    ("PUT", "/estates/{estate_id}/meter-jump-rule"): Scoped(ESTATE, "path:estate_id"),
    # The car park (停车/道闸): one per estate; vehicles, passes and sessions of its units.
    ("POST", "/car-parks"): Scoped(ESTATE, "body:estate_id"),
    **record(ESTATE, "/car-parks/{car_park_id}", "tariffs blocklist gate"),
    ("GET", "/car-parks/{car_park_id}/board"): Scoped(ESTATE, "path:car_park_id"),
    ("POST", "/car-parks/{car_park_id}/temporary-spaces"): Scoped(ESTATE, "path:car_park_id"),
    ("POST", "/car-parks/{car_park_id}/exits-without-entry"): Scoped(ESTATE, "path:car_park_id"),
    ("GET", "/car-parks/{car_park_id}/exceptions"): Scoped(ESTATE, "path:car_park_id"),
    ("POST", "/car-parks/{car_park_id}/vehicles"): Scoped(
        ESTATE, "path:car_park_id", also=("body:unit_id",)
    ),
    **record(ESTATE, "/vehicles/{vehicle_id}", "unblock passes"),
    ("POST", "/vehicles/{vehicle_id}/passes/{parking_pass_id}/cancel"): Scoped(
        ESTATE, "path:vehicle_id", also=("path:parking_pass_id",)
    ),
    **record(ESTATE, "/parking-sessions/{session_id}", "payment release payment-orders"),
    # Stores (issue 17): the catalogue is company data, the rest an estate's.
    ("POST", "/parts"): Scoped(COMPANY, "company"),
    ("GET", "/parts"): Scoped(COMPANY, "rows"),
    ("POST", "/stores"): Scoped(ESTATE, "body:estate_id"),
    **record(
        ESTATE,
        "/stores/{store_id}",
        "reorder-levels purchase-requests stocktakes supplier-invoices",
    ),
    **{
        ("POST", f"/stores/{{store_id}}/{name}"): Scoped(
            ESTATE, "path:store_id", also=("body:order_id",)
        )
        for name in ("issues", "returns")
    },
    ("GET", "/stores/{store_id}/stock"): Scoped(ESTATE, "path:store_id"),
    ("GET", "/stores/{store_id}/movements"): Scoped(ESTATE, "path:store_id"),
    **record(ESTATE, "/purchase-requests/{purchase_id}", "receipts withdrawal"),
    **record(ESTATE, "/stocktakes/{stocktake_id}", ""),
    ("GET", "/workorders/{order_id}/parts"): Scoped(ESTATE, "path:order_id"),
    **record(ESTATE, "/supplier-invoices/{supplier_invoice_id}", "payment"),
    ("GET", "/supplier-payables"): Scoped(ESTATE, "rows"),
    # Data quality (R7.5) and the estate dashboard: all of one estate, by its path.
    **{
        (method, f"/estates/{{estate_id}}{tail}"): Scoped(ESTATE, "path:estate_id")
        for method, tail in (
            ("GET", "/quality"),
            ("GET", "/quality/checks/{check}/records"),
            ("GET", "/quality/runs"),
            ("POST", "/quality/runs"),
            ("GET", "/quality/trend"),
            ("GET", "/dashboard"),
        )
    },
}
