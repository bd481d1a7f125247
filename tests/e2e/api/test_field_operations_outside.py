"""Issue 17's field routes tried from outside, as a careless or hostile caller would.

In the two-estate world: forged, spliced, flipped and foreign QR tokens at the gate;
hostile decimals (exponents, NaN, negatives, other digits, floats, sixty digits),
NUL and control characters, bidi overrides and over-long text; enum values that
are not; times out of range. Every refusal is problem+json with a sensible status
and appends nothing (the log's head does not move). Estate B's people on estate
A's records by ID are walked route by route in ``test_scope_matrix.py`` and
``test_scope_matrix_bodies.py``; here, the cases a person at a gate or a store
would actually try.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.stores.rules import part_id
from tests.e2e.api.test_object_scoping import assert_problem
from tests.support.clock import Clock
from tests.support.estate_world import Actor, World, ok
from tests.support.patrols_world import FIRST_SHIFT

API = "/api/v1"

# Decimals the input rules refuse wherever a decimal is read (README, "Input rules").
HOSTILE_DECIMALS: list[Any] = [
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e3",
    "1E-2",
    "0x10",
    "١٢٣",  # Arabic-Indic digits
    "\uff11\uff12",  # full-width digits
    "1_000",
    " 12",
    "12 ",
    "",
    "1" * 60,
    "1.2.3",
    "--1",
    "12\x00",
    [1],
    {"v": 1},
    True,
]
# Text no single-line field takes.
HOSTILE_TEXT = ["", "a\x00b", "a\x1bb", "a\nb", "a\u202eb", "a\u200bb", "a\x7fb", "x" * 5000]


def refused(
    client: TestClient,
    container: Container,
    method: str,
    path: str,
    who: Actor | dict[str, str],
    body: Any = None,
    status: int | tuple[int, ...] = 422,
) -> dict[str, Any]:
    """The request is refused with problem+json of ``status`` and appends nothing."""
    headers = who.headers if isinstance(who, Actor) else who
    head = container.event_log.head()
    response = client.request(method, f"{API}{path}", json=body, headers=headers)
    statuses = status if isinstance(status, tuple) else (status,)
    said = f"{method} {path} {str(body)[:400]} -> {response.status_code} {response.text[:300]}"
    assert response.status_code in statuses, said
    problem = assert_problem(response, response.status_code)
    assert container.event_log.head() == head, f"appended: {said}"
    return problem


# ---- the gate: tokens ---------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _forged(token: str, **claims: Any) -> str:
    """The token with its claims changed (the signature kept: it no longer covers them)."""
    prefix, data, signature = token.split(".")
    raw = json.loads(_unb64(data))
    raw.update(claims)
    return f"{prefix}.{_b64(json.dumps(raw).encode())}.{signature}"


def _flipped(token: str, index: int) -> str:
    """One byte of the token's decoded claims or signature flipped."""
    prefix, data, signature = token.split(".")
    part = 1 if index >= 0 else 2
    raw = bytearray(_unb64([data, signature][part - 1]))
    raw[abs(index) % len(raw)] ^= 0x01
    parts = [prefix, data, signature]
    parts[part] = _b64(bytes(raw))
    return ".".join(parts)


def bad_tokens(w: World) -> Iterator[tuple[str, Any]]:
    token, other = w.a["pass_token"], w.b["pass_token"]
    prefix, data, signature = token.split(".")
    _, other_data, other_signature = other.split(".")
    yield "claims byte flipped", _flipped(token, 3)
    yield "signature byte flipped", _flipped(token, -5)
    yield "B's signature on A's claims", f"{prefix}.{data}.{other_signature}"
    yield "A's signature on B's claims", f"{prefix}.{other_data}.{signature}"
    yield "window stretched", _forged(token, u=4102444800)
    yield "estate swapped", _forged(token, e=w.b["estate"])
    yield "pass swapped", _forged(token, p=w.b["visitor_pass"])
    yield "the far future (no datetime holds it)", _forged(token, f=10**20, u=10**21)
    yield "an infinite time", _forged(token, u=float("inf"))
    yield "negative time", _forged(token, f=-(10**18))
    yield "pass as a number", _forged(token, p=5)
    yield "pass as null", _forged(token, p=None)
    yield "claims a list", f"{prefix}.{_b64(b'[1,2]')}.{signature}"
    yield "claims not JSON", f"{prefix}.{_b64(b'{nope')}.{signature}"
    yield "claims not UTF-8", f"{prefix}.{_b64(bytes([0xFF, 0xFE]))}.{signature}"
    yield "another version", f"EVP2.{data}.{signature}"
    yield "no signature", f"{prefix}.{data}"
    yield "four parts", f"{token}.{signature}"
    yield "truncated", token[:-3]
    yield "padding chars", f"{prefix}.{data}=.{signature}"
    yield "a stray character", f"{prefix}.{data[:4]}!{data[4:]}.{signature}"
    yield "over-long", token + "A" * 400
    yield "NUL inside", token[:10] + "\x00" + token[10:]
    yield "not a string", 12345
    yield "empty", ""


@pytest.mark.parametrize("step", ["verify", "check-in", "check-out"])
def test_a_forged_or_mangled_token_is_refused_at_every_gate_step(
    client: TestClient, running: Container, world: World, step: str
) -> None:
    guard = world.a.gate_guard
    for why, token in bad_tokens(world):
        problem = refused(client, running, "POST", f"/gate/{step}", guard, {"token": token})
        assert problem["status"] == 422, (why, problem)
    # Another estate's genuine pass is the gate's business to refuse, not a forgery.
    foreign = {"token": world.b["pass_token"]}
    problem = refused(client, running, "POST", f"/gate/{step}", guard, foreign, 403)
    assert problem["title"] == "Pass of another estate"
    # The genuine token still answers after all that.
    assert ok(
        client.post(
            f"{API}/gate/verify", json={"token": world.a["pass_token"]}, headers=guard.headers
        )
    )["status"] in ("valid", "inside")


def test_no_one_but_the_gate_operates_it_and_a_controller_must_be_the_estates(
    client: TestClient, running: Container, world: World
) -> None:
    token = {"token": world.a["pass_token"]}
    for who in (world.a.resident, world.a.storekeeper, world.a.finance, world.b.gate_guard):
        refused(client, running, "POST", "/gate/check-in", who, token, (403, 404))
    # A controller that is not one (the fire panel), or of no one's, or of estate B.
    guard = world.a.gate_guard
    for controller in (world.a["equipment"], str(uuid4()), world.b["equipment"]):
        body = {**token, "controller_id": controller}
        refused(client, running, "POST", "/gate/check-in", guard, body, 422)


def test_a_pass_refuses_bad_windows_text_and_counts(
    client: TestClient, running: Container, world: World
) -> None:
    now = datetime.now(UTC)
    good = {
        "estate_id": world.a["estate"],
        "unit_id": world.a["unit"],
        "visitor_name": "王小明",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=2)).isoformat(),
    }
    resident = world.a.resident
    bad: list[dict[str, Any]] = [
        *({"visitor_name": text} for text in HOSTILE_TEXT),
        {"valid_until": (now - timedelta(hours=1)).isoformat()},  # ends in the past
        {"valid_until": now.isoformat()},  # an empty window
        {"valid_until": (now + timedelta(days=32)).isoformat()},  # over 31 days
        {"valid_from": "2026-12-01T09:00:00"},  # no timezone
        {"valid_until": "9999-12-31T23:59:59Z"},
        {"valid_from": "not a time"},
        {"entries_allowed": 0},
        {"entries_allowed": 101},
        {"entries_allowed": 2**63},
        {"entries_allowed": 1.5},
        {"visitor_phone": "139\x0012345678"},
        {"visitor_phone": "+86 139-1234-5678" + "9" * 40},
        {"plate": "沪A\u202e12345"},
        {"plate": "x" * 500},
        {"visitor_user_id": "not-a-uuid"},
        {"unit_id": world.b["unit"]},  # another estate's unit
        {"estate_id": world.b["estate"]},  # another estate
        {"surprise": "field"},
    ]
    for change in bad:
        refused(
            client,
            running,
            "POST",
            "/visitor-passes",
            resident,
            {**good, **change},
            (403, 404, 409, 422),
        )
    refused(client, running, "POST", "/visitor-passes", world.b.resident, good, (403, 404))
    refused(
        client,
        running,
        "POST",
        f"/visitor-passes/{world.a['visitor_pass']}/revoke",
        world.b.gate_guard,
        {},
        (403, 404),
    )
    refused(
        client,
        running,
        "POST",
        f"/visitor-passes/{world.a['visitor_pass']}/revoke",
        resident,
        {"reason": "x" * 501},
        422,
    )


# ---- meters ------------------------------------------------------------------------


def test_a_meter_reading_refuses_hostile_decimals_and_dates(
    client: TestClient, running: Container, world: World
) -> None:
    meter, tech = world.a["meter"], world.a.technician
    path = f"/meters/{meter}/readings"
    for value in [*HOSTILE_DECIMALS, "-1", "-0.0001", "12.34567", "1" * 11 + ".0001", 1e308]:
        refused(client, running, "POST", path, tech, {"reading": value, "read_on": "2026-03-01"})
    # The world read 7 on 1 February: earlier, or less, is refused; so is no date at all.
    for body in (
        {"reading": "9", "read_on": "2026-01-31"},
        {"reading": "6.9999", "read_on": "2026-03-01"},
        {"reading": "9", "read_on": "2026-02-30"},
        {"reading": "9", "read_on": "0000-01-01"},
        {"reading": "9", "read_on": "2026-03-01", "period": "2026-13"},
        {"reading": "9", "read_on": "2026-03-01", "period": "3026-01"},
        {"reading": "9", "read_on": "2026-03-01", "round_id": str(uuid4())},
        {"reading": "9", "read_on": "2026-03-01", "round_id": world.b["meter_round"]},
        {"reading": "9"},
    ):
        refused(client, running, "POST", path, tech, body, (404, 409, 422))
    # Estate B's people on A's meter, and A's meter in B's round.
    body = {"reading": "9", "read_on": "2026-03-01"}
    for who in (world.b.technician, world.b.customer_service, world.b.resident, world.b.manager):
        refused(client, running, "POST", path, who, body, (403, 404))
    submission = {"reading": "9", "read_on": "2026-03-01", "period": "2026-03", "photo_ref": "p"}
    refused(
        client,
        running,
        "POST",
        f"/meters/{meter}/submissions",
        world.b.resident,
        submission,
        (403, 404),
    )
    for photo in HOSTILE_TEXT:
        refused(
            client,
            running,
            "POST",
            f"/meters/{meter}/submissions",
            world.a.resident,
            {**submission, "photo_ref": photo},
        )


def test_a_meter_refuses_wrong_kinds_serials_and_replacements(
    client: TestClient, running: Container, world: World, admin: dict[str, str]
) -> None:
    good = {
        "estate_id": world.a["estate"],
        "unit_id": world.a["unit"],
        "kind": "electricity",
        "serial": "E-1",
        "initial_reading": "0",
        "installed_on": "2026-01-01",
    }
    manager = world.a.manager
    changes: list[dict[str, Any]] = [
        {"kind": "plutonium"},
        {"kind": "WATER"},
        {"kind": ["water"]},
        {"unit_id": world.b["unit"]},
        *({"serial": text} for text in HOSTILE_TEXT),
        *({"initial_reading": value} for value in HOSTILE_DECIMALS),
    ]
    for change in changes:
        refused(
            client, running, "POST", "/meters", manager, {**good, **change}, (403, 404, 409, 422)
        )
    replace = {"final_reading": "8", "initial_reading": "0", "changed_on": "2026-03-01"}
    meter = world.a["meter"]
    for change in (
        {"reason": "stolen"},
        {"reason": "replaced"},  # no new serial
        {"reason": "reset", "final_reading": "NaN"},
        {"reason": "reset", "final_reading": "6"},  # below the last reading
        {"reason": "reset", "changed_on": "2026-01-15"},  # before the last reading
    ):
        refused(
            client,
            running,
            "POST",
            f"/meters/{meter}/replace",
            admin,
            {**replace, **change},
            (409, 422),
        )


# ---- stores ------------------------------------------------------------------------


def test_the_stores_refuse_hostile_quantities_and_a_store_of_another_estate(
    client: TestClient, running: Container, world: World
) -> None:
    store, keeper = world.a["store"], world.a.storekeeper
    part = str(part_id("BRK-A"))
    issue = {"order_id": world.a["order"], "lines": [{"part_id": part, "quantity": "1"}]}
    for value in [*HOSTILE_DECIMALS, "0", "-1", "0.0001", 1.5, 10**40]:
        line = {"part_id": part, "quantity": value}
        refused(
            client, running, "POST", f"/stores/{store}/issues", keeper, {**issue, "lines": [line]}
        )
    # More than is on hand (8), or B's order from A's store, or A's store by B's keeper.
    beyond = {**issue, "lines": [{"part_id": part, "quantity": "8.001"}]}
    refused(client, running, "POST", f"/stores/{store}/issues", keeper, beyond, 409)
    two_lines = {**issue, "lines": [{"part_id": part, "quantity": "5"}] * 2}
    refused(client, running, "POST", f"/stores/{store}/issues", keeper, two_lines, (409, 422))
    refused(
        client,
        running,
        "POST",
        f"/stores/{store}/issues",
        keeper,
        {**issue, "order_id": world.b["order"]},
        (403, 404, 422),
    )
    refused(
        client, running, "POST", f"/stores/{store}/issues", world.b.storekeeper, issue, (403, 404)
    )
    refused(
        client,
        running,
        "POST",
        f"/stores/{store}/returns",
        keeper,
        {**issue, "lines": [{"part_id": part, "quantity": "3"}]},
        409,
    )  # 2 were issued
    refused(
        client,
        running,
        "POST",
        f"/stores/{store}/issues",
        keeper,
        {**issue, "lines": [{"part_id": str(part_id("BRK-B")), "quantity": "1"}]},
        (404, 409, 422),
    )
    for value in ("-1", "NaN", "1e2", 2.5):
        refused(
            client,
            running,
            "POST",
            f"/stores/{store}/stocktakes",
            keeper,
            {"lines": [{"part_id": part, "counted": value}]},
        )
    refused(
        client,
        running,
        "POST",
        f"/stores/{store}/stocktakes",
        keeper,
        {"lines": [{"part_id": part, "counted": "1"}], "note": "a\x00b"},
    )
    priced = {"part_id": part, "quantity": "1", "unit_price": "25.00"}
    for change in (
        {"unit_price": "-1"},
        {"unit_price": "1.001"},
        {"unit_price": "NaN"},
        {"quantity": "1e9"},
        {"unit_price": 25.0},
    ):
        refused(
            client,
            running,
            "POST",
            f"/stores/{store}/purchase-requests",
            world.a.technician,
            {"lines": [{**priced, **change}], "reason": "x"},
        )
    for who in (world.b.technician, world.b.manager, world.a.resident, world.a.gate_guard):
        refused(
            client,
            running,
            "POST",
            f"/stores/{store}/purchase-requests",
            who,
            {"lines": [priced], "reason": "x"},
            (403, 404),
        )
    for change in (
        {"code": "../etc"},
        {"code": "A" * 33},
        {"unit": "barrel"},
        {"category": "weapons"},
        {"name": "a\x00b"},
    ):
        body = {"code": "X1", "name": "X", "name_zh": "X", "unit": "piece", "category": "other"}
        refused(
            client, running, "POST", "/parts", world.a.storekeeper, {**body, **change}, (403, 422)
        )


# ---- the car park ------------------------------------------------------------------


def test_the_car_park_refuses_bad_plates_tariffs_and_another_estates_barrier(
    client: TestClient, running: Container, world: World
) -> None:
    car_park, guard = world.a["car_park"], world.a.gate_guard
    path = f"/car-parks/{car_park}/gate"
    good = {"plate": "沪A99999", "gate": "East 1", "direction": "in"}
    for plate in [
        "",
        "ABC",
        "沪I12345",
        "沪O12345",
        "沪A1234",
        "沪A1234567",
        "沪A\x0012345",
        "沪A\u202e12345",
        "x" * 100,
        12345,
        "🚗A12345",
        "沪A12345\n",
    ]:
        refused(client, running, "POST", path, guard, {**good, "plate": plate})
    change: dict[str, Any]
    for change in (
        {"direction": "sideways"},
        {"direction": "IN"},
        {"gate": ""},
        {"gate": "g" * 51},
        {"gate": "a\x1b[2Jb"},
    ):
        refused(client, running, "POST", path, guard, {**good, **change})
    for who in (world.b.gate_guard, world.b.manager, world.a.resident, world.a.storekeeper):
        refused(client, running, "POST", path, who, good, (403, 404))
    tariff: dict[str, Any] = {
        "free_minutes": 15,
        "per_hour": "5.00",
        "daily_cap": "40.00",
        "effective_from": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    for change in (
        {"per_hour": "NaN"},
        {"per_hour": "-5"},
        {"daily_cap": 40.0},
        {"per_hour": "1e2"},
        {"free_minutes": -1},
        {"free_minutes": 1441},
        {"night_from": "25:00"},
        {"currency": "cny"},
        {"currency": "XXXX"},
        {"effective_from": "2020-01-01T00:00:00Z"},
    ):
        refused(
            client,
            running,
            "POST",
            f"/car-parks/{car_park}/tariffs",
            world.a.manager,
            {**tariff, **change},
            (409, 422),
        )
    session = world.a["parking_session"]
    for body in ({"method": "bitcoin"}, {"method": "cash", "reference": "a\x00b"}):
        refused(client, running, "POST", f"/parking-sessions/{session}/payment", guard, body)
    refused(
        client,
        running,
        "POST",
        f"/parking-sessions/{session}/payment",
        world.b.gate_guard,
        {"method": "cash"},
        (403, 404),
    )
    refused(
        client,
        running,
        "POST",
        f"/parking-sessions/{session}/release",
        world.b.manager,
        {"reason": "let out"},
        (403, 404),
    )


def test_a_plate_is_one_car_however_it_is_spelled(
    client: TestClient, running: Container, world: World
) -> None:
    """The world's car 沪A12345 is parked: any spelling of it is the same car."""
    path = f"{API}/car-parks/{world.a['car_park']}/gate"
    guard = world.a.gate_guard
    for spelling in ("沪a12345", "沪A 12345", "沪A·12345", "沪A-12345", "沪Ａ１２３４５"):
        head = running.event_log.head()
        r = client.post(
            path,
            json={"plate": spelling, "gate": "East 1", "direction": "in"},
            headers=guard.headers,
        )
        assert r.status_code == 409, (spelling, r.text)  # inside already
        assert_problem(r, 409)
        assert running.event_log.head() == head
    out = ok(
        client.post(
            path,
            json={"plate": "沪Ａ 12345", "gate": "West", "direction": "out"},
            headers=guard.headers,
        )
    )
    assert out["vehicle_id"] == world.a["vehicle"] and out["open"], out


# ---- patrols -----------------------------------------------------------------------


def test_a_patrol_check_in_refuses_forged_codes_and_other_peoples_tasks(
    client: TestClient, running: Container, world: World, clock: Clock
) -> None:
    clock.fix(FIRST_SHIFT + timedelta(minutes=30))  # inside the task's shift
    task = world.a["patrol_task"]
    route = ok(
        client.get(
            f"{API}/patrol-routes/{world.a['patrol_route']}", headers=world.a.manager.headers
        )
    )
    other, point = route["points"]
    answers = [{"item_id": "1", "result": "normal"}]
    good = {"point_id": point["point_id"], "code": point["code"], "answers": answers}
    path = f"/patrol-tasks/{task}/check-ins"
    tech = world.a.technician
    last = point["code"][-1]
    change: dict[str, Any]
    for change in (
        {"code": other["code"]},  # another point's label
        {"code": point["code"].upper()},
        {"code": point["code"][:-1] + ("0" if last != "0" else "1")},
        {"code": ""},
        {"code": point["code"] + "\x00"},
        {"code": " " + point["code"]},
        {"point_id": str(uuid4())},
        {"point_id": other["point_id"]},  # its code is not this one's
        {"answers": []},
        {"answers": answers * 2},
        {"answers": [{"item_id": "2", "result": "normal"}]},
        {"answers": [{**answers[0], "result": "fine"}]},
        {"answers": [{**answers[0], "value": "NaN"}]},
        {"answers": [{**answers[0], "result": "abnormal"}]},  # neither note nor value
        {"answers": [{**answers[0], "note": "a\u202eb"}]},
        {"answers": [{**answers[0], "photo_ref": "p" * 301}]},
    ):
        refused(client, running, "POST", path, tech, {**good, **change}, (404, 409, 422))
    for who in (world.b.technician, world.a.gate_guard, world.a.manager, world.a.resident):
        refused(client, running, "POST", path, who, good, (403, 404))
    # The pump room's pressure reading: hostile decimals are refused like any other.
    pump = {"point_id": other["point_id"], "code": other["code"]}
    for value in HOSTILE_DECIMALS:
        body = {**pump, "answers": [{"item_id": "1", "result": "normal", "value": value}]}
        refused(client, running, "POST", path, tech, body)
    # The real thing is taken once; the same check-in again is a 409.
    ok(client.post(f"{API}{path}", json=good, headers=tech.headers))
    refused(client, running, "POST", path, tech, good, 409)
    clock.fix(FIRST_SHIFT + timedelta(hours=9))  # the shift is over
    refused(
        client,
        running,
        "POST",
        path,
        tech,
        {**pump, "answers": [{"item_id": "1", "result": "normal", "value": "0.5"}]},
        409,
    )


# ---- door and gate controllers -----------------------------------------------------


def test_a_controllers_bad_reports_are_rejected_and_record_nothing_against_a_pass(
    client: TestClient, running: Container, world: World
) -> None:
    manager = world.a.manager
    door = ok(
        client.post(
            f"{API}/equipment",
            json={"estate_id": world.a["estate"], "kind": "door", "name": "Lobby door"},
            headers=manager.headers,
        ),
        201,
    )["id"]
    now = datetime.now(UTC).replace(microsecond=0)
    opening = {"equipment_id": door, "event": "opened_by_pass", "token": world.a["pass_token"]}
    # Each of these is one rejected event: nothing is recorded against any pass.
    for event in (
        {**opening, "at": (now + timedelta(days=3)).isoformat()},  # from the future
        {**opening, "at": "2999-01-01T00:00:00Z"},
        {**opening, "token": world.b["pass_token"], "at": now.isoformat()},  # B's pass
        {**opening, "token": _flipped(world.a["pass_token"], -1), "at": now.isoformat()},
        {**opening, "token": None, "at": now.isoformat()},
        {**opening, "equipment_id": world.a["equipment"], "at": now.isoformat()},  # a panel
        {**opening, "equipment_id": str(uuid4()), "at": now.isoformat()},
    ):
        head = running.event_log.head()
        answer = ok(
            client.post(
                f"{API}/telemetry/access", json={"events": [event]}, headers=manager.headers
            )
        )
        assert [r["index"] for r in answer["rejected"]] == [0], (event, answer)
        assert answer["passes_recorded"] == [], (event, answer)
        assert running.event_log.head() == head, (event, answer)
    # B's manager reporting for A's door: rejected too, as no such equipment.
    event = {**opening, "at": now.isoformat()}
    head = running.event_log.head()
    answer = ok(
        client.post(
            f"{API}/telemetry/access", json={"events": [event]}, headers=world.b.manager.headers
        )
    )
    assert answer["passes_recorded"] == [] and running.event_log.head() == head, answer
    bad: dict[str, Any]
    for bad in (
        {"events": []},
        {"events": [{**event, "at": "2026-12-01T09:00:00"}]},  # no timezone
        {"events": [{**event, "event": "teleported"}]},
        {"events": [{**event, "open_seconds": -1}]},
        {"events": [{**event, "open_seconds": 86_401}]},
        {"events": [event] * 1001},
    ):
        refused(client, running, "POST", "/telemetry/access", manager, bad)


# ---- days and moments at the calendar's edges ----------------------------------------


def test_days_and_moments_beyond_the_years_of_a_period_are_422_never_500(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    manager, resident = e.manager, e.resident
    for day in ("9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"):
        path = f"/estates/{e['estate']}/visitors/log?day={day}"
        refused(client, running, "GET", path, e.gate_guard, status=422)
    soon = datetime.now(UTC) + timedelta(hours=1)
    visit = {"estate_id": e["estate"], "unit_id": e["unit"], "visitor_name": "x"}
    for window in (
        ("9999-12-31T23:00:00-05:00", "9999-12-31T23:30:00-05:00"),  # no such moment in UTC
        ("9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00Z", soon.isoformat()),
    ):
        body = {**visit, "valid_from": window[0], "valid_until": window[1]}
        refused(client, running, "POST", "/visitor-passes", resident, body)
    tariff = {"free_minutes": 0, "per_hour": "5.00", "daily_cap": "40.00"}
    # A version in year 9999 would be the last one ever: no later one could follow it;
    # nor one in the calendar's years but far ahead (2999 blocked every later version).
    far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    beyond = ("9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59Z", "3000-01-01T00:00:00Z")
    for at in (*beyond, "2999-12-31T00:00:00Z", far):
        problem = refused(
            client,
            running,
            "POST",
            f"/car-parks/{e['car_park']}/tariffs",
            manager,
            {**tariff, "effective_from": at},
        )
        if at not in beyond:
            assert "effective_from: at most a year ahead" in problem["detail"], problem
    vehicle = ok(
        client.post(
            f"{API}/car-parks/{e['car_park']}/vehicles",
            json={"plate": "沪A77777", "unit_id": e["unit"]},
            headers=manager.headers,
        ),
        201,
    )["id"]
    prepaid = {"billing": "prepaid", "months": 1, "amount": "100.00", "method": "cash"}
    for starts_on in ("9999-12-01", "0001-01-01"):
        body = {**prepaid, "starts_on": starts_on, "reference": f"R-{starts_on}"}
        refused(client, running, "POST", f"/vehicles/{vehicle}/passes", manager, body)
    door = {"equipment_id": e["equipment"], "event": "closed"}
    for at in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+08:00"):
        body = {"events": [{**door, "at": at}]}
        refused(client, running, "POST", "/telemetry/access", manager, body)


def test_a_meter_round_is_due_near_its_period_and_any_period_has_unread_meters(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    unread = f"{API}/estates/{e['estate']}/unread-meters"
    for period in ("2999-12", "1900-01"):
        ok(client.get(unread, params={"period": period}, headers=e.manager.headers))
    problem = refused(
        client, running, "GET", f"/estates/{e['estate']}/unread-meters?period=3000-01", e.manager
    )
    assert "3000-01" in str(problem)
    plan = {"estate_id": e["estate"], "period": "2026-02", "technician_id": e.technician.id}
    plan["meter_ids"] = [e["meter"]]
    for due_on in ("9999-12-31", "0001-01-01", "2999-12-31", "2025-10-31", "2026-06-01"):
        problem = refused(
            client, running, "POST", "/meter-rounds", e.manager, {**plan, "due_on": due_on}
        )
        assert "due_on" in str(problem), problem
    ok(
        client.post(
            f"{API}/meter-rounds", json={**plan, "due_on": "2026-03-05"}, headers=e.manager.headers
        ),
        201,
    )


# ---- the meter-readings import -------------------------------------------------------


def test_an_import_file_is_held_to_the_rules_of_a_body_cell_by_cell(
    client: TestClient, running: Container, world: World
) -> None:
    e = world.a
    path = f"{API}/estates/{e['estate']}/imports/meter-readings"
    header = "房号,表类型,读数,抄表日期\n"
    for cell in [
        "1e3",
        "1E2",
        "1_000",
        "\u0661\u0662\u0663",
        "\uff12\uff10",
        "NaN",
        "Infinity",
        "-5",
        "0x14",
        "9" * 40,
        "20\x1b",
    ]:
        head = running.event_log.head()
        response = client.post(
            path,
            params={"period": "2026-03"},
            content=f"{header}101,水表,{cell},2026-03-01\n".encode(),
            headers={**e.technician.headers, "content-type": "text/csv"},
        )
        problem = assert_problem(response, 422)
        assert [error["column"] for error in problem["errors"]] == ["读数"], (cell, problem)
        assert running.event_log.head() == head, cell
    for row in ("101\x00,水表,20,2026-03-01", "=cmd|' /C calc'!A0,水表,20,2026-03-01"):
        head = running.event_log.head()
        response = client.post(
            path,
            params={"period": "2026-03"},
            content=f"{header}{row}\n".encode(),
            headers={**e.technician.headers, "content-type": "text/csv"},
        )
        assert_problem(response, 422)
        assert running.event_log.head() == head, row
    # Spaces around a plain number are a spreadsheet's, not a forgery.
    done = client.post(
        path,
        params={"period": "2026-03"},
        content=f"{header}101,水表, 20 ,2026-03-01\n".encode(),
        headers={**e.technician.headers, "content-type": "text/csv"},
    )
    assert ok(done, 201)["rows"] == 1
