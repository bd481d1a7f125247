"""Equipment and alarm pages: a cursor is opaque, and a forged one is a 400 (issue 12 §3)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from bootstrap import Container
from interfaces.http.cursors import decode_cursor, encode_cursor
from interfaces.http.problems import Problem
from interfaces.http.schemas import paged
from tests.e2e.api.test_errors import problem
from tests.e2e.equipment.conftest import register, wait

FORGED = ["zzz", "", "%%%", encode_cursor("pump"), encode_cursor(1, 2), "eyJhIjoxfQ"]


@pytest.mark.parametrize("route", ["/api/v1/equipment", "/api/v1/alarms"])
@pytest.mark.parametrize("cursor", [c for c in FORGED if c])
def test_a_forged_cursor_is_a_400_not_a_500(
    client: TestClient, admin: dict[str, str], route: str, cursor: str
) -> None:
    body = problem(client.get(route, params={"cursor": cursor}, headers=admin), 400)
    assert "cursor" in body["detail"]


def test_the_equipment_list_pages_through_every_item_once(
    client: TestClient, admin: dict[str, str], running: Container, estate_a: UUID
) -> None:
    positions = [
        register(client, admin, estate_a, name=name)[1] for name in ("b|1", "a|2", "c", "a|1")
    ]
    wait(running, "equipment", max(positions))
    names, cursor = [], None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/equipment", params=params, headers=admin).json()
        names += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == ["a|1", "a|2", "b|1", "c"]


def test_an_alarm_cursor_reads_back_as_a_moment_and_an_id(
    client: TestClient, admin: dict[str, str]
) -> None:
    cursor = encode_cursor(datetime(2026, 3, 1, tzinfo=UTC), uuid.uuid4())
    response = client.get("/api/v1/alarms", params={"cursor": cursor}, headers=admin)
    assert response.status_code == 200, response.text
    naive = encode_cursor("2026-03-01T00:00:00", str(uuid.uuid4()))
    problem(client.get("/api/v1/alarms", params={"cursor": naive}, headers=admin), 400)


@given(st.text(), st.uuids())
def test_a_cursor_holds_its_keys_exactly(name: str, key: UUID) -> None:
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in name):
        with pytest.raises(Problem):
            decode_cursor(encode_cursor(name, key), str, UUID)
    else:
        assert decode_cursor(encode_cursor(name, key), str, UUID) == (name, key)


@given(st.text(max_size=40))
def test_any_text_as_a_cursor_decodes_or_is_a_400(text: str) -> None:
    try:
        decode_cursor(text, datetime, UUID)
    except Problem as e:
        assert e.status == 400


@given(st.dates(), st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_a_cursor_holds_a_day_and_a_position_exactly(day: date, position: int) -> None:
    assert decode_cursor(encode_cursor(day, position), date, int) == (day, position)
    # a day is not a moment, nor a moment a day
    with pytest.raises(Problem):
        decode_cursor(encode_cursor(day, position), datetime, int)
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(Problem):
        decode_cursor(encode_cursor(moment, position), date, int)


@given(st.lists(st.integers(min_value=0, max_value=10**6), unique=True), st.integers(1, 12))
def test_paged_shows_limit_rows_and_a_cursor_only_when_more_follow(
    keys: list[int], limit: int
) -> None:
    rows = sorted(keys)[: limit + 1]  # what a query asked for limit + 1 answers
    page = paged(rows, limit, str, lambda k: (k,))
    assert page.items == [str(k) for k in rows[:limit]]
    if len(rows) > limit:
        assert page.next_cursor is not None
        assert decode_cursor(page.next_cursor, int) == (rows[limit - 1],)
    else:
        assert page.next_cursor is None
