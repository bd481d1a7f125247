"""A parking fee paid online at the exit is a provider order like a bill's (decision 0063):
the gate asks for the order, the driver pays, WeChat Pay's verified notification pays
the session and the order in one append, and the provider's settlement clears it
from 1012. A repeat records nothing; an order for a session owing nothing is 409."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.finance.accounts import BANK, ONLINE_CLEARING, TEMPORARY_PARKING
from infrastructure.settings import Settings
from tests.e2e.parking.test_parking_http import API, call
from tests.support.clock import Clock
from tests.support.estate_world import Builder, Estate, settle
from tests.support.wechatpay import FakeWechatPay

NOTIFY = f"{API}/finance/online-payments/wechatpay/notifications"
FAKE = FakeWechatPay()
TARIFF = {"free_minutes": 15, "per_hour": "5.00", "daily_cap": "40.00"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, with this merchant configured."""
    return Settings(**{**settings.model_dump(), **FAKE.settings()})


def test_a_fee_paid_online_at_the_exit_is_a_provider_order_that_settles(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    clock = running.clock
    assert isinstance(clock, Clock)
    b = Builder(client, admin, running)
    e: Estate = b.estate("W")
    gate = e.gate_guard
    settle(running)
    body = {"estate_id": e["estate"], "temporary_spaces": 5, "tariff": TARIFF}
    r = call(client, "POST", "/car-parks", e.manager, body)
    assert r.status_code == 201, r.text
    car_park = r.json()["id"]
    start = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    clock.fix(start)
    try:

        def at_gate(direction: str) -> dict[str, Any]:
            plate = {"plate": "苏E54321", "gate": "East", "direction": direction}
            r = call(client, "POST", f"/car-parks/{car_park}/gate", gate, plate)
            assert r.status_code == 200, r.text
            return r.json()  # type: ignore[no-any-return]

        session = at_gate("in")["session_id"]
        orders = f"/parking-sessions/{session}/payment-orders"
        r = call(client, "POST", orders, gate)
        assert r.status_code == 409, r.text  # inside: nothing owed yet
        clock.fix(start + timedelta(hours=2, minutes=10))
        assert at_gate("out")["fee"] == "15.00"
        assert call(client, "POST", orders, e.manager).status_code == 403
        r = call(client, "POST", orders, gate)
        assert r.status_code == 201, r.text
        order = r.json()
        assert (order["amount"], order["client"]["package"]) == (
            "15.00",
            f"prepay_id={order['prepay_id']}",
        )
        n = FAKE.notification(order["out_trade_no"], 1500, clock(), transaction_id="4200000077")
        assert client.post(NOTIFY, content=n.body, headers=n.headers).status_code == 204
        head = running.event_log.head()
        assert client.post(NOTIFY, content=n.body, headers=n.headers).status_code == 204
        assert running.event_log.head() == head  # a repeat records nothing
        assert at_gate("out")["status"] == "left"
    finally:
        clock.release()
    settle(running)
    paid = call(client, "GET", f"/parking-sessions/{session}", e.finance).json()
    assert (paid["method"], paid["reference"], paid["paid_amount"]) == (
        "online",
        "4200000077",
        "15.00",
    )

    def books() -> dict[str, D]:
        head = running.event_log.head()
        trial = call(
            client,
            "GET",
            "/finance/statements/trial-balance",
            e.finance,
            estate_id=e["estate"],
            after=head,
        ).json()
        return {row["account"]: D(str(row["closing"])) for row in trial["rows"]}

    assert (books()[ONLINE_CLEARING], books()[TEMPORARY_PARKING]) == (D("15.00"), D("-15.00"))
    settlement = {"reference": "WXSETTLE-PARK-1", "settled_on": "2026-06-02", "gross": "15.00"}
    path = f"/finance/estates/{e['estate']}/online-settlements"
    r = call(client, "POST", path, e.finance, settlement)
    assert r.status_code == 201, r.text
    cleared = books()
    assert cleared[ONLINE_CLEARING] == 0 and cleared[BANK] == D("14.91")  # less 0.6%
