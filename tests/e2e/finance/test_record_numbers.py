"""Numbers people can say on the phone, over HTTP (issue 16, decision 0050): a
work order, a service request, a complaint, the bills of a billing run and
the approvals answer and show `<estate code>-<kind>-<year>-<serial>`, and each
list finds exactly the one a caller reads out, within what they may see."""

from __future__ import annotations

from typing import Any

from replay.numbers import check_numbers
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill


def found(fw: FinanceWorld, path: str, number: str, who: Any = None) -> list[Any]:
    return list(fw.get(path, who or fw.manager, number=number).json())


def test_each_kind_is_numbered_in_its_append_shown_and_found_by_its_number(
    fw: FinanceWorld,
) -> None:
    fw.clock.set(2026, 1, 5, 9)
    orders = [
        fw.post(
            "/workorders",
            fw.manager,
            {"estate_id": fw.estate_id, "title": f"Lamp {n}", "description": "out"},
            status=201,
        ).json()
        for n in range(2)
    ]
    assert [o["number"] for o in orders] == ["FIN-WO-2026-000001", "FIN-WO-2026-000002"]
    request = fw.post(
        "/service-requests",
        fw.owners[0],
        {
            "estate_id": fw.estate_id,
            "unit_id": fw.units[0],
            "category": "cleaning",
            "description": "stairwell",
        },
        status=201,
    ).json()
    complaint = fw.post(
        "/complaints",
        fw.owners[1],
        {"estate_id": fw.estate_id, "unit_id": fw.units[1], "subject": "Noise", "description": "."},
        status=201,
    ).json()
    assert (request["number"], complaint["number"]) == ("FIN-SR-2026-000001", "FIN-CP-2026-000001")

    adopt_rate(fw, "property_fee", "2.50")  # its rate change is approval 1
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")  # one bulk append: three bills
    bills = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id).json()
    in_log_order = sorted(bills, key=lambda b: (b["position"], b["id"]))
    assert [b["number"] for b in in_log_order] == [f"FIN-BL-2026-00000{n}" for n in (1, 2, 3)]
    target = in_log_order[0]
    waiver = fw.post(
        f"/finance/units/{target['unit_id']}/waivers",
        fw.finance,
        {"bill_id": target["id"], "amount": "5.00", "reason": "lift out of order"},
        status=201,
    ).json()
    fw.settle("approvals")
    fw.settle("workorders")
    fw.settle("community")

    (order,) = found(fw, "/workorders", "fin-wo-2026-000002")
    assert (order["id"], order["number"]) == (orders[1]["id"], "FIN-WO-2026-000002")
    one = fw.client.get(f"/api/v1/workorders/{orders[0]['id']}", headers=fw.manager.headers)
    assert one.json()["number"] == "FIN-WO-2026-000001"
    (listed,) = found(fw, "/service-requests", "FIN-SR-2026-1")
    assert listed["id"] == request["id"] and listed["number"] == request["number"]
    (filed,) = found(fw, "/complaints", complaint["number"])
    assert filed["id"] == complaint["id"]
    (searched,) = found(fw, "/finance/bills", " fin-bl-2026-000001 ", fw.finance)
    assert searched["id"] == target["id"]
    one_bill = fw.client.get(f"/api/v1/finance/bills/{target['id']}", headers=fw.finance.headers)
    assert one_bill.json()["number"] == "FIN-BL-2026-000001"
    (approval,) = found(fw, "/approvals", "FIN-AP-2026-000002")
    assert approval["id"] == waiver["approval_id"]
    first = fw.get("/approvals", fw.manager).json()
    assert sorted(a["number"] for a in first) == ["FIN-AP-2026-000001", "FIN-AP-2026-000002"]

    # Another estate's clerk reads out FIN's bill: not theirs to see, not found.
    assert found(fw, "/finance/bills", "FIN-BL-2026-000001", fw.other_finance) == []
    # Another kind's number, another year, or no number at all: nothing, not an error.
    for nothing in ("FIN-WO-2026-000001", "FIN-BL-2025-000001", "FIN-BL-2026-000009", "lamp"):
        assert found(fw, "/finance/bills", nothing, fw.finance) == []

    # A purchase request (decision 0062): numbered in its store's estate.
    part = fw.post(
        "/parts",
        fw.admin,
        {
            "code": "NUM-1",
            "name": "Lamp",
            "name_zh": "灯",
            "unit": "piece",
            "category": "electrical",
        },
        status=201,
    )
    store = fw.post("/stores", fw.admin, {"estate_id": fw.estate_id, "code": "MAIN",
                                          "name": "Main"}, status=201).json()["id"]  # fmt: skip
    line = {"part_id": part.json()["id"], "quantity": "2", "unit_price": "10.00"}
    asked = fw.post(f"/stores/{store}/purchase-requests", fw.manager,
                    {"lines": [line], "reason": "lamps"}, status=201).json()  # fmt: skip
    assert asked["number"] == "FIN-PR-2026-000001"
    fw.settle("stores")
    (purchase,) = found(fw, "/purchase-requests", "fin-pr-2026-1")
    assert (purchase["id"], purchase["number"]) == (asked["id"], asked["number"])
    assert found(fw, "/purchase-requests", "FIN-PR-2026-000001", fw.other_finance) == []
    assert check_numbers(fw.container.event_log).ok


def test_a_number_is_no_longer_than_the_query_allows(fw: FinanceWorld) -> None:
    r = fw.client.get("/api/v1/workorders", params={"number": "X" * 65}, headers=fw.manager.headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
