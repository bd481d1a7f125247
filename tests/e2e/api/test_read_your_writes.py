"""A caller reads what they just wrote without naming a position (decision 0045).

The approvals' projector is held back for real: a transaction holds its row
of ``projection_positions`` (the projector locks that row for every batch), so
the approval a waiver asks for is in the log and not yet in the read model.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.e2e.api.test_sessions_across_processes import other
from tests.e2e.finance.conftest import FinanceWorld, fw
from tests.e2e.finance.helpers import adopt_rate, bill

__all__ = ["fw", "other"]  # the fixtures of the finance world and of a second process


@contextmanager
def projector_held(fw: FinanceWorld, projection: str = "approvals") -> Iterator[threading.Event]:
    """The projector cannot commit a batch for ``projection`` until the event
    yielded is set (or the block ends)."""
    fw.settle(projection)  # what came before is applied: only what follows lags
    release = threading.Event()
    locked = threading.Event()

    def hold() -> None:
        with psycopg.connect(str(fw.container.pool.conninfo)) as conn, conn.transaction():
            conn.execute(
                "SELECT 1 FROM projection_positions WHERE name = %s FOR UPDATE", [projection]
            )
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        yield release
    finally:
        release.set()
        holder.join(10)


def _january_bill(fw: FinanceWorld) -> str:
    adopt_rate(fw, "property_fee", "2.50")
    fw.clock.set(2026, 1, 1, 9)
    bill(fw, "2026-01")
    # No ?after=: the clerk's own billing run is waited for.
    bills = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id, period="2026-01").json()
    (one,) = [b for b in bills if b["unit_id"] == fw.units[0]]
    return str(one["id"])


def _waive(fw: FinanceWorld, bill_id: str) -> dict[str, Any]:
    body = {"bill_id": bill_id, "amount": "50.00", "reason": "goodwill: lift out of order"}
    return fw.post(f"/finance/units/{fw.units[0]}/waivers", fw.finance, body, status=201).json()


def _released_after(release: threading.Event, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, release.set)
    timer.start()
    return timer


def test_the_approval_a_waiver_asked_for_is_read_at_once_with_no_after(fw: FinanceWorld) -> None:
    bill_id = _january_bill(fw)
    with projector_held(fw) as release:
        asked = _waive(fw, bill_id)
        path = f"/api/v1/approvals/{asked['approval_id']}"
        # The read model has not got it: a caller with nothing pending is told so.
        assert fw.client.get(path, headers=fw.manager.headers).status_code == 404
        _released_after(release, 0.5)
        started = time.monotonic()
        response = fw.client.get(path, headers=fw.finance.headers)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started >= 0.4  # it waited for the projector
    assert response.json()["kind"] == "waiver"
    assert response.json()["status"] == "pending"


def test_a_write_through_one_process_is_read_through_the_other(
    fw: FinanceWorld, other: TestClient
) -> None:
    bill_id = _january_bill(fw)
    # The other process has worked out the clerk already, before the write.
    assert other.get("/api/v1/auth/me", headers=fw.finance.headers).status_code == 200
    with projector_held(fw) as release:
        asked = _waive(fw, bill_id)
        _released_after(release, 0.5)
        response = other.get(
            f"/api/v1/approvals/{asked['approval_id']}", headers=fw.finance.headers
        )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == asked["approval_id"]


def test_a_read_model_still_behind_after_the_wait_says_so_never_404(fw: FinanceWorld) -> None:
    bill_id = _january_bill(fw)
    fw.container.settings.read_wait_seconds = 0.5
    with projector_held(fw):
        asked = _waive(fw, bill_id)
        started = time.monotonic()
        response = fw.client.get(
            f"/api/v1/approvals/{asked['approval_id']}", headers=fw.finance.headers
        )
        waited = time.monotonic() - started
        listed = fw.client.get("/api/v1/approvals", headers=fw.finance.headers)
    assert response.status_code == 503, response.text
    assert 0.4 <= waited < 5
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["title"] == "Read model behind"
    assert problem["read_model"] == "approvals"
    assert problem["position"] == asked["position"]
    assert "your latest change" in problem["detail"]
    assert listed.status_code == 503
    # Once the projector goes on, the same read answers.
    fw.settle("approvals")
    again = fw.client.get(f"/api/v1/approvals/{asked['approval_id']}", headers=fw.finance.headers)
    assert again.status_code == 200, again.text
