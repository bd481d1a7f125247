"""Debts belong to the debtor (issue 14, defect 2; decision 0021), through the HTTP API.

After a mid-month sale the seller owes the days they owned the unit and the
buyer the rest. A payment pays its payer's bills only: the buyer's payment
never settles the seller's bill, the buyer's overpayment is the buyer's
credit, reminders reach the bill's debtors, and the seller, once paid up,
gets a fee clearance certificate (物业费结清证明).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem, make_user
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, bill, pay, receipt, sell
from tests.e2e.notifications.support import drain, wait_for_deliveries, working
from tests.e2e.registry.helpers import new_person
from tests.support.pages import items


def sold_mid_month(fw: FinanceWorld) -> tuple[str, str, str, dict[str, str]]:
    """Unit 2 (80 m², 2.50 a m²) sold on 19 January; January billed on 1 February.

    The seller owes 18/31 of 200.00 (116.13), the buyer 13/31 (83.87).
    Returns the seller and buyer (persons), the buyer's login and its headers.
    """
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    buyer_user, buyer_headers, _ = make_user(fw.client, fw.admin.headers, "buyer.two", ["owner"])
    buyer, _ = new_person(
        fw.client, fw.admin.headers, fw.estate_id, name="Li Buyer", user_id=buyer_user
    )
    sell(fw, fw.units[1], [buyer], "2026-01-19")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    return fw.people[1], buyer, buyer_user, buyer_headers


def _bills_of(fw: FinanceWorld, person: str) -> list[dict[str, Any]]:
    return [b for b in account(fw, fw.units[1])["bills"] if person in b["payer_ids"]]


def _statement(fw: FinanceWorld, person: str, status: int = 200) -> Any:
    head = fw.container.event_log.head()
    path = f"/finance/units/{fw.units[1]}/owners/{person}/statement"
    return fw.get(path, fw.finance, status=status, after=head)


def test_the_buyers_payment_pays_the_buyers_bill_and_never_the_sellers(fw: FinanceWorld) -> None:
    seller, buyer, _, _ = sold_mid_month(fw)
    [sellers] = _bills_of(fw, seller)
    [buyers] = _bills_of(fw, buyer)
    assert (Decimal(sellers["principal"]), Decimal(buyers["principal"])) == (
        Decimal("116.13"),
        Decimal("83.87"),
    )
    # The clerk names no payer: the unit's owner now, the buyer, pays; 100.00 is
    # more than the buyer owes, and the seller's older bill is still open.
    paid = pay(fw, fw.units[1], "100.00")
    assert paid.status_code == 201, paid.text
    found = account(fw, fw.units[1])
    by_id = {b["id"]: b for b in found["bills"]}
    assert Decimal(by_id[sellers["id"]]["outstanding"]) == Decimal("116.13")
    assert Decimal(by_id[buyers["id"]]["outstanding"]) == Decimal("0.00")
    [payment] = found["payments"]
    assert payment["payer_id"] == buyer
    assert payment["allocations"] == [
        {"bill_id": buyers["id"], "amount": "83.87", "late_fee": "0", "principal": "83.87"}
    ]
    assert Decimal(payment["to_credit"]) == Decimal("16.13")
    assert payment["received_on"] == payment["booked_on"] == "2026-02-01"

    # February is the buyer's: the buyer's credit settles part of it; the
    # seller's bill stays open whatever credit sits on the unit.
    fw.clock.set(2026, 3, 1, 9)
    bill(fw, "2026-02")
    by_id = {b["id"]: b for b in account(fw, fw.units[1])["bills"]}
    february = next(b for b in by_id.values() if b["period"] == "2026-02")
    assert february["payer_ids"] == [buyer]
    assert Decimal(february["paid"]) == Decimal("16.13")
    assert Decimal(by_id[sellers["id"]]["outstanding"]) == Decimal("116.13")

    # The buyer's statement shows the buyer's part only; the unit's shows both.
    mine = _statement(fw, buyer).json()
    assert [b["id"] for b in mine["bills"]] == [buyers["id"], february["id"]]
    assert [p["id"] for p in mine["payments"]] == [payment["id"]]
    assert Decimal(mine["balance"]) == Decimal("200.00") - Decimal("16.13")
    assert mine["unit_number"] == "201"
    assert mine["name"] != "Li Buyer" and mine["name"].startswith("L")  # masked
    theirs = _statement(fw, seller).json()
    assert [b["id"] for b in theirs["bills"]] == [sellers["id"]]
    assert (theirs["payments"], Decimal(theirs["balance"])) == ([], Decimal("116.13"))


def test_a_payment_for_another_persons_bill_or_by_a_stranger_is_refused(fw: FinanceWorld) -> None:
    seller, buyer, _, _ = sold_mid_month(fw)
    [sellers] = _bills_of(fw, seller)
    stranger, _ = new_person(fw.client, fw.admin.headers, fw.estate_id, name="Wang Stranger")
    fw.settle("registry")
    head = fw.container.event_log.head()
    path = f"/finance/units/{fw.units[1]}/payments"
    base = {"amount": "50.00", "method": "cash"}
    refusals = [
        {"bill_id": sellers["id"]},  # the buyer (by default) names the seller's bill
        {"bill_id": sellers["id"], "payer_id": buyer},
        {"payer_id": stranger},  # never owed nor owned here
        {"received_on": "2026-02-02"},  # tomorrow
        {"received_on": "2025-01-30"},  # more than a year (366 days) back
    ]
    for extra in refusals:
        refused = fw.post(path, fw.finance, {**base, "reference": receipt(), **extra})
        assert_problem(refused, 422)
    assert fw.container.event_log.head() == head
    # The money arrived a week ago: the clerk says so.
    fine = pay_as(fw, buyer, "10.00", received_on="2026-01-25")
    assert fine.status_code == 201, fine.text
    [payment] = account(fw, fw.units[1])["payments"]
    assert (payment["received_on"], payment["booked_on"]) == ("2026-01-25", "2026-02-01")


def pay_as(fw: FinanceWorld, payer: str, amount: str, **extra: Any) -> Any:
    body = {"amount": amount, "method": "cash", "reference": receipt(), "payer_id": payer}
    return fw.post(f"/finance/units/{fw.units[1]}/payments", fw.finance, {**body, **extra})


def test_the_seller_pays_later_and_gets_a_clearance_certificate(fw: FinanceWorld) -> None:
    seller, buyer, _, _ = sold_mid_month(fw)
    [sellers] = _bills_of(fw, seller)
    certify = f"/finance/units/{fw.units[1]}/owners/{seller}/clearance-certificates"
    head = fw.container.event_log.head()
    refused = fw.post(certify, fw.finance, {})
    assert_problem(refused, 409)
    assert sellers["id"] in refused.json()["detail"]
    assert fw.container.event_log.head() == head
    assert_problem(fw.post(certify, fw.finance, {"as_of": "2026-02-02"}), 422)  # the future

    # The buyer's money cannot clear it; the seller's can.
    assert pay_as(fw, buyer, "200.00").status_code == 201
    assert_problem(fw.post(certify, fw.finance, {}), 409)
    assert pay_as(fw, seller, "116.13", bill_id=sellers["id"]).status_code == 201
    issued = fw.post(certify, fw.finance, {}, status=201).json()
    assert (issued["person_id"], issued["as_of"], issued["bill_ids"]) == (
        seller,
        "2026-02-01",
        [sellers["id"]],
    )
    assert (Decimal(issued["charged"]), Decimal(issued["paid"])) == (
        Decimal("116.13"),
        Decimal("116.13"),
    )
    assert issued["issued_by"] == fw.finance.id
    assert issued["position"] == fw.container.event_log.head()
    # The seller's statement: the bill paid by the seller's own payment.
    statement = _statement(fw, seller).json()
    assert Decimal(statement["balance"]) == Decimal("0.00")
    assert [p["payer_id"] for p in statement["payments"]] == [seller]
    # Owners do not certify: a clerk of the estate does.
    assert_problem(fw.post(certify, fw.owners[1], {}), 403)


def test_reminders_reach_the_seller_for_the_sellers_arrears_not_the_buyer(
    fw: FinanceWorld,
) -> None:
    _, buyer, _, buyer_headers = sold_mid_month(fw)
    assert pay_as(fw, buyer, "83.87").status_code == 201  # the buyer is paid up
    fw.settle("finance_accounts")
    fw.clock.set(2026, 3, 10, 2)  # the January bills are 22 days past due
    # Three units owe: unit 1's owner, unit 3's, and unit 2's seller (not its buyer).
    assert fw.container.finance.accounts.send_reminders(fw.clock()) == 3
    with working(fw.container):
        wait_for_deliveries(fw.container, 3)
        drain(fw.container)
    inbox = fw.get("/notifications/inbox", fw.owners[1]).json()
    assert [i["title"] for i in inbox] == ["Payment reminder"]
    assert "116.13 CNY is outstanding" in inbox[0]["body"]
    response = fw.client.get("/api/v1/notifications/inbox", headers=buyer_headers)
    assert items(response) == []


def test_a_refund_is_of_one_persons_credit(fw: FinanceWorld) -> None:
    seller, buyer, _, _ = sold_mid_month(fw)
    assert pay_as(fw, buyer, "100.00").status_code == 201  # 16.13 the buyer's credit
    assert pay_as(fw, seller, "120.00").status_code == 201  # 3.87 the seller's credit
    path = f"/finance/units/{fw.units[1]}/refunds"
    ask = {"amount": "5.00", "reason": "sold the unit"}
    head = fw.container.event_log.head()
    assert_problem(fw.post(path, fw.finance, ask), 422)  # two hold credit: whose?
    assert_problem(fw.post(path, fw.finance, {**ask, "payer_id": seller}), 409)  # 3.87 only
    assert fw.container.event_log.head() == head
    fw.post(path, fw.finance, {**ask, "payer_id": buyer}, status=201)
    found = account(fw, fw.units[1])
    [request] = found["requests"]
    assert (request["payer_id"], Decimal(request["amount"])) == (buyer, Decimal("5.00"))
    assert Decimal(found["credit_available"]) == Decimal("20.00") - Decimal("5.00")
    mine = _statement(fw, buyer).json()
    assert Decimal(mine["credit"]) == Decimal("16.13")  # held for the refund, still the buyer's
