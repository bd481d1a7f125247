"""Late fees (违约金) accrue day by day per the contract (issue 14, defect 4; decision 0022).

Through the HTTP API: the contract's terms are set with ``PUT .../billing-terms``,
payments and waivers are recorded and read back over HTTP; the daily job is
run as the scheduler runs it. Units 1-3 owe a property fee of 2.50 per m² of
gross area: 250.00, 200.00 and 300.00 for January, issued on 1 January and
due on 16 January.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, approve_fully, bill, close_period, pay

D = Decimal


def _terms(fw: FinanceWorld, **terms: Any) -> None:
    url = f"/api/v1/finance/estates/{fw.estate_id}/billing-terms"
    response = fw.client.put(url, json=terms, headers=fw.finance.headers)
    assert response.status_code == 200, response.text


def _january(fw: FinanceWorld, **terms: Any) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    if terms:
        _terms(fw, **terms)
    fw.clock.set(2026, 1, 1, 8)
    bill(fw, "2026-01")


def _bill(fw: FinanceWorld, unit: int) -> dict[str, Any]:
    (found,) = [b for b in account(fw, fw.units[unit])["bills"] if b["period"] == "2026-01"]
    return found


def _late_fees(fw: FinanceWorld, unit: int) -> Decimal:
    return D(_bill(fw, unit)["late_fees"])


def _job(fw: FinanceWorld, day: date, hour: int = 2) -> int:
    fw.settle("finance_accounts")  # the job finds overdue bills in the read model
    fw.clock.set(day.year, day.month, day.day, hour)
    charged: int = fw.container.finance.accounts.charge_late_fees(fw.clock())
    return charged


def _pay(fw: FinanceWorld, unit: int, amount: str, day: date) -> list[dict[str, Any]]:
    """Pay cash on ``day``; the payment's allocations as the read model shows them."""
    fw.clock.set(day.year, day.month, day.day, 10)
    response = pay(fw, fw.units[unit], amount)
    assert response.status_code == 201, response.text
    payment = response.json()["id"]
    (found,) = [p for p in account(fw, fw.units[unit])["payments"] if p["id"] == payment]
    return found["allocations"]  # type: ignore[no-any-return]


def _entries(fw: FinanceWorld, memo: str) -> list[dict[str, Any]]:
    head = fw.container.event_log.head()
    found = fw.get(
        "/finance/ledger/journal", fw.auditor, estate_id=fw.estate_id, after=head, limit=1000
    ).json()["items"]
    return [e for e in found if e["memo"] == memo]


def _lines(entry: dict[str, Any]) -> list[tuple[str, Decimal, Decimal, str]]:
    return sorted(
        (r["account"], D(str(r["debit"])), D(str(r["credit"])), r["memo"]) for r in entry["lines"]
    )


def test_45_days_with_a_partial_payment_in_the_middle_charge_what_the_hand_computes(
    fw: FinanceWorld,
) -> None:
    """The contract: 0.05% a day, no grace days, capped at the principal.

    Unit 3 owes 300.00, due 16 January. On 5 February (day 20: 17 January to 5
    February) it pays 100.00: the payment first charges 20 days, 300.00 x 0.05%
    x 20 = 3.00, then settles by art. 561 the late fee 3.00 and principal 97.00;
    203.00 of principal stays. Days 21 to 45 (6 February to 2 March, 25 days)
    accrue 203.00 x 0.05% x 25 = 2.5375: the late fees are 3.00 + 2.5375 =
    5.5375, rounded half up to the fen once, 5.54; 205.54 is owed on 3 March.
    Units 1 and 2 never pay: 250.00 x 0.05% x 45 = 5.625 -> 5.63 and
    200.00 x 0.05% x 45 = 4.50, though the job ran every day and charged a
    day's 0.12 or 0.13 at a time. 6051 late-fee income: 5.54 + 5.63 + 4.50 = 15.67.
    """
    _january(fw, late_fee_daily_rate="0.0005")
    day = date(2026, 1, 17)
    while day <= date(2026, 3, 3):
        if day == date(2026, 2, 5):
            allocations = _pay(fw, 2, "100.00", day)
            assert [(D(a["late_fee"]), D(a["principal"])) for a in allocations] == [
                (D("3.00"), D("97.00"))
            ]
        _job(fw, day)
        day += timedelta(days=1)
    assert [_late_fees(fw, u) for u in (0, 1, 2)] == [D("5.63"), D("4.50"), D("5.54")]
    assert D(_bill(fw, 2)["outstanding"]) == D("205.54")

    (entry,) = [e for e in _entries(fw, "cash payment") if e["booked_on"] == "2026-02-05"]
    assert _lines(entry) == [
        ("1001", D("100.00"), D(0), ""),
        ("1122", D(0), D("3.00"), "late fee"),
        ("1122", D(0), D("97.00"), "principal"),
    ]
    income = fw.get(
        "/finance/statements/income-statement",
        fw.auditor,
        estate_id=fw.estate_id,
        after=fw.container.event_log.head(),
        **{"from": "2026-01-01", "to": "2026-03-31"},
    ).json()
    revenue = {r["account"]: D(str(r["amount"])) for r in income["revenue"]}
    assert revenue["6051"] == D("15.67")


def test_a_payment_after_17_days_charges_exactly_17_days_in_its_own_append(
    fw: FinanceWorld,
) -> None:
    """250.00 x 0.05% x 17 days (17 January to 2 February) = 2.125 -> 2.13: 252.13
    settles the bill to the fen, with no job run and no credit left."""
    _january(fw, late_fee_daily_rate="0.0005")
    head = fw.container.event_log.head()
    allocations = _pay(fw, 0, "252.13", date(2026, 2, 2))
    assert [(D(a["late_fee"]), D(a["principal"])) for a in allocations] == [
        (D("2.13"), D("250.00"))
    ]
    january = _bill(fw, 0)
    assert (D(january["late_fees"]), D(january["outstanding"])) == (D("2.13"), D(0))
    assert D(account(fw, fw.units[0])["credit"]) == 0
    # One append: the late fee and the payment (and the receipt number's claim).
    late = [e for e in _entries(fw, "late fee") if e["position"] > head]
    paid = [e for e in _entries(fw, "cash payment") if e["position"] > head]
    assert paid[0]["position"] == late[0]["position"] + 1
    assert _job(fw, date(2026, 3, 1)) == 2  # units 2 and 3; unit 1 has nothing left to accrue on
    assert _late_fees(fw, 0) == D("2.13")


def test_the_job_charges_through_yesterday_and_twice_the_same_day_charges_once(
    fw: FinanceWorld,
) -> None:
    _january(fw, late_fee_daily_rate="0.0005")
    assert _job(fw, date(2026, 2, 2), hour=2) == 3  # through 1 February: 16 days
    assert _job(fw, date(2026, 2, 2), hour=23) == 0
    assert _late_fees(fw, 0) == D("2.00")  # 250.00 x 0.05% x 16
    assert _job(fw, date(2026, 2, 3)) == 3
    assert _late_fees(fw, 0) == D("2.13")  # 17 days: 2.125, rounded once


def test_no_late_fee_where_the_contract_provides_none(fw: FinanceWorld) -> None:
    _january(fw)  # terms never set
    terms = fw.get(f"/finance/estates/{fw.estate_id}/fee-schedule", fw.finance).json()["terms"]
    assert (D(terms["late_fee_daily_rate"]), terms["configured"]) == (D(0), False)
    assert _job(fw, date(2026, 3, 1)) == 0
    allocations = _pay(fw, 0, "250.00", date(2026, 3, 1))
    assert [(D(a["late_fee"]), D(a["principal"])) for a in allocations] == [(D(0), D("250.00"))]
    _terms(fw, due_days=15)  # terms set, still without a late fee
    assert _job(fw, date(2026, 4, 1)) == 0
    assert [_late_fees(fw, u) for u in (0, 1, 2)] == [D(0)] * 3
    assert _entries(fw, "late fee") == []


def test_grace_days_are_never_charged(fw: FinanceWorld) -> None:
    """Due 16 January, 5 grace days: nothing through 21 January; through 31
    January 10 days (22-31 January): 250.00 x 0.05% x 10 = 1.25."""
    _january(fw, late_fee_daily_rate="0.0005", late_fee_grace_days=5)
    assert _job(fw, date(2026, 1, 22)) == 0
    assert _job(fw, date(2026, 2, 1)) == 3
    assert [_late_fees(fw, u) for u in (0, 1, 2)] == [D("1.25"), D("1.00"), D("1.50")]


def test_the_cap_stops_the_late_fee(fw: FinanceWorld) -> None:
    """Cap 1% of the principal: 2.50 on 250.00, reached on day 20 (2.50)."""
    _january(fw, late_fee_daily_rate="0.0005", late_fee_cap_ratio="0.01")
    assert _job(fw, date(2026, 4, 1)) == 3  # 75 days would be 9.375
    assert _late_fees(fw, 0) == D("2.50")
    assert _job(fw, date(2026, 4, 2)) == 0
    allocations = _pay(fw, 0, "100.00", date(2026, 4, 10))
    assert [(D(a["late_fee"]), D(a["principal"])) for a in allocations] == [(D("2.50"), D("97.50"))]
    assert _late_fees(fw, 0) == D("2.50")


def test_art_561_settles_late_fees_first_and_the_contract_may_say_principal_first(
    fw: FinanceWorld,
) -> None:
    """5 February, 20 days late at 0.05%: unit 1's 250.00 accrued 2.50, unit 2's
    200.00 2.00. Each pays 100.00. Art. 561 (unit 1): late fee 2.50, principal
    97.50, leaving 152.50 to accrue on; principal first (unit 2, after the terms
    changed): principal 100.00, the late fee 2.00 stays, 100.00 accrues. Ten
    days later (through 15 February): unit 1 152.50 x 0.05% x 10 = 0.7625,
    3.2625 -> 3.26; unit 2 100.00 x 0.05% x 10 = 0.50, 2.50."""
    _january(fw, late_fee_daily_rate="0.0005")
    first = _pay(fw, 0, "100.00", date(2026, 2, 5))
    assert [(D(a["late_fee"]), D(a["principal"])) for a in first] == [(D("2.50"), D("97.50"))]
    _terms(fw, late_fee_daily_rate="0.0005", settlement_order="principal_first")
    head = fw.container.event_log.head()
    schedule = fw.get(
        f"/finance/estates/{fw.estate_id}/fee-schedule", fw.finance, after=head
    ).json()
    assert schedule["terms"]["settlement_order"] == "principal_first"
    second = _pay(fw, 1, "100.00", date(2026, 2, 5))
    assert [(D(a["late_fee"]), D(a["principal"])) for a in second] == [(D(0), D("100.00"))]
    _job(fw, date(2026, 2, 16))
    assert (_late_fees(fw, 0), D(_bill(fw, 0)["outstanding"])) == (D("3.26"), D("153.26"))
    assert (_late_fees(fw, 1), D(_bill(fw, 1)["outstanding"])) == (D("2.50"), D("102.50"))
    url = f"/api/v1/finance/estates/{fw.estate_id}/billing-terms"
    wrong = fw.client.put(url, json={"settlement_order": "newest"}, headers=fw.finance.headers)
    assert_problem(wrong, 422)


def test_a_waived_late_fee_reverses_its_income_and_never_accrues_again(
    fw: FinanceWorld,
) -> None:
    """Unit 3: 300.00 x 0.05% x 20 days = 3.00 through 5 February, waived: Dr 6051
    / Cr 1122 3.00. Through 6 February one day more accrues, 0.15: the waived
    days are not charged again (the late fees charged stay 3.15 gross)."""
    _january(fw, late_fee_daily_rate="0.0005")
    _job(fw, date(2026, 2, 6))
    assert _late_fees(fw, 2) == D("3.00")
    january = _bill(fw, 2)["id"]
    waivers = f"/finance/units/{fw.units[2]}/waivers"
    head = fw.container.event_log.head()
    too_much = {"bill_id": january, "amount": "3.01", "reason": "goodwill", "part": "late_fee"}
    assert_problem(fw.post(waivers, fw.finance, too_much), 409)
    assert fw.container.event_log.head() == head
    asked = fw.post(waivers, fw.finance, {**too_much, "amount": "3.00"}, status=201).json()
    assert approve_fully(fw, asked["approval_id"])["status"] == "approved"
    (entry,) = _entries(fw, "late fee waived")
    assert _lines(entry) == [("1122", D(0), D("3.00"), ""), ("6051", D("3.00"), D(0), "")]
    assert _entries(fw, "waiver") == []  # not a fee waiver on 6001.90
    waived = _bill(fw, 2)
    assert (D(waived["waived"]), D(waived["outstanding"])) == (D("3.00"), D("300.00"))
    _job(fw, date(2026, 2, 7))
    again = _bill(fw, 2)
    assert (D(again["late_fees"]), D(again["outstanding"])) == (D("3.15"), D("300.15"))


def test_the_job_on_the_first_books_no_late_fee_into_the_month_closed_that_morning(
    fw: FinanceWorld,
) -> None:
    """The job charges through yesterday; when yesterday's month was closed before it
    ran (a close approved early on the 1st, or the job late), the day's fee is booked
    today, in the open month: a closed month keeps the digest it closed with."""
    _january(fw, late_fee_daily_rate="0.0005")
    _job(fw, date(2026, 1, 31))  # through 30 January
    fw.clock.set(2026, 2, 1, 7)
    fw.settle("finance_ledger")
    close_period(fw, "2026-01")
    assert _job(fw, date(2026, 2, 1), hour=9) > 0  # 31 January's accrual
    fw.settle("finance_ledger")
    late = [e["booked_on"] for e in _entries(fw, "late fee")]
    assert late.count("2026-01-30") == 3 and late.count("2026-02-01") == 3, late
    body = {"estate_id": fw.estate_id, "from": "2026-01-01", "to": "2026-02-01"}
    review = fw.post("/finance/compliance-checks", fw.auditor, body, status=201).json()
    closed = next(c for c in review["checks"] if c["name"] == "closed_periods_unchanged")
    assert closed["passed"] and closed["detail"].startswith("1 closed period(s)"), closed
