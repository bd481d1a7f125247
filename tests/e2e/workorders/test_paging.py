"""The work-order list pages by (submitted at, id): orders of one instant are each seen once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.workorders.conftest import World, ok, submit_as_resident
from tests.support.clock import Clock


def test_three_orders_of_one_instant_are_each_seen_once_a_page_of_one(
    client: TestClient, world: World, clock: Clock
) -> None:
    w = world
    clock.set(2026, 3, 1, 9)
    submitted = [submit_as_resident(client, w, f"Tap {n}") for n in range(3)]
    after = max(p for _, p in submitted)
    seen: list[str] = []
    params: dict[str, object] = {"estate_id": str(w.estate_a), "limit": 1, "after": after}
    for _ in range(4):
        page = ok(client.get("/api/v1/workorders", params=params, headers=w.manager_a.headers))
        if not page:
            break
        seen += [o["id"] for o in page]
        params |= {"before": page[-1]["submitted_at"], "before_order": page[-1]["id"]}
    assert sorted(seen) == sorted(order for order, _ in submitted)


def test_a_malformed_order_cursor_is_a_422(client: TestClient, world: World) -> None:
    r = client.get(
        "/api/v1/workorders",
        params={"before": "2026-03-01T09:00:00Z", "before_order": "nope"},
        headers=world.manager_a.headers,
    )
    assert r.status_code == 422, r.text
