"""The audit trail (R2.5) and its exports (R3.5), over HTTP.

One scene of real commands (users created, logins that succeed and fail, a
password reset, a logout); then every filter is checked against the whole
trail filtered by hand, so a filter that drops or adds an event fails.
"""

from __future__ import annotations

import csv
import io
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bootstrap import Container
from interfaces.http.audit import COLUMNS
from interfaces.http.audit_files import TITLES_ZH
from interfaces.http.cursors import decode_cursor
from interfaces.http.problems import PROBLEM_JSON
from projections.naming import ERASED_PERSON
from tests.conftest import ADMIN_PASSWORD, bearer, login
from tests.support.world import world

CLIENT_IP = "203.0.113.7"
PASSWORD = "a-long-enough-password-1"
NEW_PASSWORD = "another-long-password-2"
PHONE = "+86 138 1234 5678"
NATIONAL_ID = "310101199001011234"
FORMULA_AGENTS = (
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd",
    "-2+3",
)
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
REQUEST_ID = "req-create-audrey-42"
CORRELATION_ID = uuid.UUID("0e5cd1f2-55a5-4d7c-8d4a-6d1b52f4c0de")
CAUSATION_ID = uuid.UUID("5b0f5d8e-1c6f-4a3e-9a55-3f8ad5f3e2a1")

Event = dict[str, Any]


@dataclass
class Scene:
    admin: dict[str, str]
    admin_id: str
    auditor: dict[str, str]
    auditor_id: str
    owner_id: str
    audrey_position: int
    last: int
    events: list[Event]


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _post_user(
    client: TestClient, admin: dict[str, str], username: str, role: str, **extra: Any
) -> httpx.Response:
    return client.post(
        "/api/v1/users",
        json={
            "username": username,
            "password": PASSWORD,
            "display_name": username.title(),
            "roles": [role],
            **extra,
        },
        headers=admin,
    )


def _fail_login(client: TestClient, username: str, agent: str) -> int:
    response = client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": "wrong password"},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 401
    return int(response.json()["position"])


def _trail(client: TestClient, headers: dict[str, str], after: int, **filters: Any) -> list[Event]:
    page = _ok(
        client.get(
            "/api/v1/audit/events",
            params={"limit": 1000, "after": after, **filters},
            headers=headers,
        )
    )
    assert page["next_cursor"] is None
    return list(page["items"])


@pytest.fixture
def scene(client: TestClient, admin: dict[str, str]) -> Scene:
    admin_id = _ok(client.get("/api/v1/auth/me", headers=admin))["id"]
    audrey = _ok(
        client.post(
            "/api/v1/users",
            json={
                "username": "audrey",
                "password": PASSWORD,
                "display_name": "Audrey",
                "roles": ["auditor"],
            },
            headers={
                **admin,
                "X-Request-ID": REQUEST_ID,
                "X-Correlation-ID": str(CORRELATION_ID),
                "X-Causation-ID": str(CAUSATION_ID),
            },
        ),
        201,
    )
    olive = _ok(
        _post_user(client, admin, "olive", "owner", phone=PHONE, national_id=NATIONAL_ID), 201
    )
    _fail_login(client, "olive", FORMULA_AGENTS[1])
    _fail_login(client, "olive", FORMULA_AGENTS[2])
    _fail_login(client, "nobody-here", FORMULA_AGENTS[3])
    owner_login = client.post(
        "/api/v1/auth/login",
        json={"username": "olive", "password": PASSWORD},
        headers={"User-Agent": FORMULA_AGENTS[0]},
    )
    assert owner_login.status_code == 200
    auditor = bearer(login(client, "audrey", PASSWORD))
    _ok(
        client.post(
            f"/api/v1/users/{olive['id']}/password",
            json={"new_password": NEW_PASSWORD},
            headers=admin,
        )
    )
    _ok(client.post(f"/api/v1/users/{olive['id']}/roles", json={"role": "visitor"}, headers=admin))
    # The auditor's own action: a second session, ended.
    second = bearer(login(client, "audrey", PASSWORD))
    last = _ok(client.post("/api/v1/auth/logout", headers=second))["position"]
    events = _trail(client, admin, last)
    assert [e["position"] for e in events] == list(range(1, last + 1))
    return Scene(
        admin=admin,
        admin_id=admin_id,
        auditor=auditor,
        auditor_id=audrey["id"],
        owner_id=olive["id"],
        audrey_position=audrey["position"],
        last=last,
        events=events,
    )


def _expect(scene: Scene, keep: Callable[[Event], bool]) -> list[int]:
    return [e["position"] for e in scene.events if keep(e)]


def _positions(events: list[Event]) -> list[int]:
    return [e["position"] for e in events]


# ---- filters ----------------------------------------------------------------


def test_actor_is_whoever_made_the_request(client: TestClient, scene: Scene) -> None:
    by_admin = _trail(client, scene.admin, scene.last, actor_id=scene.admin_id)
    assert _positions(by_admin) == _expect(scene, lambda e: e["actor_id"] == scene.admin_id)
    assert {(e["aggregate_id"], e["event_type"]) for e in by_admin} >= {
        (scene.auditor_id, "Registered"),
        (scene.owner_id, "Registered"),
        (scene.owner_id, "PasswordChanged"),
        (scene.owner_id, "RoleGranted"),
    }
    assert all(e["actor_role"] == "admin" for e in by_admin)

    by_auditor = _trail(client, scene.admin, scene.last, actor_id=scene.auditor_id)
    assert [(e["event_type"], e["actor_role"]) for e in by_auditor] == [("LoggedOut", "auditor")]
    assert by_auditor[0]["position"] == scene.last
    # Logins happen before anyone is authenticated: they have no actor.
    logins = _trail(client, scene.admin, scene.last, event_type="LoginSucceeded")
    assert logins and all(e["actor_id"] is None for e in logins)


def test_event_type(client: TestClient, scene: Scene) -> None:
    failed = _trail(client, scene.admin, scene.last, event_type="LoginFailed")
    assert _positions(failed) == _expect(scene, lambda e: e["event_type"] == "LoginFailed")
    assert len(failed) == 2
    assert {e["aggregate_id"] for e in failed} == {scene.owner_id}
    assert [e["details"]["reason"] for e in failed] == ["wrong password", "wrong password"]
    assert _trail(client, scene.admin, scene.last, event_type="NoSuchEvent") == []


def test_aggregate_id_gives_one_aggregates_whole_history(client: TestClient, scene: Scene) -> None:
    history = _trail(client, scene.admin, scene.last, aggregate_id=scene.owner_id)
    assert _positions(history) == _expect(scene, lambda e: e["aggregate_id"] == scene.owner_id)
    assert [e["aggregate_version"] for e in history] == list(range(1, len(history) + 1))
    assert [e["event_type"] for e in history] == [
        "Registered",
        "LoginFailed",
        "LoginFailed",
        "LoginSucceeded",
        "PasswordChanged",
        "RoleGranted",
    ]


def test_aggregate_type(client: TestClient, scene: Scene) -> None:
    users = _trail(client, scene.admin, scene.last, aggregate_type="User")
    assert _positions(users) == _expect(scene, lambda e: e["aggregate_type"] == "User")
    unknown = _trail(client, scene.admin, scene.last, aggregate_type="UnknownUserLoginFailed")
    assert len(unknown) == 1
    assert unknown[0]["details"]["username_attempted"] == "nobody-here"
    assert len(users) + len(unknown) == len(scene.events)


def test_filters_combine(client: TestClient, scene: Scene) -> None:
    combined = _trail(
        client,
        scene.admin,
        scene.last,
        aggregate_id=scene.owner_id,
        actor_id=scene.admin_id,
        event_type="PasswordChanged",
    )
    assert len(combined) == 1
    assert combined[0]["details"]["password_hash"] == "[redacted]"


def test_since_and_until_with_a_timezone(client: TestClient, scene: Scene) -> None:
    middle = scene.events[len(scene.events) // 2]
    moment = datetime.fromisoformat(middle["occurred_at"])
    assert moment.tzinfo is not None
    since = _trail(client, scene.admin, scene.last, since=moment.isoformat())
    until = _trail(client, scene.admin, scene.last, until=moment.isoformat())
    assert _positions(since) == _expect(
        scene, lambda e: datetime.fromisoformat(e["occurred_at"]) >= moment
    )
    assert middle["position"] in _positions(since)  # since is inclusive
    assert middle["position"] not in _positions(until)  # until is exclusive
    assert sorted(_positions(since) + _positions(until)) == _positions(scene.events)
    # The same instant written in Beijing time selects the same events.
    beijing = moment.astimezone(timezone(timedelta(hours=8))).isoformat()
    assert beijing.endswith("+08:00")
    assert _positions(_trail(client, scene.admin, scene.last, since=beijing)) == _positions(since)
    window = _trail(
        client,
        scene.admin,
        scene.last,
        since=moment.isoformat(),
        until=(moment + timedelta(microseconds=1)).isoformat(),
    )
    assert middle["position"] in _positions(window)


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("path", ["/api/v1/audit/events", "/api/v1/audit/events/export"])
def test_a_moment_without_a_timezone_is_refused(
    client: TestClient, admin: dict[str, str], name: str, path: str
) -> None:
    response = client.get(path, params={name: "2026-01-01T00:00:00"}, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert "timezone" in response.json()["detail"]


# ---- pagination -------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_the_cursor_visits_every_event_once_in_order(
    client: TestClient, scene: Scene, limit: int
) -> None:
    seen: list[int] = []
    pages = 0
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        page = _ok(client.get("/api/v1/audit/events", params=params, headers=scene.admin))
        pages += 1
        assert len(page["items"]) <= limit
        seen += _positions(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert decode_cursor(cursor, int) == (seen[-1],)  # opaque, holding the last position
        assert pages <= len(scene.events)
    assert seen == _positions(scene.events)
    assert pages == math.ceil(len(scene.events) / limit)


def test_the_cursor_works_with_a_filter(client: TestClient, scene: Scene) -> None:
    expected = _expect(scene, lambda e: e["aggregate_id"] == scene.owner_id)
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, "aggregate_id": scene.owner_id}
        if cursor is not None:
            params["cursor"] = cursor
        page = _ok(client.get("/api/v1/audit/events", params=params, headers=scene.admin))
        seen += _positions(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


# ---- request metadata -------------------------------------------------------


def test_every_event_from_a_request_carries_its_request_metadata(scene: Scene) -> None:
    # Position 1 is the first administrator, created at start-up, not by a request.
    assert scene.events[0]["actor_role"] == "system" and scene.events[0]["client_ip"] is None
    from_requests = scene.events[1:]
    assert len(from_requests) >= 10
    for event in from_requests:
        assert event["client_ip"] == CLIENT_IP, event
        assert event["request_id"], event
        assert uuid.UUID(event["correlation_id"]), event
    request_ids = [e["request_id"] for e in from_requests]
    assert len(set(request_ids)) == len(request_ids)  # one command per request here


def test_request_and_correlation_headers_reach_the_events(scene: Scene) -> None:
    [event] = [e for e in scene.events if e["position"] == scene.audrey_position]
    assert event["event_type"] == "Registered"
    assert event["request_id"] == REQUEST_ID
    assert event["correlation_id"] == str(CORRELATION_ID)
    assert event["causation_id"] == str(CAUSATION_ID)
    others = [e for e in scene.events if e["position"] != scene.audrey_position]
    assert all(e["correlation_id"] != str(CORRELATION_ID) for e in others)


def test_the_request_id_comes_back_and_a_bad_correlation_id_is_replaced(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = _post_user(client, admin, "carol", "owner")
    created = _ok(response, 201)
    generated = response.headers["x-request-id"]
    assert generated
    sent = client.post(
        f"/api/v1/users/{created['id']}/lock",
        json={"reason": "test"},
        headers={**admin, "X-Request-ID": "mine-1", "X-Correlation-ID": "not-a-uuid"},
    )
    assert sent.headers["x-request-id"] == "mine-1"
    position = _ok(sent)["position"]
    [event] = _trail(
        client, admin, position, aggregate_id=created["id"], event_type="AccountLocked"
    )
    assert event["request_id"] == "mine-1"
    assert uuid.UUID(event["correlation_id"])
    [registered] = _trail(
        client, admin, position, aggregate_id=created["id"], event_type="Registered"
    )
    assert registered["request_id"] == generated


def test_a_query_with_after_sees_the_event_just_written(
    client: TestClient, admin: dict[str, str]
) -> None:
    for n in range(5):
        created = _ok(_post_user(client, admin, f"user{n}", "owner"), 201)
        page = _ok(
            client.get(
                "/api/v1/audit/events",
                params={"after": created["position"], "aggregate_id": created["id"]},
                headers=admin,
            )
        )
        assert [(e["position"], e["event_type"]) for e in page["items"]] == [
            (created["position"], "Registered")
        ]
        export = client.get(
            "/api/v1/audit/events/export",
            params={"after": created["position"], "aggregate_id": created["id"]},
            headers=admin,
        )
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert [r[0] for r in rows[1:]] == [str(created["position"])]


# ---- exports ----------------------------------------------------------------


def _csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel reads UTF-8 by the BOM
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def _xlsx_rows(response: httpx.Response) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["audit"]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"a formula in the export: {cell.value!r}"
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def _export(
    client: TestClient, scene: Scene, fmt: str, language: str = "en", **filters: Any
) -> httpx.Response:
    return client.get(
        "/api/v1/audit/events/export",
        params={"format": fmt, "after": scene.last, **filters},
        headers={**scene.admin, "Accept-Language": language},
    )


def test_an_export_is_titled_in_chinese_unless_english_is_asked_for(
    client: TestClient, scene: Scene
) -> None:
    chinese = _export(client, scene, "csv", language="")
    header, *rows = _csv_rows(chinese)
    assert header == [TITLES_ZH[c] for c in COLUMNS]
    assert header[:4] == ["日志位置", "发生时间", "对象类型", "事件类型"]
    assert chinese.headers["content-language"] == "zh-CN"
    english = _export(client, scene, "xlsx", language="en-GB,en;q=0.9,zh-CN;q=0.8")
    assert list(_xlsx_rows(english)[0]) == list(COLUMNS)
    assert english.headers["content-language"] == "en"
    # The query parameter overrides the header.
    asked = client.get(
        "/api/v1/audit/events/export",
        params={"after": scene.last, "lang": "zh"},
        headers={**scene.admin, "Accept-Language": "en"},
    )
    assert _csv_rows(asked)[0] == header
    assert [int(r[0]) for r in rows] == _positions(scene.events)


def test_csv_export_has_a_header_and_one_row_per_event(client: TestClient, scene: Scene) -> None:
    response = _export(client, scene, "csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.csv"')
    header, *rows = _csv_rows(response)
    assert header == list(COLUMNS)
    assert [int(r[0]) for r in rows] == _positions(scene.events)
    by_position = {e["position"]: e for e in scene.events}
    for row in rows:
        record = dict(zip(COLUMNS, row, strict=True))
        event = by_position[int(record["position"])]
        assert record["event_type"] == event["event_type"]
        assert record["aggregate_id"] == event["aggregate_id"]
        assert record["actor_id"] == (event["actor_id"] or "")


def test_csv_export_follows_the_filters(client: TestClient, scene: Scene) -> None:
    _, *rows = _csv_rows(_export(client, scene, "csv", event_type="LoginFailed"))
    assert [int(r[0]) for r in rows] == _expect(scene, lambda e: e["event_type"] == "LoginFailed")


def test_formulas_are_defused_in_both_exports(client: TestClient, scene: Scene) -> None:
    _, *csv_rows = _csv_rows(_export(client, scene, "csv"))
    _, *xlsx_rows = _xlsx_rows(_export(client, scene, "xlsx"))
    agent = COLUMNS.index("user_agent")
    for rows in (csv_rows, xlsx_rows):
        agents = {row[agent] for row in rows}
        for dangerous in FORMULA_AGENTS:
            assert "'" + dangerous in agents
            assert dangerous not in agents
        for row in rows:
            for cell in row:
                if isinstance(cell, str):
                    assert not cell.startswith(DANGEROUS_STARTS), cell


def test_xlsx_export_has_the_same_rows_as_csv(client: TestClient, scene: Scene) -> None:
    response = _export(client, scene, "xlsx")
    assert response.headers["content-disposition"].endswith('.xlsx"')
    header, *rows = _xlsx_rows(response)
    assert header == COLUMNS
    _, *csv_rows = _csv_rows(_export(client, scene, "csv"))
    # Each export is itself an event; compare what both saw of the scene.
    rows = [r for r in rows if int(r[0]) <= scene.last]
    csv_rows = [r for r in csv_rows if int(r[0]) <= scene.last]
    assert [int(r[0]) for r in rows] == _positions(scene.events)
    assert len(rows) == len(csv_rows)
    for xlsx_row, csv_row in zip(rows, csv_rows, strict=True):
        assert ["" if v is None else str(v) for v in xlsx_row] == csv_row


def test_no_password_hash_or_personal_data_in_any_view(client: TestClient, scene: Scene) -> None:
    csv_text = _export(client, scene, "csv").content.decode("utf-8-sig")
    xlsx_text = "\n".join(
        str(cell) for row in _xlsx_rows(_export(client, scene, "xlsx")) for cell in row
    )
    json_text = client.get("/api/v1/audit/events", params={"limit": 1000}, headers=scene.admin).text
    for text in (csv_text, xlsx_text, json_text):
        assert "$argon2" not in text
        for secret in (PASSWORD, NEW_PASSWORD, ADMIN_PASSWORD):
            assert secret not in text
        assert PHONE not in text and NATIONAL_ID not in text
        assert "[redacted]" in text  # the field is there, its value is not
    hashed = [e for e in scene.events if "password_hash" in e["details"]]
    assert len(hashed) >= 4  # three registrations and a password reset
    assert all(e["details"]["password_hash"] == "[redacted]" for e in hashed)
    [olive] = [
        e
        for e in scene.events
        if e["aggregate_id"] == scene.owner_id and e["aggregate_version"] == 1
    ]
    assert olive["details"]["phone_enc"] == "[encrypted]"
    assert olive["details"]["national_id_enc"] == "[encrypted]"


# ---- who may read -----------------------------------------------------------


def test_an_auditor_reads_exports_and_verifies(client: TestClient, scene: Scene) -> None:
    page = _ok(client.get("/api/v1/audit/events", params={"limit": 1000}, headers=scene.auditor))
    assert _positions(page["items"]) == _positions(scene.events)
    _, *rows = _csv_rows(
        client.get("/api/v1/audit/events/export", params={"format": "csv"}, headers=scene.auditor)
    )
    assert len([r for r in rows if int(r[0]) <= scene.last]) == len(scene.events)
    _, *sheet = _xlsx_rows(
        client.get("/api/v1/audit/events/export", params={"format": "xlsx"}, headers=scene.auditor)
    )
    assert len([r for r in sheet if int(r[0]) <= scene.last]) == len(scene.events)
    integrity = _ok(client.get("/api/v1/audit/integrity", headers=scene.auditor))
    assert integrity["ok"] is True
    # The chain covers the scene and the two exports just recorded.
    assert integrity["events_checked"] == integrity["head_position"] == scene.last + 2


def test_an_owner_may_not_read_or_export_the_trail(
    client: TestClient, scene: Scene, running: Container
) -> None:
    tokens = login(client, "olive", NEW_PASSWORD)
    owner = bearer(tokens)
    head = running.event_log.head()
    for path, params in (
        ("/api/v1/audit/events", {}),
        ("/api/v1/audit/events", {"actor_id": scene.owner_id}),
        ("/api/v1/audit/events/export", {"format": "csv"}),
        ("/api/v1/audit/events/export", {"format": "xlsx"}),
    ):
        response = client.get(path, params=params, headers=owner)
        assert response.status_code == 403, (path, response.text)
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        assert response.json()["status"] == 403
    assert running.event_log.head() == head
    # What an owner may see is their own login history, and only theirs.
    own = _ok(
        client.get(
            f"/api/v1/users/{scene.owner_id}/logins",
            params={"after": tokens["position"]},
            headers=owner,
        )
    )
    outcomes = [entry["outcome"] for entry in own["items"]]
    assert outcomes == ["succeeded", "succeeded", "failed", "failed"]
    assert client.get(f"/api/v1/users/{scene.admin_id}/logins", headers=owner).status_code == 404


def test_an_unknown_export_format_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/v1/audit/events/export", params={"format": "pdf"}, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


def test_every_export_is_itself_recorded_with_who_took_it_and_how(
    client: TestClient, scene: Scene
) -> None:
    response = client.get(
        "/api/v1/audit/events/export",
        params={"format": "xlsx", "event_type": "LoginFailed"},
        headers=scene.auditor,
    )
    assert response.status_code == 200
    position = int(response.headers["x-estatelog-position"])
    [record] = _ok(
        client.get(
            "/api/v1/audit/events",
            params={"aggregate_type": "DataExport", "after": position},
            headers=scene.admin,
        )
    )["items"]
    assert record["position"] == position
    assert record["event_type"] == "Recorded"
    assert record["actor_role"] == "auditor"
    assert record["details"]["dataset"] == "audit_trail"
    assert record["details"]["file_format"] == "xlsx"
    assert record["details"]["filters"] == {"event_type": "LoginFailed"}
    failed = [e for e in scene.events if e["event_type"] == "LoginFailed"]
    assert record["details"]["rows"] == len(failed) > 0


# ---- who and where by name ----------------------------------------------------------


def test_rows_name_the_actor_masked_and_an_erased_actor_as_erased(
    client: TestClient, scene: Scene
) -> None:
    by_auditor = _trail(client, scene.admin, scene.last, actor_id=scene.auditor_id)
    assert by_auditor and {e["actor_name"] for e in by_auditor} == {"A*****"}  # Audrey, masked
    assert all(e["actor_id"] == scene.auditor_id for e in by_auditor)  # the ID stays beside it

    erased = _ok(
        client.post(
            f"/api/v1/users/{scene.auditor_id}/erase-personal-data",
            json={"reason": "she asked (PIPL art. 47)"},
            headers=scene.admin,
        )
    )
    after = _trail(client, scene.admin, erased["position"], actor_id=scene.auditor_id)
    assert [e["position"] for e in after] == [e["position"] for e in by_auditor]
    assert {e["actor_name"] for e in after} == {ERASED_PERSON}


def test_rows_of_an_estate_or_a_unit_name_the_estate_and_the_unit_number(
    client: TestClient, scene: Scene, running: Container
) -> None:
    builder = world(running)
    estate_id = builder.estate("HVG", "Harbour View Gardens", "1 Harbour Road")
    building_id = builder.building(estate_id, "A", "Tower A", 30)
    unit_id = builder.unit(building_id, "A-1203", 12, Decimal("89.50"), Decimal("72.10"))
    head = running.event_log.head()

    estate_rows = _trail(client, scene.admin, head, aggregate_id=str(estate_id))
    unit_rows = _trail(client, scene.admin, head, aggregate_id=str(unit_id))
    building_rows = _trail(client, scene.admin, head, aggregate_id=str(building_id))

    assert estate_rows and all(
        (e["estate_id"], e["estate_name"], e["unit_id"])
        == (str(estate_id), "Harbour View Gardens", None)
        for e in estate_rows
    )
    assert building_rows and all(e["estate_name"] == "Harbour View Gardens" for e in building_rows)
    assert unit_rows and all(
        (e["estate_name"], e["unit_id"], e["unit_number"])
        == ("Harbour View Gardens", str(unit_id), "A-1203")
        for e in unit_rows
    )
    # An event of no estate (a user's) names none.
    assert all(e["estate_name"] is None for e in scene.events)
