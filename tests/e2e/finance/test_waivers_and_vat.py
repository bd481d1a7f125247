"""A waiver takes back the output VAT in what it waives, over HTTP (decision 0023).

A waiver debited 6001.90 with the whole amount, VAT included, and left the VAT
of a fee nobody will pay in 应交税费—应交增值税(销项税额): the company would
have declared and paid output VAT on money it forgave. A waiver now takes back
the VAT in the principal it waives, and a bill billed ahead, waived before its
month begins, leaves the contract liability (2204) and comes off revenue only
in its month.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain.finance import accounts as chart
from domain.finance.account import UnitAccount
from domain.finance.account_postings import post
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, approve_fully, bill

D = Decimal


def _general_taxpayer(fw: FinanceWorld) -> None:
    body = {"taxpayer": "general", "effective_from": "2026-01-01", "items": {}}
    path = f"/api/v1/finance/estates/{fw.estate_id}/tax-settings"
    response = fw.client.put(path, json=body, headers=fw.finance.headers)
    assert response.status_code == 200, response.text


def _waive(fw: FinanceWorld, unit: int, bill_id: str, amount: str) -> None:
    asked = fw.post(
        f"/finance/units/{fw.units[unit]}/waivers",
        fw.finance,
        {"bill_id": bill_id, "amount": amount, "reason": "goodwill: lift out of order"},
        status=201,
    ).json()
    assert approve_fully(fw, asked["approval_id"])["status"] == "approved"


def _bill_of(fw: FinanceWorld, unit: int, period: str) -> dict[str, Any]:
    head = fw.container.event_log.head()
    found = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id, period=period, after=head)
    (one,) = [b for b in found.json() if b["unit_id"] == fw.units[unit]]
    return one  # type: ignore[no-any-return]


def _waivers(fw: FinanceWorld) -> list[list[tuple[str, str, D, D]]]:
    """The waivers' entries, oldest first: (account, day, debit, credit) per line."""
    head = fw.container.event_log.head()
    found = fw.get(
        "/finance/ledger/journal", fw.auditor, estate_id=fw.estate_id, after=head, limit=1000
    ).json()["items"]
    return [
        sorted(
            (r["account"], r["booked_on"], D(str(r["debit"])), D(str(r["credit"])))
            for r in e["lines"]
        )
        for e in reversed(found)
        if e["memo"] == "waiver"
    ]


def _balance_sheet(fw: FinanceWorld, at: str) -> dict[str, str]:
    head = fw.container.event_log.head()
    sheet = fw.get(
        "/finance/statements/balance-sheet", fw.auditor, estate_id=fw.estate_id, at=at, after=head
    ).json()
    assert sheet["totals"]["CNY"]["balanced"] is True
    return {r["account"]: r["balance"] for r in sheet["assets"] + sheet["liabilities"]}


def test_a_bill_waived_in_three_parts_takes_back_exactly_its_output_vat(fw: FinanceWorld) -> None:
    """Unit 1 (100 m² at 2.50, VAT 6% included) owes 250.00: net 235.85, VAT 14.15.
    Waived 83.33, 83.33 and 83.34: the VAT in what was waived so far, to the fen,
    less what earlier parts took back: 83.33 x 14.15 / 250 = 4.7165 -> 4.72;
    166.66 x 14.15 / 250 = 9.4330 -> 9.43, so 4.71; then 14.15 - 9.43 = 4.72.
    The parts sum to 14.15, the bill's VAT, and no VAT is left for the bill."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    _general_taxpayer(fw)
    fw.clock.set(2026, 1, 1, 9)
    bill(fw, "2026-01")
    january = _bill_of(fw, 0, "2026-01")
    assert D(january["principal"]) == D("250.00")
    before = _balance_sheet(fw, "2026-01-31")
    # 250.00, 200.00, 300.00 each less its VAT: 14.15 + 11.32 + 16.98
    assert before[chart.OUTPUT_VAT] == "42.45"

    fw.clock.set(2026, 1, 20, 9)
    for part in ("83.33", "83.33", "83.34"):
        _waive(fw, 0, january["id"], part)

    day = "2026-01-20"
    taken_back = [D("4.72"), D("4.71"), D("4.72")]
    assert _waivers(fw) == [
        sorted(
            [
                (chart.RECEIVABLES, day, D(0), D(part)),
                (chart.FEE_WAIVERS, day, D(part) - vat, D(0)),
                (chart.OUTPUT_VAT, day, vat, D(0)),
            ]
        )
        for part, vat in zip(("83.33", "83.33", "83.34"), taken_back, strict=True)
    ]
    assert sum(taken_back) == D("14.15")
    after = _balance_sheet(fw, "2026-01-31")
    assert after[chart.OUTPUT_VAT] == "28.30"  # the other two bills' VAT alone
    assert after[chart.RECEIVABLES] == "500.00"
    waived = _bill_of(fw, 0, "2026-01")
    assert (D(waived["waived"]), D(waived["outstanding"])) == (D("250.00"), D(0))


def test_a_bill_billed_ahead_and_waived_before_its_month_leaves_2204_and_no_december_revenue(
    fw: FinanceWorld,
) -> None:
    """January billed on 6 December and unit 1's bill waived on 10 December: the
    waiver clears the receivable and the contract liability in December, and comes
    off January's revenue and VAT on 1 January, when the bill's revenue comes on."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    _general_taxpayer(fw)
    fw.clock.set(2026, 12, 6, 9)
    bill(fw, "2027-01")
    january = _bill_of(fw, 0, "2027-01")
    fw.clock.set(2026, 12, 10, 9)
    _waive(fw, 0, january["id"], "250.00")

    (entry,) = _waivers(fw)
    assert entry == sorted(
        [
            (chart.RECEIVABLES, "2026-12-10", D(0), D("250.00")),
            (chart.CONTRACT_LIABILITIES, "2026-12-10", D("250.00"), D(0)),
            (chart.CONTRACT_LIABILITIES, "2027-01-01", D(0), D("250.00")),
            (chart.FEE_WAIVERS, "2027-01-01", D("235.85"), D(0)),
            (chart.OUTPUT_VAT, "2027-01-01", D("14.15"), D(0)),
        ]
    )
    december = _balance_sheet(fw, "2026-12-31")
    assert december[chart.CONTRACT_LIABILITIES] == "500.00"  # units 2 and 3 alone
    assert december[chart.RECEIVABLES] == "500.00"
    assert chart.OUTPUT_VAT not in december
    head = fw.container.event_log.head()
    income = fw.get(
        "/finance/statements/income-statement",
        fw.auditor,
        estate_id=fw.estate_id,
        after=head,
        **{"from": "2026-12-01", "to": "2026-12-31"},
    ).json()
    assert income["revenue"] == []  # nothing of January yet, the waiver neither
    january_sheet = _balance_sheet(fw, "2027-01-01")
    assert january_sheet.get(chart.CONTRACT_LIABILITIES, "0.00") == "0.00"
    assert january_sheet[chart.OUTPUT_VAT] == "28.30"


def test_a_waiver_an_older_release_stored_posts_as_it_always_did() -> None:
    """A version 1 ``BillWaived`` named no VAT: upcast, it debits 6001.90 with all of
    it on its own day, as it was booked then (events are forever)."""
    state: dict[str, Any] = {
        "estate_id": "e",
        "unit_id": "u",
        "waiver_id": "w",
        "bill_id": "b",
        "amount": D("250.00"),
        "currency": "CNY",
        "approval_id": "a",
        "booked_on": date(2026, 1, 20),
    }
    UnitAccount.BillWaived.upcast_v1_v2(state)
    entry = post("BillWaived", state)
    assert entry is not None
    assert sorted((ln.account, ln.debit, ln.credit) for ln in entry.lines) == [
        (chart.RECEIVABLES, D(0), D("250.00")),
        (chart.FEE_WAIVERS, D("250.00"), D(0)),
    ]


def test_a_late_fee_carries_the_bills_vat_and_its_waiver_gives_it_back(fw: FinanceWorld) -> None:
    """Unit 3 owes 300.00 with 16.98 VAT (0.0566 of it), due 16 January; 0.05 % a
    day. Through 5 February, 20 days: 3.00, of which VAT 3.00 x 0.0566 = 0.1698 ->
    0.17 (a 违约金 is 价外费用 of the property service); through 6 February, 0.15
    more: 3.15 x 0.0566 = 0.1783 -> 0.18, so 0.01 more. Waived whole, 3.15 gives
    back the 0.18."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    _general_taxpayer(fw)
    terms = f"/api/v1/finance/estates/{fw.estate_id}/billing-terms"
    response = fw.client.put(
        terms, json={"late_fee_daily_rate": "0.0005"}, headers=fw.finance.headers
    )
    assert response.status_code == 200, response.text
    fw.clock.set(2026, 1, 1, 8)
    bill(fw, "2026-01")
    for day in (6, 7):  # the job at night charges through the day before
        fw.settle("finance_accounts")  # the job finds overdue bills in the read model
        fw.clock.set(2026, 2, day, 2)
        assert fw.container.finance.accounts.charge_late_fees(fw.clock()) >= 1

    def entries(memo: str) -> list[list[tuple[str, D, D]]]:
        head = fw.container.event_log.head()
        found = fw.get(
            "/finance/ledger/journal", fw.auditor, estate_id=fw.estate_id, after=head, limit=1000
        ).json()["items"]
        return [
            sorted((r["account"], D(str(r["debit"])), D(str(r["credit"]))) for r in e["lines"])
            for e in reversed(found)
            if e["memo"] == memo
            and any(r["account"] == chart.RECEIVABLES for r in e["lines"])
            and e["lines"][0]["unit_id"] == fw.units[2]
        ]

    assert entries("late fee") == [
        sorted([(chart.RECEIVABLES, D("3.00"), D(0)), (chart.LATE_FEE_INCOME, D(0), D("2.83")),
                (chart.OUTPUT_VAT, D(0), D("0.17"))]),
        sorted([(chart.RECEIVABLES, D("0.15"), D(0)), (chart.LATE_FEE_INCOME, D(0), D("0.14")),
                (chart.OUTPUT_VAT, D(0), D("0.01"))]),
    ]  # fmt: skip
    january = _bill_of(fw, 2, "2026-01")
    asked = fw.post(
        f"/finance/units/{fw.units[2]}/waivers",
        fw.finance,
        {"bill_id": january["id"], "amount": "3.15", "reason": "goodwill", "part": "late_fee"},
        status=201,
    ).json()
    assert approve_fully(fw, asked["approval_id"])["status"] == "approved"
    assert entries("late fee waived") == [
        sorted([(chart.RECEIVABLES, D(0), D("3.15")), (chart.LATE_FEE_INCOME, D("2.97"), D(0)),
                (chart.OUTPUT_VAT, D("0.18"), D(0))]),
    ]  # fmt: skip
