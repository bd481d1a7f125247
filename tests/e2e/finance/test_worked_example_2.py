"""The second worked example of docs/finance.md, computed there by hand.

The finance world's three units and a fourth, 401 (100 m²), that the
developer never sells: 400 m². A property fee of 2.50 per m² a month
(tax-inclusive, a general taxpayer's 6 % VAT split per bill line), due 15
days after the period begins, a late fee of 0.05 % a day settled by Civil
Code art. 561. Li sells 101 to Wang on 11 February: February is split 89.29
and 160.71 by days, Li keeps the arrears and Wang's money pays Wang's bills
only (his payment charges Li's overdue days, 3.75, and settles none of
them). March is billed on 25 February (2204 until 1 March). Chen pays 201's
January late, in part on day 20 and the rest on day 45. The fund is first
charged by an emergency repair and then topped up on a three-quarters
resolution. Every figure asserted here is in the section's table and totals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, pay, sell
from tests.e2e.finance.test_fund import FUND, account, approve_all, deposit, propose
from tests.e2e.registry.helpers import new_person, new_unit

D = Decimal

# Minutes of 15 March: all four owners took part (400.00 m²); Wang, Zhao and the
# developer, 320.00 m² and 3 owners, voted for; three quarters is 300.00 m², 3 owners.
TOP_UP_VOTE = {
    "reference": "OA-FG-2026-01",
    "meeting_on": "2026-03-15",
    "participating_area": "400.00",
    "participating_owners": 4,
    "area_for": "320.00",
    "owners_for": 3,
}


def _statement(fw: FinanceWorld, name: str, **params: Any) -> Any:
    head = fw.container.event_log.head()
    return fw.get(
        f"/finance/statements/{name}", fw.auditor, estate_id=fw.estate_id, after=head, **params
    ).json()


def _balances(sheet: dict[str, Any]) -> dict[str, Decimal]:
    rows = sheet["assets"] + sheet["liabilities"]
    return {r["account"]: D(str(r["balance"])) for r in rows if D(str(r["balance"]))}


def _revenue(fw: FinanceWorld, start: str, end: str) -> dict[str, Decimal]:
    income = _statement(fw, "income-statement", **{"from": start, "to": end})
    return {r["account"]: D(str(r["amount"])) for r in income["revenue"]}


def _bills(fw: FinanceWorld, period: str) -> list[dict[str, Any]]:
    head = fw.container.event_log.head()
    found = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id, period=period, after=head)
    return found.json()  # type: ignore[no-any-return]


def _put(fw: FinanceWorld, path: str, body: dict[str, Any]) -> None:
    url = f"/api/v1/finance/estates/{fw.estate_id}/{path}"
    response = fw.client.put(url, json=body, headers=fw.finance.headers)
    assert response.status_code == 200, response.text


def _owed(fw: FinanceWorld, unit: str, person: str) -> Decimal:
    fw.settle("finance_accounts")
    path = f"/finance/units/{unit}/owners/{person}/statement"
    return D(str(fw.get(path, fw.finance).json()["balance"]))


def test_a_quarter_with_a_sale_billing_ahead_vat_a_late_fee_a_vacant_unit_and_a_top_up(
    fw: FinanceWorld,
) -> None:
    admin = fw.admin.headers
    u101, u201, u301 = fw.units
    li, chen, zhao = fw.people
    u401 = new_unit(fw.client, admin, fw.building_id, number="401", gross="100.00")[0]
    fw.units.append(u401)
    developer = new_person(fw.client, admin, fw.estate_id, name="Garden Developer")[0]
    wang = new_person(fw.client, admin, fw.estate_id, name="Wang Buyer")[0]
    fw.settle("registry")

    # Facts: the rate, the contract's terms, the tax settings, the vacant-unit payer.
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    _put(fw, "billing-terms", {"due_days": 15, "late_fee_daily_rate": "0.0005"})
    _put(fw, "tax-settings", {"taxpayer": "general", "effective_from": "2026-01-01"})
    _put(fw, "vacancy-payer", {"person_id": developer})

    # 01-01: January billed, due 01-16; 1,000.00 = net 943.40 + VAT 56.60.
    fw.clock.set(2026, 1, 1, 8)
    assert D(bill(fw, "2026-01")["amount"]) == D("1000.00")
    january = {b["unit_id"]: b for b in _bills(fw, "2026-01")}
    assert january[u401]["payer_ids"] == [developer]  # vacant: the named payer's bill
    assert {b["due_on"] for b in january.values()} == {"2026-01-16"}
    # per line: 250.00 -> 235.85 + 14.15, 200.00 -> 188.68 + 11.32, 300.00 -> 283.02 + 16.98
    splits = {u: (b["lines"][0]["net"], b["lines"][0]["tax"]) for u, b in january.items()}
    assert splits == {
        u101: ("235.85", "14.15"),
        u201: ("188.68", "11.32"),
        u301: ("283.02", "16.98"),
        u401: ("235.85", "14.15"),
    }

    # 01-05: first deposits into the fund, 50.00 per m².
    fw.clock.set(2026, 1, 5, 10)
    for unit, amount in enumerate(("5000.00", "4000.00", "6000.00", "5000.00")):
        deposit(fw, unit, amount).raise_for_status()
    fw.clock.set(2026, 1, 10, 10)
    assert pay(fw, u301, "300.00", "bank_transfer", "ICBC-0110").status_code == 201
    fw.clock.set(2026, 1, 12, 10)  # nobody owns 401: the developer is named
    paid = pay(fw, u401, "250.00", "bank_transfer", "ICBC-0112", payer_id=developer)
    assert paid.status_code == 201, paid.text

    # 01-28: the sale of 101 on 11 February is registered.
    fw.clock.set(2026, 1, 28, 10)
    sell(fw, u101, [wang], "2026-02-11")
    fw.settle("registry")

    # 02-01: February billed; 101 split 10/28 and 18/28 of 250.00: 89.29 + 160.71.
    fw.clock.set(2026, 2, 1, 8)
    assert D(bill(fw, "2026-02")["amount"]) == D("1000.00")
    sale = {tuple(b["payer_ids"]): b for b in _bills(fw, "2026-02") if b["unit_id"] == u101}
    assert {p: (b["days"], D(b["principal"])) for p, b in sale.items()} == {
        (li,): (10, D("89.29")),
        (wang,): (18, D("160.71")),
    }
    assert (sale[(li,)]["lines"][0]["net"], sale[(li,)]["lines"][0]["tax"]) == ("84.24", "5.05")
    assert (sale[(wang,)]["lines"][0]["net"], sale[(wang,)]["lines"][0]["tax"]) == (
        "151.61",
        "9.10",
    )

    # 02-05: Chen pays 100.00 on day 20: 2.00 of late fee charged, then art. 561.
    fw.clock.set(2026, 2, 5, 10)
    assert pay(fw, u201, "100.00").status_code == 201
    fw.clock.set(2026, 2, 10, 10)
    assert pay(fw, u301, "300.00", "bank_transfer", "ICBC-0210").status_code == 201
    fw.clock.set(2026, 2, 12, 10)
    paid = pay(fw, u401, "250.00", "bank_transfer", "ICBC-0212", payer_id=developer)
    assert paid.status_code == 201, paid.text
    # 02-15: Wang pays 200.00 before his due date. The unit's overdue days are charged
    # first, Li's January 250.00 x 0.05% x 30 = 3.75; then Wang's 160.71, and 39.29 is
    # Wang's credit. Li's 253.75 + 89.29 are untouched.
    fw.clock.set(2026, 2, 15, 10)
    assert pay(fw, u101, "200.00", "bank_transfer", "ICBC-0215").status_code == 201
    assert _owed(fw, u101, li) == D("343.04")
    assert _owed(fw, u101, wang) == D("-39.29")

    # 02-25: March billed ahead: 2204 until 1 March, due 03-16; Wang's credit used.
    fw.clock.set(2026, 2, 25, 8)
    assert D(bill(fw, "2026-03")["amount"]) == D("1000.00")
    march = _bills(fw, "2026-03")
    assert {(b["issued_on"], b["due_on"]) for b in march} == {("2026-02-25", "2026-03-16")}
    assert [b["payer_ids"] for b in march if b["unit_id"] == u101] == [[wang]]
    # February's late fees 2.00 + 3.75 less their VAT 0.11 + 0.21 (价外费用).
    assert _revenue(fw, "2026-02-01", "2026-02-28") == {"6001.01": D("943.40"), "6051": D("5.43")}
    february = _statement(fw, "balance-sheet", at="2026-02-28")
    assert _balances(february) == {
        "1001": D("100.00"),
        "1002": D("1300.00"),
        "1002.02": D("20000.00"),
        "1122": D("1605.75"),
        "2204": D("1000.00"),
        "2221.01": D("113.52"),  # 113.20 on the bills, 0.32 on the late fees
        "2241": D("20000.00"),
    }
    assert "2204" not in _balances(_statement(fw, "balance-sheet", at="2026-03-01"))

    # 03-02: day 45; Chen pays 304.68: late fees 1.28 (3.275 -> 3.28 less 2.00) and
    # 1.40 (14 days on February), then principal 102.00 and 200.00.
    fw.clock.set(2026, 3, 2, 10)
    assert pay(fw, u201, "304.68").status_code == 201
    fw.settle("finance_accounts")
    chens = fw.get("/finance/payments", fw.finance, unit_id=u201).json()
    allocations = {
        D(p["amount"]): [(D(a["late_fee"]), D(a["principal"])) for a in p["allocations"]]
        for p in chens
    }
    assert allocations == {
        D("100.00"): [(D("2.00"), D("98.00"))],
        D("304.68"): [(D("1.28"), D("102.00")), (D("1.40"), D("200.00"))],
    }

    # 03-10: the fund's first charge, an emergency repair of 2,000.00 by area.
    fw.clock.set(2026, 3, 10, 10)
    emergency = {"category": "roof_leak", "description": "roof of 101-401", "evidence": ["WO-1"]}
    repair = {"purpose": "roof repair", "basis": "emergency", "emergency": emergency}
    proposed = propose(fw, "2000.00", resolution=None, **repair)
    assert proposed.status_code == 201, proposed.text
    approve_all(fw, proposed.json()["approval_id"])
    spending = f"{FUND}/spendings/{proposed.json()['id']}/disbursement"
    fw.post(spending, fw.finance, {"reference": "ICBC-FUND-0310"}, status=200)
    assert [account(fw, u).json()["balance"] for u in range(4)] == [
        "4500.00",
        "3600.00",
        "5400.00",
        "4500.00",
    ]
    assert pay(fw, u301, "300.00", "bank_transfer", "ICBC-0310").status_code == 201

    # 03-20: top-ups on the vote of 15 March. Without the developer's 100 m²:
    # 220.00 < 300.00 m² and 2 < 3 owners, refused and nothing recorded.
    fw.clock.set(2026, 3, 20, 10)
    short = {**TOP_UP_VOTE, "area_for": "220.00", "owners_for": 2}
    head = fw.container.event_log.head()
    assert_problem(deposit(fw, 0, "1000.00", resolution=short), 422)
    assert fw.container.event_log.head() == head
    for unit, amount in enumerate(("1000.00", "800.00", "1200.00", "1000.00")):
        deposit(fw, unit, amount, resolution=TOP_UP_VOTE).raise_for_status()
    funds = [account(fw, u).json() for u in range(4)]
    assert [f["balance"] for f in funds] == ["5500.00", "4400.00", "6600.00", "5500.00"]
    assert [f["first_deposit"] for f in funds] == ["5000.00", "4000.00", "6000.00", "5000.00"]
    assert [f["low_balance_threshold"] for f in funds] == [
        "1500.00",
        "1200.00",
        "1800.00",
        "1500.00",
    ]
    cited = funds[0]["movements"][-1]["resolution"]
    assert (cited["total_area"], cited["total_owners"]) == ("400.00", 4)  # the registry's

    fw.clock.set(2026, 4, 1, 8)
    # Income statement, Q1, net of VAT: 2,830.20 + the late fees 8.43 less their
    # VAT 0.48 (Chen's January 0.11 + 0.08, February 0.08; Li's January 0.21).
    income = _statement(fw, "income-statement", **{"from": "2026-01-01", "to": "2026-03-31"})
    assert {r["account"]: D(str(r["amount"])) for r in income["revenue"]} == {
        "6001.01": D("2830.20"),
        "6051": D("7.95"),
    }
    assert income["expense"] == []
    assert D(str(income["totals"]["CNY"]["net_result"])) == D("2838.15")
    assert _revenue(fw, "2026-01-01", "2026-01-31") == {"6001.01": D("943.40")}
    assert _revenue(fw, "2026-03-01", "2026-03-31") == {"6001.01": D("943.40"), "6051": D("2.52")}

    # Balance sheet at 31 March; VAT payable 169.80 + 0.48.
    sheet = _statement(fw, "balance-sheet", at="2026-03-31")
    assert _balances(sheet) == {
        "1001": D("404.68"),
        "1002": D("1600.00"),
        "1002.02": D("22000.00"),
        "1122": D("1003.75"),
        "2221.01": D("170.28"),
        "2241": D("22000.00"),
    }
    totals = sheet["totals"]["CNY"]
    assert D(str(totals["result"])) == D("2838.15")
    assert D(str(totals["assets"])) == D(str(totals["liabilities_equity_and_result"]))
    assert D(str(totals["assets"])) == D("25008.43")

    # Receivables aging at 31 March, per owner: Li's arrears stay under Li.
    aging = _statement(fw, "receivables-aging", at="2026-03-31")
    payers = {
        b["id"]: b["payer_ids"] for p in ("2026-01", "2026-02", "2026-03") for b in _bills(fw, p)
    }
    per_owner = sorted(
        (payers[b["bill_id"]][0], b["due_on"], b["days_past_due"], b["bucket"], D(b["outstanding"]))
        for b in aging["bills"]
    )
    assert per_owner == sorted(
        [
            (li, "2026-01-16", 74, "31-90", D("253.75")),
            (li, "2026-02-16", 43, "31-90", D("89.29")),
            (wang, "2026-03-16", 15, "0-30", D("210.71")),
            (chen, "2026-03-16", 15, "0-30", D("200.00")),
            (developer, "2026-03-16", 15, "0-30", D("250.00")),
        ]
    )
    buckets = {k: D(str(v)) for k, v in aging["totals"]["CNY"].items() if D(str(v))}
    assert buckets == {
        "0-30": D("660.71"),
        "31-90": D("343.04"),
        "within 1 year": D("1003.75"),
        "total": D("1003.75"),
    }
    unit_101 = next(u for u in aging["units"] if u["unit_id"] == u101)
    assert D(str(unit_101["total"])) == D("553.75")
    # The aging's own grouping by debtor: on 101, Li's 343.04 apart from Wang's 210.71.
    by_debtor = {
        (d["unit_id"], tuple(d["payer_ids"])): (D(str(d["31-90"])), D(str(d["total"])))
        for d in aging["debtors"]
    }
    assert by_debtor == {
        (u101, (li,)): (D("343.04"), D("343.04")),
        (u101, (wang,)): (D(0), D("210.71")),
        (u201, (chen,)): (D(0), D("200.00")),
        (u401, (developer,)): (D(0), D("250.00")),
    }
    assert [b["payer_ids"] for b in aging["bills"]] == [
        payers[b["bill_id"]] for b in aging["bills"]
    ]

    # Each owner's statement.
    statements = {
        "Li": _owed(fw, u101, li),
        "Wang": _owed(fw, u101, wang),
        "Chen": _owed(fw, u201, chen),
        "Zhao": _owed(fw, u301, zhao),
        "developer": _owed(fw, u401, developer),
    }
    assert statements == {
        "Li": D("343.04"),
        "Wang": D("210.71"),
        "Chen": D("200.00"),
        "Zhao": D("0"),
        "developer": D("250.00"),
    }
