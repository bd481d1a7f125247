"""Issue 17's field routes under the pressure of real use: the same request twice
(Idempotency-Key), the same pass or plate at two gates at once, a pass replayed
after it is used up or expired, issues racing each other and a stocktake, in the
two-estate world. Whatever wins, the records agree with each other and the
estate's books balance (1403 is the stores' stock at its value)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.stores.rules import part_id
from tests.e2e.api.test_field_operations_outside import API, refused
from tests.e2e.api.test_object_scoping import assert_problem
from tests.support.clock import Clock
from tests.support.estate_world import Actor, Estate, World, ok, settle

STOCK = "1403"


def post(client: TestClient, path: str, who: Actor, body: Any, **headers: str) -> Any:
    return client.post(f"{API}{path}", json=body, headers={**who.headers, **headers})


def get(client: TestClient, path: str, who: Actor | dict[str, str], **params: Any) -> Any:
    headers = who.headers if isinstance(who, Actor) else who
    return ok(client.get(f"{API}{path}", params=params, headers=headers))


def at_once(calls: int, call: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(lambda _: call(), range(calls)))


def new_pass(client: TestClient, e: Estate, hours: int = 2, entries: int = 1) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "estate_id": e["estate"],
        "unit_id": e["unit"],
        "visitor_name": "张伟",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=hours)).isoformat(),
        "entries_allowed": entries,
    }
    return ok(post(client, "/visitor-passes", e.resident, body), 201)  # type: ignore[no-any-return]


def books_balance(client: TestClient, running: Container, e: Estate) -> dict[str, Decimal]:
    """The estate's trial balance to tomorrow balances; its accounts' closing balances."""
    settle(running)
    to = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    tb = get(client, "/finance/statements/trial-balance", e.finance, estate_id=e["estate"], to=to)
    assert all(t["balanced"] for t in tb["totals"].values()), tb["totals"]
    return {r["account"]: Decimal(r["closing"]) for r in tb["rows"]}


def test_the_same_request_twice_with_a_key_is_answered_once(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    now = datetime.now(UTC)
    body = {
        "estate_id": e["estate"],
        "unit_id": e["unit"],
        "visitor_name": "赵六",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=1)).isoformat(),
    }
    first = post(client, "/visitor-passes", e.resident, body, **{"Idempotency-Key": "pass-1"})
    assert first.status_code == 201, first.text
    head = running.event_log.head()
    again = post(client, "/visitor-passes", e.resident, body, **{"Idempotency-Key": "pass-1"})
    assert again.headers.get("Idempotent-Replayed") == "true", again.text
    assert again.json()["id"] == first.json()["id"]
    assert running.event_log.head() == head
    # The same key from another user is not their answer.
    other = post(client, "/visitor-passes", world.neighbour, body, **{"Idempotency-Key": "pass-1"})
    assert other.status_code in (403, 404, 422), other.text
    assert_problem(other, other.status_code)
    assert running.event_log.head() == head
    # Issued to a repair twice over a flaky line: the parts leave the store once.
    issue = {"order_id": e["order"], "lines": [{"part_id": str(part_id("BRK-A")), "quantity": "1"}]}
    keeper = e.storekeeper
    path = f"/stores/{e['store']}/issues"
    answers = [post(client, path, keeper, issue, **{"Idempotency-Key": "issue-1"}) for _ in "12"]
    assert [a.status_code for a in answers] in ([201, 201], [201, 200]), answers[1].text
    stock = get(client, f"/stores/{e['store']}/stock", keeper)
    assert [Decimal(s["quantity"]) for s in stock] == [Decimal(7)], stock


def test_one_pass_at_two_gates_at_once_lets_one_visitor_in(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    issued = new_pass(client, e)
    token = {"token": issued["token"]}
    head = running.event_log.head()
    answers = at_once(6, lambda: post(client, "/gate/check-in", e.gate_guard, token))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * 5, [a.text for a in answers]
    for refusal in (a for a in answers if a.status_code == 409):
        assert_problem(refusal, 409)
    assert running.event_log.head() == head + 1
    # Out once, then the token replayed: its one entry is used up.
    ok(post(client, "/gate/check-out", e.gate_guard, token))
    problem = refused(client, running, "POST", "/gate/check-in", e.gate_guard, token, 409)
    assert problem["title"] == "Pass used up"
    refused(client, running, "POST", "/gate/check-out", e.gate_guard, token, 409)


def test_an_expired_or_revoked_pass_lets_nobody_in_but_lets_the_visitor_out(
    client: TestClient, running: Container, world: World, clock: Clock
) -> None:
    e = world.a
    inside, late = new_pass(client, e, entries=3), new_pass(client, e)
    ok(post(client, "/gate/check-in", e.gate_guard, {"token": inside["token"]}))
    clock.fix(datetime.now(UTC) + timedelta(hours=3))  # both windows are over
    problem = refused(
        client, running, "POST", "/gate/check-in", e.gate_guard, {"token": late["token"]}, 409
    )
    assert problem["title"] == "Pass expired"
    ok(post(client, "/gate/check-out", e.gate_guard, {"token": inside["token"]}))
    clock.release()
    revoked = new_pass(client, e, entries=2)
    ok(post(client, f"/visitor-passes/{revoked['id']}/revoke", e.resident, {"reason": "cancelled"}))
    problem = refused(
        client, running, "POST", "/gate/check-in", e.gate_guard, {"token": revoked["token"]}, 409
    )
    assert problem["title"] == "Pass revoked"
    # A pass that starts tomorrow is not good today.
    now = datetime.now(UTC)
    body = {
        "estate_id": e["estate"],
        "unit_id": e["unit"],
        "visitor_name": "钱七",
        "valid_from": (now + timedelta(days=1)).isoformat(),
        "valid_until": (now + timedelta(days=2)).isoformat(),
    }
    early = ok(post(client, "/visitor-passes", e.resident, body), 201)
    problem = refused(
        client, running, "POST", "/gate/check-in", e.gate_guard, {"token": early["token"]}, 409
    )
    assert problem["title"] == "Pass not yet valid"


def test_one_car_at_two_barriers_at_once_opens_one_session(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    path = f"/car-parks/{e['car_park']}/gate"
    spellings = ["沪A55555", "沪a 55555", "沪A-55555", "沪A·55555"]
    answers = [
        a
        for a in at_once(
            8,
            lambda: post(
                client,
                path,
                e.gate_guard,
                {"plate": spellings[hash(object()) % 4], "gate": "East", "direction": "in"},
            ),
        )
    ]
    opened = [a for a in answers if a.status_code == 200]
    assert len(opened) == 1, [a.text for a in answers]
    for refusal in (a for a in answers if a.status_code != 200):
        assert_problem(refusal, 409)
    settle(running)
    sessions = get(client, "/parking-sessions", e.manager, car_park_id=e["car_park"])
    mine = [s for s in sessions if s["plate"] == "沪A55555"]
    assert len(mine) == 1, mine


def test_issues_racing_each_other_never_take_more_than_is_on_hand(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    part = str(part_id("BRK-A"))
    path = f"/stores/{e['store']}/issues"
    issue = {"order_id": e["order"], "lines": [{"part_id": part, "quantity": "3"}]}
    answers = at_once(5, lambda: post(client, path, e.storekeeper, issue))
    taken = [a for a in answers if a.status_code == 201]
    # 8 on hand: 3 + 3, then 2 < 3. A loser of a race tries again on the stock the
    # winner left, so the only refusals are the genuine shortfall, naming the stock.
    assert len(taken) == 2, [a.text for a in answers]
    for refusal in (a for a in answers if a.status_code != 201):
        problem = assert_problem(refusal, 409)
        assert problem["title"] != "Concurrent change", problem
        assert "2.000 on hand, 3.000 asked for" in problem["detail"], problem
    settle(running)
    [line] = get(client, f"/stores/{e['store']}/stock", e.storekeeper)
    assert Decimal(line["quantity"]) == 8 - 3 * len(taken)
    store = get(client, f"/stores/{e['store']}", e.storekeeper)
    assert books_balance(client, running, e)[STOCK] == Decimal(store["value"])


def test_a_stocktake_approved_after_the_shelf_was_emptied_keeps_books_and_stock_agreeing(
    client: TestClient, running: Container, world: World, admin: dict[str, str]
) -> None:
    """The world's count (7 of 8 on hand) waits for approval; meanwhile every part is
    issued and another count races one more issue. Approved, the difference never takes
    the stock below zero, and 1403 is the stock's value."""
    e = world.a
    part = str(part_id("BRK-A"))
    store, keeper = e["store"], e.storekeeper
    issue = {"order_id": e["order"], "lines": [{"part_id": part, "quantity": "6"}]}
    ok(post(client, f"/stores/{store}/issues", keeper, issue), 201)
    count = {"lines": [{"part_id": part, "counted": "1"}], "note": "shelf B"}
    one_more = {**issue, "lines": [{"part_id": part, "quantity": "2"}]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        counted = pool.submit(post, client, f"/stores/{store}/stocktakes", keeper, count)
        issued = pool.submit(post, client, f"/stores/{store}/issues", keeper, one_more)
        answers = [counted.result(), issued.result()]
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    settle(running)
    for stocktake in (e["stocktake"], answers[0].json()["id"]):
        view = get(client, f"/stocktakes/{stocktake}", keeper)
        if view["approval_id"] is None:
            continue
        for _ in range(4):
            settle(running)
            decided = get(client, f"/approvals/{view['approval_id']}", admin)
            if decided["status"] != "pending":
                break
            response = client.post(
                f"{API}/approvals/{view['approval_id']}/approve", json={}, headers=admin
            )
            assert response.status_code == 200, response.text
    settle(running)
    [line] = get(client, f"/stores/{store}/stock", keeper)
    assert Decimal(line["quantity"]) >= 0, line
    movements = get(client, f"/stores/{store}/movements", keeper, limit=100)
    assert sum(Decimal(m["quantity"]) for m in movements) == Decimal(line["quantity"]), movements
    value = Decimal(get(client, f"/stores/{store}", keeper)["value"])
    assert sum(Decimal(m["amount"]) for m in movements) == value, movements
    assert books_balance(client, running, e)[STOCK] == value


def test_meter_readings_racing_and_out_of_order_record_one_each(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    path = f"/meters/{e['meter']}/readings"
    # Above 12.50: the reading finance's register holds for the unit's water (1 February).
    body = {"reading": "13", "read_on": "2026-03-01"}
    answers = at_once(4, lambda: post(client, path, e.technician, body))
    assert sorted(a.status_code for a in answers)[0] == 201, [a.text for a in answers]
    settle(running)
    readings = get(client, f"/meters/{e['meter']}/readings", e.technician)
    recorded = [r for r in readings if r["read_on"] == "2026-03-01"]
    created = [a for a in answers if a.status_code == 201]
    assert len(recorded) == len(created), (recorded, [a.text for a in answers])
    # An earlier day, and then a smaller number, are refused after the fact.
    refused(client, running, "POST", path, e.technician, {"reading": "14", "read_on": "2026-02-15"})
    refused(client, running, "POST", path, e.technician, {"reading": "12", "read_on": "2026-03-02"})


def test_a_neighbour_reaches_neither_the_pass_nor_the_meter_of_the_unit_next_door(
    client: TestClient, running: Container, world: World
) -> None:
    e, neighbour = world.a, world.neighbour
    now = datetime.now(UTC)
    body = {
        "estate_id": e["estate"],
        "unit_id": e["unit"],  # 101: the neighbour lives in 102
        "visitor_name": "孙八",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=1)).isoformat(),
    }
    refused(client, running, "POST", "/visitor-passes", neighbour, body, (403, 404))
    for path in (
        f"/visitor-passes/{e['visitor_pass']}",
        f"/visitor-passes/{e['visitor_pass']}/token",
    ):
        refused(client, running, "GET", path, neighbour, status=404)
    refused(
        client, running, "POST", f"/visitor-passes/{e['visitor_pass']}/revoke", neighbour, {}, 404
    )
    reading = {"reading": "13", "read_on": "2026-03-01", "period": "2026-03", "photo_ref": "p/1"}
    refused(
        client, running, "POST", f"/meters/{e['meter']}/submissions", neighbour, reading, (403, 404)
    )
    refused(client, running, "GET", f"/meters/{e['meter']}/readings", neighbour, status=404)


def test_a_held_reading_is_decided_once(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    path = f"/meters/{e['meter']}"
    submitted = ok(
        post(
            client,
            f"{path}/submissions",
            e.resident,
            {"reading": "13", "read_on": "2026-03-01", "period": "2026-03", "photo_ref": "p/1"},
        ),
        201,
    )
    decision = {"reading_id": submitted["id"]}
    # Its own resident, or B's staff, may not confirm it.
    for who in (e.resident, world.b.customer_service, e.storekeeper, e.gate_guard):
        refused(client, running, "POST", f"{path}/confirm", who, decision, (403, 404))
    ok(post(client, f"{path}/confirm", e.customer_service, decision))
    refused(client, running, "POST", f"{path}/confirm", e.customer_service, decision, (404, 409))
    refused(
        client,
        running,
        "POST",
        f"{path}/reject",
        e.customer_service,
        {**decision, "reason": "blurred"},
        (404, 409),
    )
    refused(
        client,
        running,
        "POST",
        f"{path}/confirm",
        e.customer_service,
        {"reading_id": str(uuid4())},
        (404, 409, 422),
    )


def test_a_parking_session_is_paid_and_released_once(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    gate = f"/car-parks/{e['car_park']}/gate"
    car = {"plate": "沪A66666", "gate": "East", "direction": "in"}
    entered = ok(post(client, gate, e.gate_guard, car))
    session = entered["session_id"]
    left = ok(post(client, gate, e.gate_guard, {**car, "direction": "out"}))
    assert left["open"], left  # within the free minutes
    for body in ({"method": "cash"}, {"method": "online", "reference": "X1"}):
        refused(
            client, running, "POST", f"/parking-sessions/{session}/payment", e.gate_guard, body, 409
        )
    refused(
        client,
        running,
        "POST",
        f"/parking-sessions/{session}/release",
        e.gate_guard,
        {"reason": "x"},
        409,
    )
    # Out again with no entry since: recorded as such (decision 0063), the barrier shut.
    again = ok(post(client, gate, e.gate_guard, {**car, "direction": "out"}))
    assert (again["status"], again["open"], again["session_id"]) == ("no_entry", False, None)
    books_balance(client, running, e)
