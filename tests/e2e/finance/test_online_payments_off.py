"""Without a configured merchant the service runs, and online payments answer 503."""

from __future__ import annotations

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.support.wechatpay import FakeWechatPay

NOTIFY = "/api/v1/finance/online-payments/wechatpay/notifications"


def test_without_a_merchant_orders_and_notifications_answer_503_and_record_nothing(
    fw: FinanceWorld,
) -> None:
    head = fw.container.event_log.head()
    order = fw.post(
        f"/finance/units/{fw.units[0]}/payment-orders", fw.owners[0], {"amount": "1.00"}
    )
    assert assert_problem(order, 503)["code"] == "FAIL"
    n = FakeWechatPay().notification("EL0001", 100, fw.clock())
    answer = fw.client.post(NOTIFY, content=n.body, headers=n.headers)
    assert assert_problem(answer, 503)["code"] == "FAIL"
    assert fw.container.event_log.head() == head
    # Strangers still learn nothing of the unit: 404 before "not configured".
    stranger = fw.post(
        f"/finance/units/{fw.units[0]}/payment-orders", fw.owners[1], {"amount": "1"}
    )
    assert_problem(stranger, 404)
