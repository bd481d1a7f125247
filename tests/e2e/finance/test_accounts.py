"""Unit accounts through the HTTP API: billing runs, payments, credit, reversals, waivers,
refunds, late fees, reminders, and who may see what."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from domain.finance.postings import entry_for
from projections.events import kind_of, payload_of
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, approve_fully, bill, pay, reverse
from tests.e2e.notifications.support import drain, wait_for_deliveries, working
from tests.e2e.registry.helpers import new_estate, new_person


def _open_bill(fw: FinanceWorld, unit: str, period: str) -> dict[str, Any]:
    bills = [b for b in account(fw, unit)["bills"] if b["period"] == period]
    assert len(bills) == 1, bills
    return bills[0]


def test_a_billing_run_bills_every_owned_unit_once_prorated_for_a_sale(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    buyer, _ = new_person(fw.client, fw.admin.headers, fw.estate_id, name="Buyer")
    sold = fw.post(
        f"/units/{fw.units[1]}/ownership-transfers",
        fw.admin,
        {"new_owner_ids": [buyer], "on": "2026-01-21"},
    )
    assert sold.status_code == 200, sold.text
    fw.clock.set(2026, 2, 1, 9)

    run = bill(fw, "2026-01")
    assert (run["bills"], run["units_billed"], run["units_skipped"]) == (4, 3, 0)
    # 100 m2 x 2.50; 80 m2 x 2.50 split 20/31 (seller) and 11/31 (buyer); 120 m2 x 2.50
    assert Decimal(run["amount"]) == Decimal("250.00") + Decimal("200.00") + Decimal("300.00")

    again = bill(fw, "2026-01", status=200)
    assert again["already_run"] is True and again["id"] == run["id"]
    head = fw.container.event_log.head()
    bills = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id, after=head).json()
    assert sorted(Decimal(b["principal"]) for b in bills) == [
        Decimal("70.97"),
        Decimal("129.03"),
        Decimal("250.00"),
        Decimal("300.00"),
    ]
    seller, bought = sorted(
        (b for b in bills if b["unit_id"] == fw.units[1]), key=lambda b: -b["days"]
    )
    assert (seller["days"], bought["days"], seller["days_in_period"]) == (20, 11, 31)
    assert (seller["payer_ids"], bought["payer_ids"]) == ([fw.people[1]], [buyer])
    assert seller["due_on"] == "2026-02-16"  # issued on the 1st, 15 days to pay

    # February: the buyer owns unit 2 for the whole month.
    fw.clock.set(2026, 3, 1, 9)
    february = bill(fw, "2026-02")
    assert (february["bills"], february["units_skipped"]) == (3, 0)


def test_a_run_without_rates_is_refused_and_appends_nothing(fw: FinanceWorld) -> None:
    head = fw.container.event_log.head()
    response = fw.post(
        f"/finance/estates/{fw.estate_id}/billing-runs", fw.finance, {"period": "2026-01"}
    )
    assert_problem(response, 422)
    assert fw.container.event_log.head() == head
    bad = fw.post(
        f"/finance/estates/{fw.estate_id}/billing-runs", fw.finance, {"period": "2026-13"}
    )
    assert_problem(bad, 422)


def test_payments_go_to_the_oldest_bill_first_and_the_rest_is_credit_used_by_the_next_bill(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    fw.clock.set(2026, 3, 1, 9)
    bill(fw, "2026-02")
    unit = fw.units[0]

    first = pay(fw, unit, "300.00")
    assert first.status_code == 201, first.text
    jan, feb = _open_bill(fw, unit, "2026-01"), _open_bill(fw, unit, "2026-02")
    assert (jan["status"], Decimal(jan["paid"])) == ("settled", Decimal("250.00"))
    assert Decimal(feb["outstanding"]) == Decimal("200.00")

    second = pay(fw, unit, "250.00", method="bank_transfer", reference="BANK-0001")
    assert second.status_code == 201, second.text
    state = account(fw, unit)
    assert Decimal(state["outstanding"]) == 0
    assert Decimal(state["credit"]) == Decimal("50.00")
    payment = next(p for p in state["payments"] if p["reference"] == "BANK-0001")
    assert Decimal(payment["to_credit"]) == Decimal("50.00")

    # The same bank reference again is the same money: refused.
    assert_problem(pay(fw, unit, "10.00", method="bank_transfer", reference="BANK-0001"), 409)
    assert_problem(pay(fw, unit, "10.00", method="bank_transfer"), 422)  # no reference
    assert_problem(pay(fw, unit, 10.5), 422)  # type: ignore[arg-type]  # a float

    fw.clock.set(2026, 4, 1, 9)
    bill(fw, "2026-03")
    march = _open_bill(fw, unit, "2026-03")
    assert Decimal(march["paid"]) == Decimal("50.00")
    assert Decimal(march["outstanding"]) == Decimal("200.00")
    assert Decimal(account(fw, unit)["credit"]) == 0


def test_fifty_concurrent_payments_of_one_bill_pay_it_once(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    unit = fw.units[0]
    target = _open_bill(fw, unit, "2026-01")

    def attempt(i: int) -> int:
        response = pay(
            fw,
            unit,
            "250.00",
            method="online",
            reference=f"ALIPAY-{i:04d}",
            bill_id=target["id"],
            who=fw.finance,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(attempt, range(50)))
    assert codes.count(201) == 1, codes
    assert codes.count(409) == 49, codes
    state = account(fw, unit)
    settled = _open_bill(fw, unit, "2026-01")
    assert Decimal(settled["paid"]) == Decimal("250.00")
    assert len(state["payments"]) == 1
    assert Decimal(state["credit"]) == 0


def test_a_mistaken_payment_is_reversed_by_a_mirror_entry_never_edited(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    unit = fw.units[0]
    payment_id = pay(fw, unit, "250.00").json()["id"]
    assert _open_bill(fw, unit, "2026-01")["status"] == "settled"

    path = f"/finance/units/{unit}/payments/{payment_id}/reversal"
    reverse(fw, unit, payment_id, reason="posted to the wrong unit")
    again = _open_bill(fw, unit, "2026-01")
    assert (again["status"], Decimal(again["outstanding"])) == ("open", Decimal("250.00"))
    assert_problem(fw.post(path, fw.finance, {"reason": "twice"}), 409)
    payments = account(fw, unit)["payments"]
    assert [p["reversed"] for p in payments] == [True]
    assert Decimal(payments[0]["amount"]) == Decimal("250.00")  # the record stands
    # An owner may not reverse a payment.
    assert_problem(fw.post(path, fw.owners[0], {"reason": "mine"}), 403)


def test_waivers_and_refunds_wait_for_their_approval(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    unit = fw.units[0]
    target = _open_bill(fw, unit, "2026-01")

    waiver = fw.post(
        f"/finance/units/{unit}/waivers",
        fw.finance,
        {"bill_id": target["id"], "amount": "50.00", "reason": "lift out of order 10 days"},
        status=201,
    ).json()
    assert Decimal(_open_bill(fw, unit, "2026-01")["waived"]) == 0  # not before approval
    assert_problem(
        fw.post(
            f"/finance/units/{unit}/waivers",
            fw.finance,
            {"bill_id": target["id"], "amount": "250.00", "reason": "more than is left"},
        ),
        409,
    )
    assert approve_fully(fw, waiver["approval_id"])["status"] == "approved"
    waived = _open_bill(fw, unit, "2026-01")
    assert (Decimal(waived["waived"]), Decimal(waived["outstanding"])) == (
        Decimal("50.00"),
        Decimal("200.00"),
    )

    pay(fw, unit, "300.00")  # 200 settles the bill, 100 is credit
    assert_problem(
        fw.post(
            f"/finance/units/{unit}/refunds",
            fw.finance,
            {"amount": "100.01", "reason": "moving abroad"},
        ),
        409,
    )
    refund = fw.post(
        f"/finance/units/{unit}/refunds",
        fw.finance,
        {"amount": "100.00", "reason": "moving abroad"},
        status=201,
    ).json()
    state = account(fw, unit)
    assert (Decimal(state["credit"]), Decimal(state["credit_available"])) == (
        Decimal("100.00"),
        Decimal(0),
    )
    rejected = fw.post(f"/approvals/{refund['approval_id']}/reject", fw.admin, {"reason": "no"})
    assert rejected.status_code == 200, rejected.text
    assert Decimal(account(fw, unit)["credit_available"]) == Decimal("100.00")

    second = fw.post(
        f"/finance/units/{unit}/refunds",
        fw.finance,
        {"amount": "100.00", "reason": "moving abroad, with the contract attached"},
        status=201,
    ).json()
    approve_fully(fw, second["approval_id"])
    state = account(fw, unit)
    assert Decimal(state["credit"]) == 0
    assert [r["status"] for r in state["requests"]] == ["approved", "declined", "refunded"]


def test_a_pending_waiver_holds_its_own_bill_only(fw: FinanceWorld) -> None:
    """Issue 14, defect 10: a waiver waiting on January's bill blocked one on February's."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    fw.clock.set(2026, 3, 1, 9)
    bill(fw, "2026-02")
    unit = fw.units[0]
    january, february = _open_bill(fw, unit, "2026-01"), _open_bill(fw, unit, "2026-02")
    path = f"/finance/units/{unit}/waivers"

    first = fw.post(
        path,
        fw.finance,
        {"bill_id": january["id"], "amount": "200.00", "reason": "lift out of order"},
        status=201,
    ).json()
    # 250.00 left on February's bill: January's pending 200.00 is no part of it.
    second = fw.post(
        path,
        fw.finance,
        {"bill_id": february["id"], "amount": "100.00", "reason": "lift out of order"},
        status=201,
    ).json()
    # January's own pending waiver still holds 200.00 of its 250.00.
    head = fw.container.event_log.head()
    assert_problem(
        fw.post(
            path,
            fw.finance,
            {"bill_id": january["id"], "amount": "50.01", "reason": "and the heating"},
        ),
        409,
    )
    assert fw.container.event_log.head() == head
    for waiver in (first, second):
        assert approve_fully(fw, waiver["approval_id"])["status"] == "approved"
    waived = [Decimal(_open_bill(fw, unit, p)["waived"]) for p in ("2026-01", "2026-02")]
    assert waived == [Decimal("200.00"), Decimal("100.00")]


def test_late_fees_are_charged_day_by_day_and_reminders_once_a_level(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    terms = f"/api/v1/finance/estates/{fw.estate_id}/billing-terms"
    body = {"late_fee_daily_rate": "0.0005"}  # the contract's late fee: none without it
    fw.client.put(terms, json=body, headers=fw.finance.headers).raise_for_status()
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")  # due 2026-02-16
    for unit in fw.units[1:]:
        pay(fw, unit, "500.00")
    fw.settle("finance_accounts")
    service = fw.container.finance.accounts

    fw.clock.set(2026, 3, 8, 2)  # 20 days past due: charged through yesterday, 19 days
    assert service.charge_late_fees(fw.clock()) == 1
    assert service.charge_late_fees(fw.clock()) == 0  # once a day
    fw.settle("finance_accounts")
    late = _open_bill(fw, fw.units[0], "2026-01")
    # 250.00 x 0.0005 a day x 19 days = 2.375
    assert Decimal(late["late_fees"]) == Decimal("2.38")

    assert service.send_reminders(fw.clock()) == 1  # level 1 (15 days)
    assert service.send_reminders(fw.clock()) == 0
    fw.settle("finance_accounts")
    assert _open_bill(fw, fw.units[0], "2026-01")["dunning_level"] == 1

    fw.clock.set(2026, 4, 20, 2)  # 63 days past due: levels 2 and 3
    assert service.send_reminders(fw.clock()) == 1
    assert service.charge_late_fees(fw.clock()) == 1
    fw.settle("finance_accounts")
    late = _open_bill(fw, fw.units[0], "2026-01")
    assert late["dunning_level"] == 3
    # through 19 April, 62 days: 250.00 x 0.0005 x 62 = 7.75, rounded once (not 2.38 + 5.38)
    assert Decimal(late["late_fees"]) == Decimal("7.75")


def test_owners_see_and_pay_only_their_own_units(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    head = fw.container.event_log.head()
    mine = fw.get("/finance/bills", fw.owners[0], after=head).json()
    assert [b["unit_id"] for b in mine] == [fw.units[0]]
    assert fw.get(f"/finance/units/{fw.units[0]}/account", fw.owners[0]).status_code == 200
    assert_problem(fw.get(f"/finance/units/{fw.units[1]}/account", fw.owners[0], None), 404)
    assert_problem(fw.get(f"/finance/bills/{mine[0]['id']}", fw.owners[1], None), 404)
    # Owners record no payments, not even "online" ones of their own unit: a
    # made-up reference would be credit that pays their bills.
    head = fw.container.event_log.head()
    for unit in fw.units[:2]:
        refused = pay(fw, unit, "10.00", "online", "WX-1", who=fw.owners[0])
        assert_problem(refused, 403)
    assert_problem(pay(fw, fw.units[0], "10.00", who=fw.owners[0]), 403)
    assert fw.container.event_log.head() == head
    # Another estate's clerk sees none of it; an auditor sees it all.
    assert fw.get("/finance/bills", fw.other_finance, after=head).json() == []
    assert_problem(fw.get(f"/finance/units/{fw.units[0]}/account", fw.other_finance, None), 404)
    assert_problem(
        fw.post(
            f"/finance/estates/{fw.estate_id}/billing-runs",
            fw.other_finance,
            {"period": "2026-02"},
        ),
        404,
    )
    assert len(fw.get("/finance/bills", fw.auditor, after=head).json()) == 3


def test_every_unit_account_event_posts_one_balanced_entry(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    unit = fw.units[0]
    payment = pay(fw, unit, "400.00").json()["id"]
    reverse(fw, unit, payment, reason="wrong unit")
    pay(fw, unit, "260.00", "bank_transfer", "B-77")
    fw.clock.set(2026, 3, 1, 9)
    bill(fw, "2026-02")  # uses the 10.00 credit

    log = fw.container.event_log
    seen: dict[str, int] = {}
    for note in log.read(0, 100_000):
        event = log.mapper.to_domain_event(note)
        aggregate, name = kind_of(event)
        if aggregate != "UnitAccount":
            continue
        entry = entry_for(aggregate, name, payload_of(event))
        if entry is not None:
            entry.check()
            seen[name] = seen.get(name, 0) + 1
    assert seen == {
        "BillIssued": 6,
        "PaymentReceived": 2,
        "PaymentReversed": 1,
        "CreditApplied": 1,
    }


def test_reminders_reach_the_owners_inbox(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    fw.settle("finance_accounts")
    fw.clock.set(2026, 3, 10, 2)
    assert fw.container.finance.accounts.send_reminders(fw.clock()) == 3
    with working(fw.container):
        wait_for_deliveries(fw.container, 3)
        drain(fw.container)
    inbox = fw.get("/notifications/inbox", fw.owners[0]).json()
    assert [(i["title"], i["priority"]) for i in inbox] == [("Payment reminder", "normal")]
    assert "250.00 CNY is outstanding" in inbox[0]["body"]
    assert fw.get("/notifications/inbox", fw.other_finance).json() == []


def test_a_run_with_nobody_to_bill_records_nothing_so_the_period_can_be_billed_later(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    other, _ = new_estate(fw.client, fw.admin.headers, code="EMP", name="Empty Towers")
    fw.client.post(
        f"/api/v1/users/{fw.finance.id}/estates",
        json={"estate_id": other},
        headers=fw.admin.headers,
    ).raise_for_status()
    proposed = fw.post(
        f"/finance/estates/{other}/rate-changes",
        fw.finance,
        {
            "item": "property_fee",
            "rate": "2.00",
            "effective_from": "2026-01-01",
            "contract_reference": "PSC-E",
        },
        status=201,
    )
    approve_fully(fw, proposed.json()["approval_id"])
    head = fw.container.event_log.head()
    empty = fw.post(f"/finance/estates/{other}/billing-runs", fw.finance, {"period": "2026-01"})
    assert "no unit of this estate has an owner" in assert_problem(empty, 422)["detail"]
    assert fw.container.event_log.head() == head
