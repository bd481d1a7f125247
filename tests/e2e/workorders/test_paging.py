"""The work-order list pages by (submitted at, id): orders of one instant are each seen once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.workorders.conftest import World, submit_as_resident
from tests.support.clock import Clock
from tests.support.pages import every_page, items


def test_three_orders_of_one_instant_are_each_seen_once_a_page_of_one(
    client: TestClient, world: World, clock: Clock
) -> None:
    w = world
    clock.set(2026, 3, 1, 9)
    submitted = [submit_as_resident(client, w, f"Tap {n}") for n in range(3)]
    after = max(p for _, p in submitted)
    params: dict[str, object] = {"estate_id": str(w.estate_a), "limit": 1, "after": after}
    seen = [
        o["id"]
        for o in every_page(client, "/api/v1/workorders", params, headers=w.manager_a.headers)
    ]
    assert sorted(seen) == sorted(order for order, _ in submitted)
    # the last page says it is the last: no cursor after the third order
    params["limit"] = 3
    page = client.get("/api/v1/workorders", params=params, headers=w.manager_a.headers)
    assert len(items(page)) == 3 and page.json()["next_cursor"] is None


def test_a_malformed_order_cursor_is_a_400_problem(client: TestClient, world: World) -> None:
    for cursor in ("nope", "WzFd", "WyIyMDI2LTAzLTAxVDA5OjAwOjAwIiwgIm5vcGUiXQ"):
        r = client.get(
            "/api/v1/workorders", params={"cursor": cursor}, headers=world.manager_a.headers
        )
        assert r.status_code == 400, r.text
        assert r.headers["content-type"] == "application/problem+json"
