"""Bad debts (坏账) through the HTTP API (issue 14, "Receivables"; defect 8;
decision 0024): the provision by the aging method and write-offs, each by two
people.

The three units pay a property fee of 2.50 per m² gross: 250.00, 200.00 and
300.00, 750.00 a run, due 15 days after the run. January 2026 is billed on 5
January (due 20 January), February 2027 on 10 February 2027 (due 25 February).
On 1 March 2027 the January bills are 405 days past due (1-2 years) and the
February ones 4 days (0-30). By hand, at the default rates:

    1-2 years  750.00 x 10% = 75.00
    0-30       750.00 x  5% = 37.50
    required                 112.50  (the allowance holds 0: provide 112.50)

Writing off unit 1's January bill (250.00) takes 250.00 from the allowance
(Dr 1231 / Cr 1122): it holds 112.50 - 250.00 = -137.50. With 50% on 1-2 years
the aging then requires 500.00 x 50% + 37.50 = 287.50: provide 425.00.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.finance.accounts import BAD_DEBT_ALLOWANCE, CREDIT_IMPAIRMENT, RECEIVABLES
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, approve_fully, bill, pay

AS_OF = "2027-03-01"


def _two_years_of_bills(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 1, 5, 8)
    bill(fw, "2026-01")
    fw.clock.set(2027, 2, 10, 8)
    bill(fw, "2027-02")
    fw.clock.set(2027, 3, 1, 12)


def _aging(fw: FinanceWorld) -> dict[str, Any]:
    head = fw.container.event_log.head()
    path = "/finance/statements/receivables-aging"
    return fw.get(path, fw.auditor, estate_id=fw.estate_id, at=AS_OF, after=head).json()  # type: ignore[no-any-return]


def _balance(fw: FinanceWorld, account: str) -> Decimal:
    """The account's closing balance (debit minus credit) in the trial balance."""
    head = fw.container.event_log.head()
    tb = fw.get(
        "/finance/statements/trial-balance", fw.auditor, estate_id=fw.estate_id, after=head
    ).json()
    assert tb["totals"]["CNY"]["balanced"]
    return sum((Decimal(r["closing"]) for r in tb["rows"] if r["account"] == account), Decimal(0))


def _provide(fw: FinanceWorld, status: int = 202, **body: Any) -> Any:
    path = f"/finance/estates/{fw.estate_id}/bad-debt-provisions"
    return fw.post(path, fw.finance, {"as_of": AS_OF, **body}, status=status).json()


def _january_bill(fw: FinanceWorld, unit: str) -> dict[str, Any]:
    head = fw.container.event_log.head()
    bills = fw.get("/finance/bills", fw.finance, unit_id=unit, after=head).json()
    [january] = [b for b in bills if b["period"] == "2026-01"]
    return january  # type: ignore[no-any-return]


def _write_off(fw: FinanceWorld, unit: str, bill_id: str, amount: str) -> Any:
    body = {"bill_id": bill_id, "amount": amount, "reason": "owner untraceable since 2026"}
    return fw.post(f"/finance/units/{unit}/write-offs", fw.finance, body)


def test_the_provision_follows_the_aging_and_waits_for_a_second_person(fw: FinanceWorld) -> None:
    _two_years_of_bills(fw)
    asked = _provide(fw)
    assert (asked["required_total"], asked["allowance"], asked["amount"]) == (
        "112.50",
        "0.00",
        "112.50",
    )
    assert asked["required"]["1-2 years"] == "75.00" and asked["required"]["0-30"] == "37.50"
    # Asked is not booked; the maker cannot approve it.
    assert _balance(fw, BAD_DEBT_ALLOWANCE) == 0
    assert_problem(fw.post(f"/approvals/{asked['approval_id']}/approve", fw.finance, {}), 403)
    fw.post(f"/approvals/{asked['approval_id']}/approve", fw.admin, {}, status=200)
    fw.settle("finance_ledger")
    assert _balance(fw, BAD_DEBT_ALLOWANCE) == Decimal("-112.50")
    assert _balance(fw, CREDIT_IMPAIRMENT) == Decimal("112.50")
    # The allowance holds what the aging requires: nothing more to book.
    head = fw.container.event_log.head()
    assert_problem(
        fw.client.post(
            f"/api/v1/finance/estates/{fw.estate_id}/bad-debt-provisions",
            json={"as_of": AS_OF},
            headers=fw.finance.headers,
        ),
        409,
    )
    assert_problem(
        fw.client.post(
            f"/api/v1/finance/estates/{fw.estate_id}/bad-debt-provisions",
            json={"as_of": AS_OF, "rates": {"5-6 years": "0.5"}},
            headers=fw.finance.headers,
        ),
        422,
    )
    assert fw.container.event_log.head() == head


def test_a_write_off_waits_for_two_people_and_leaves_the_aging(fw: FinanceWorld) -> None:
    _two_years_of_bills(fw)
    provided = _provide(fw)
    fw.post(f"/approvals/{provided['approval_id']}/approve", fw.admin, {}, status=200)
    unit = fw.units[0]
    january = _january_bill(fw, unit)
    assert Decimal(january["outstanding"]) == Decimal("250.00")

    head = fw.container.event_log.head()
    assert_problem(_write_off(fw, unit, january["id"], "200.00"), 409)  # all of it or none
    assert fw.container.event_log.head() == head
    asked = _write_off(fw, unit, january["id"], "250.00")
    assert asked.status_code == 202, asked.text
    approval_id = asked.json()["approval_id"]
    view = fw.get(f"/approvals/{approval_id}", fw.admin, after=asked.json()["position"]).json()
    assert (view["kind"], view["status"], view["amount"]) == ("write_off", "pending", "250.00")
    # Asked is not written off: the bill still owes, and the maker never checks.
    assert Decimal(_january_bill(fw, unit)["outstanding"]) == Decimal("250.00")
    head = fw.container.event_log.head()
    assert_problem(fw.post(f"/approvals/{approval_id}/approve", fw.finance, {}), 403)
    assert fw.container.event_log.head() == head

    assert approve_fully(fw, approval_id)["status"] == "approved"
    written = _january_bill(fw, unit)
    assert written["status"] == "settled"
    assert (Decimal(written["outstanding"]), Decimal(written["written_off"])) == (0, 250)
    fw.settle("finance_ledger")
    aging = _aging(fw)
    assert january["id"] not in {b["bill_id"] for b in aging["bills"]}
    assert aging["totals"]["CNY"]["1-2 years"] == "500.00"
    assert _balance(fw, RECEIVABLES) == Decimal("1250.00")
    assert _balance(fw, BAD_DEBT_ALLOWANCE) == Decimal("137.50")  # 112.50 - 250.00, a debit
    entries = fw.get(
        "/finance/ledger/journal", fw.auditor, estate_id=fw.estate_id, after=head
    ).json()["items"]
    [entry] = [e for e in entries if e["event"] == "BillWrittenOff"]
    assert [(x["account"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        (BAD_DEBT_ALLOWANCE, "250.00", "0.00"),
        (RECEIVABLES, "0.00", "250.00"),
    ]
    # The bill stays in the unit's history; it cannot be written off twice.
    assert_problem(_write_off(fw, unit, january["id"], "250.00"), 409)

    again = _provide(fw, rates={"1-2 years": "0.5"})
    assert (again["required_total"], again["allowance"], again["amount"]) == (
        "287.50",
        "-137.50",
        "425.00",
    )


def test_a_payment_after_the_ask_stops_the_write_off_and_a_rejection_changes_nothing(
    fw: FinanceWorld,
) -> None:
    _two_years_of_bills(fw)
    unit = fw.units[1]
    january = _january_bill(fw, unit)
    first = _write_off(fw, unit, january["id"], "200.00").json()
    fw.post(f"/approvals/{first['approval_id']}/reject", fw.admin, {"reason": "not yet"})
    assert Decimal(_january_bill(fw, unit)["outstanding"]) == Decimal("200.00")

    second = _write_off(fw, unit, january["id"], "200.00").json()
    assert pay(fw, unit, "50.00", bill_id=january["id"]).status_code == 201
    # Finance checks (level 1); the manager's approval (level 2) would write it off.
    fw.post(f"/approvals/{second['approval_id']}/approve", fw.admin, {}, status=200)
    head = fw.container.event_log.head()
    refused = fw.post(f"/approvals/{second['approval_id']}/approve", fw.admin, {})
    assert_problem(refused, 409)
    assert "owes 150.00" in refused.json()["detail"]
    assert fw.container.event_log.head() == head
    assert Decimal(_january_bill(fw, unit)["outstanding"]) == Decimal("150.00")
