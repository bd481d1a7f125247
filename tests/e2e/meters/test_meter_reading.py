"""Meter reading through the HTTP API, as each role does it: the manager
installs and plans, the technician reads the round, a jump is held and the
front desk confirms it, an owner submits their own reading, a GBK file is
imported, and the unread list shows what billing would miss."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.policy import Role
from projections.runtime import wait_for_position
from tests.conftest import bearer, login
from tests.support.world import PASSWORD, world

MONTH = f"{date.today():%Y-%m}"
TODAY = date.today().isoformat()


def settled(container: Container) -> int:
    head = container.event_log.head()
    for name in ("meters", "registry", "finance_rates"):
        assert wait_for_position(container.pool, name, head, 30), name
    return head


def call(client: TestClient, who: dict[str, str], method: str, path: str, **kw: Any) -> Any:
    return client.request(method, f"/api/v1/{path}", headers=who, **kw)


def upload(client: TestClient, who: dict[str, str], path: str, content: bytes) -> Any:
    headers = {**who, "Content-Type": "text/csv"}
    return client.post(
        f"/api/v1/{path}", params={"period": MONTH}, content=content, headers=headers
    )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_round_a_held_jump_an_owners_reading_and_an_import(
    client: TestClient, running: Container
) -> None:
    b = world(running)
    estate = b.estate("MTR", "Meter Court", "1 Meter Road")
    building = b.building(estate, "M1")
    home = b.unit(building, "101", 1, Decimal(90), Decimal(75))
    other = b.unit(building, "102", 1, Decimal(90), Decimal(75))
    b.user("mtr.manager", Role.PROPERTY_MANAGER, estate)
    technician = b.user("mtr.tech", Role.TECHNICIAN, estate)
    b.user("mtr.front", Role.CUSTOMER_SERVICE, estate)
    owner_id = b.user("mtr.owner", Role.OWNER)
    b.move_in(home, b.person(estate, "Owner", user_id=owner_id), "owner", date(2020, 1, 1))
    manager, tech, front, owner = (
        bearer(login(client, name, PASSWORD))
        for name in ("mtr.manager", "mtr.tech", "mtr.front", "mtr.owner")
    )

    def install(unit: Any, kind: str, initial: str) -> str:
        body = {"estate_id": str(estate), "unit_id": str(unit), "kind": kind, "serial": kind}
        body.update(initial_reading=initial, installed_on="2026-01-01")
        return str(ok(call(client, manager, "POST", "meters", json=body), 201)["id"])

    water, power, neighbours = (
        install(home, "water", "100"),
        install(home, "electricity", "0"),
        install(other, "water", "5"),
    )
    # The technician may not install; an unknown kind is 422 naming the field.
    body = {"estate_id": str(estate), "area": "Lifts", "kind": "steam", "serial": "S"}
    body.update(initial_reading="0", installed_on="2026-01-01")
    assert call(client, tech, "POST", "meters", json=body).status_code == 403
    refused = call(client, manager, "POST", "meters", json=body)
    assert refused.status_code == 422 and "kind" in refused.text

    plan: dict[str, Any] = {"estate_id": str(estate), "period": MONTH, "due_on": TODAY}
    plan.update(technician_id=str(technician), meter_ids=[power, water])
    tour = ok(call(client, manager, "POST", "meter-rounds", json=plan), 201)["id"]

    def read(meter: str, value: str, who: dict[str, str] = tech) -> Any:
        body = {"reading": value, "read_on": TODAY, "round_id": tour}
        return call(client, who, "POST", f"meters/{meter}/readings", json=body)

    assert ok(read(water, "110"), 201)["status"] == "recorded"
    lower = read(water, "109")
    assert lower.status_code == 422 and "negative use" in lower.json()["detail"]
    assert ok(read(water, "150"), 201)["status"] == "held"  # 40 against an average of 10
    head = settled(running)
    [held] = ok(
        call(client, front, "GET", "meter-readings", params={"status": "held", "after": head})
    )["items"]
    assert (held["meter_id"], held["usage"]) == (water, "40")
    assert (
        call(
            client, owner, "POST", f"meters/{water}/confirm", json={"reading_id": held["id"]}
        ).status_code
        == 403
    )
    ok(call(client, front, "POST", f"meters/{water}/confirm", json={"reading_id": held["id"]}))

    # The owner sees their unit's meters only, and submits a reading with a photo.
    head = settled(running)
    mine = ok(call(client, owner, "GET", "meters", params={"after": head}))["items"]
    assert sorted(m["id"] for m in mine) == sorted([water, power])
    assert call(client, owner, "GET", f"meters/{neighbours}").status_code == 404
    sent = {"reading": "42", "read_on": TODAY, "period": MONTH, "photo_ref": "up/e.jpg"}
    submitted = ok(call(client, owner, "POST", f"meters/{power}/submissions", json=sent), 201)
    assert submitted["status"] == "submitted"
    refused = call(client, owner, "POST", f"meters/{neighbours}/submissions", json=sent)
    assert refused.status_code == 404

    # What is unread this month: the neighbour's meter, and the owner's power meter
    # whose reading waits for the front desk.
    head = settled(running)
    unread = ok(
        call(
            client,
            manager,
            "GET",
            f"estates/{estate}/unread-meters",
            params={"period": MONTH, "after": head},
        )
    )["items"]
    assert [(m["id"], m["waiting"]) for m in unread] == [(power, 1), (neighbours, 0)]
    assert (
        call(
            client, owner, "GET", f"estates/{estate}/unread-meters", params={"period": MONTH}
        ).status_code
        == 404
    )
    assert (
        call(client, front, "GET", "meter-readings", params={"status": "lost"}).status_code == 422
    )

    # A GBK file from the office: the neighbour's water; a bad row refuses it all.
    csv = f"房号,表类型,读数,抄表日期\n102,水表,12,{TODAY}\n".encode("gb18030")
    path = f"estates/{estate}/imports/meter-readings"
    bad = f"房号,表类型,读数,抄表日期\n102,水表,12,{TODAY}\n909,水表,1,{TODAY}\n".encode("gb18030")
    refused = upload(client, front, path, bad)
    assert refused.status_code == 422 and refused.json()["errors"][0]["column"] == "房号"
    done = ok(upload(client, front, path, csv), 201)
    assert (done["rows"], done["held"]) == (1, 0)

    head = settled(running)
    the_round = ok(call(client, tech, "GET", f"meter-rounds/{tour}", params={"after": head}))
    assert [s["id"] for s in the_round["stops"]] == [power, water]
    assert [s["status"] for s in the_round["stops"]] == [None, "recorded"]
    # On the technician's to-do list: the water meter, noted thrice, is one meter read.
    [todo] = ok(call(client, tech, "GET", "tasks/mine", params={"after": head}))["items"]
    assert (todo["id"], todo["kind"], todo["due_on"], todo["done"], todo["total"]) == (
        tour,
        "meter_round",
        TODAY,
        1,
        2,
    )
    readings = ok(
        call(
            client,
            manager,
            "GET",
            f"finance/estates/{estate}/meter-readings",
            params={"period": MONTH, "after": head},
        )
    )
    billed = {(r["unit_id"], r["meter"]): Decimal(r["reading"]) for r in readings["readings"]}
    assert billed[(str(home), "water")] == 150 and billed[(str(other), "water")] == 12


def test_a_manager_sets_the_jump_rule_and_a_gas_reading_reaches_finance(
    client: TestClient, running: Container
) -> None:
    b = world(running)
    estate = b.estate("GAS", "Gas Court", "2 Meter Road")
    home = b.unit(b.building(estate, "G1"), "101", 1, Decimal(90), Decimal(75))
    b.user("gas.manager", Role.PROPERTY_MANAGER, estate)
    b.user("gas.tech", Role.TECHNICIAN, estate)
    manager, tech = (bearer(login(client, n, PASSWORD)) for n in ("gas.manager", "gas.tech"))
    rule_path = f"estates/{estate}/meter-jump-rule"

    # The default until the manager sets one; the technician may read it, not set it.
    head = settled(running)
    rule = ok(call(client, tech, "GET", rule_path, params={"after": head}))
    assert (Decimal(rule["factor"]), rule["window"], rule["changed_by"]) == (3, 6, None)
    wanted = {"factor": "2", "window": 3}
    assert call(client, tech, "PUT", rule_path, json=wanted).status_code == 403
    for bad in ({"factor": "1", "window": 3}, {"factor": "2", "window": 13}):
        assert call(client, manager, "PUT", rule_path, json=bad).status_code == 422
    ok(call(client, manager, "PUT", rule_path, json=wanted))
    head = settled(running)
    rule = ok(call(client, tech, "GET", rule_path, params={"after": head}))
    assert (Decimal(rule["factor"]), rule["window"]) == (2, 3) and rule["changed_by"]

    body = {"estate_id": str(estate), "unit_id": str(home), "kind": "gas", "serial": "G-101"}
    body.update(initial_reading="0", installed_on="2026-01-01")
    gas = ok(call(client, manager, "POST", "meters", json=body), 201)["id"]

    def read(value: str) -> str:
        body = {"reading": value, "read_on": TODAY}
        return str(
            ok(call(client, tech, "POST", f"meters/{gas}/readings", json=body), 201)["status"]
        )

    assert [read("10"), read("25"), read("70")] == ["recorded", "recorded", "held"]
    head = settled(running)
    [held] = ok(
        call(client, tech, "GET", "meter-readings", params={"status": "held", "after": head})
    )["items"]
    assert "above 2 times (the estate's jump factor)" in held["note"]  # 45 > 2 x 12.5
    readings = ok(
        call(
            client,
            manager,
            "GET",
            f"finance/estates/{estate}/meter-readings",
            params={"period": MONTH, "after": head},
        )
    )
    billed = {(r["unit_id"], r["meter"]): Decimal(r["reading"]) for r in readings["readings"]}
    assert billed == {(str(home), "gas"): 25}
