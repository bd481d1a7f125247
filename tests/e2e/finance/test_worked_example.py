"""The worked example of docs/finance.md: a small estate over three months, by hand.

Units 1-3 (gross 100, 80, 120 m²) pay a property fee of 2.50 and greening of
0.30 per m² a month: 280.00, 224.00 and 336.00, 840.00 a month. The company
starts with 10,000.00 of capital in the bank; the owners deposit 9,000.00
into the maintenance fund. Unit 1 pays on time in cash, unit 2 overpays once
by bank transfer and lives on credit, unit 3 pays late online. Its contract
provides a late fee of 0.05% a day: the job on 11 February charges its
January bill 4.20 (336.00 x 0.05% x 25 days, 17 January to 10 February), and
its payment of 20 February first charges the days up to its own, 1.68 on
January (10 days) and 0.67 on February (0.672: 4 days from 17 February),
then settles by Civil Code art. 561: the late fees 6.55, then principal
329.45, the oldest first; 6.55 of January's principal stays owed. A 1,200.00
repair is paid in March. Every figure asserted here is computed in
docs/finance.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, approve_fully, bill, pay, post_journal

D = Decimal


def _statement(fw: FinanceWorld, name: str, **params: Any) -> Any:
    head = fw.container.event_log.head()
    return fw.get(
        f"/finance/statements/{name}", fw.auditor, estate_id=fw.estate_id, after=head, **params
    ).json()


def _balances(section: list[dict[str, Any]]) -> dict[str, Decimal]:
    return {row["account"]: D(str(row["balance"])) for row in section}


def test_three_months_of_a_small_estate_give_the_hand_computed_statements(
    fw: FinanceWorld,
) -> None:
    units = fw.units
    # January 1st: the books open, the rates come into force, January is billed.
    post_journal(
        fw,
        "2026-01-01",
        "opening capital",
        [{"account": "1002", "debit": "10000.00"}, {"account": "4001", "credit": "10000.00"}],
    )
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    adopt_rate(fw, "greening", "0.30", basis="gross")
    fw.client.put(
        f"/api/v1/finance/estates/{fw.estate_id}/billing-terms",
        json={"late_fee_daily_rate": "0.0005"},
        headers=fw.finance.headers,
    ).raise_for_status()
    fw.clock.set(2026, 1, 1, 8)
    assert D(bill(fw, "2026-01")["amount"]) == D("840.00")

    fw.clock.set(2026, 1, 5, 10)
    for unit, amount in zip(units, ("3000.00", "2400.00", "3600.00"), strict=True):
        fw.post(
            "/finance/fund/deposits",
            fw.finance,
            {"unit_id": unit, "amount": amount, "method": "bank_transfer", "reference": unit[:8]},
            status=201,
        )
    fw.clock.set(2026, 1, 10, 10)
    assert pay(fw, units[0], "280.00").status_code == 201
    fw.clock.set(2026, 1, 15, 10)  # before its due date: no late fee
    assert pay(fw, units[1], "500.00", "bank_transfer", "ICBC-0115").status_code == 201

    # February: billed on the 1st (unit 2's credit pays its bill), unit 1 pays, the
    # late-fee job charges unit 3's January bill, unit 3 pays once.
    fw.clock.set(2026, 2, 1, 8)
    bill(fw, "2026-02")
    fw.clock.set(2026, 2, 5, 10)
    pay(fw, units[0], "280.00")
    fw.settle("finance_accounts")
    fw.clock.set(2026, 2, 11, 1)  # charges through 10 February
    assert fw.container.finance.accounts.charge_late_fees(fw.clock()) == 1
    fw.clock.set(2026, 2, 20, 10)
    payment = pay(fw, units[2], "336.00", "online", "ALIPAY-0220")
    assert payment.status_code == 201
    fw.settle("finance_accounts")
    paid = fw.get("/finance/payments", fw.auditor, unit_id=units[2]).json()[0]["allocations"]
    assert [(D(a["late_fee"]), D(a["principal"])) for a in paid] == [
        (D("5.88"), D("329.45")),
        (D("0.67"), D("0")),
    ]

    # March: billed; a 1,200.00 repair within budget is approved and paid.
    fw.clock.set(2026, 3, 1, 8)
    bill(fw, "2026-03")
    fw.clock.set(2026, 3, 15, 10)
    fw.client.put(
        f"/api/v1/finance/estates/{fw.estate_id}/budgets/2026",
        json={"lines": {"repairs": "20000.00"}},
        headers=fw.finance.headers,
    ).raise_for_status()
    vendor = fw.post(
        "/finance/vendors",
        fw.admin,
        {
            "name": "Pudong Repairs Ltd",
            "tax_id": "91310115MA1K4ABC12",
            "bank_account": "6222020200112233",
            "categories": ["repairs"],
        },
        status=201,
    ).json()["id"]
    claim = fw.post(
        "/finance/expenses",
        fw.finance,
        {
            "estate_id": fw.estate_id,
            "vendor_id": vendor,
            "category": "repairs",
            "amount": "1200.00",
            "description": "roof gutter of building 1",
            "incurred_on": "2026-03-14",
            "invoice_ref": "INV-2026-0314",
        },
        status=201,
    ).json()
    approve_fully(fw, claim["approval_id"])
    fw.post(
        f"/finance/expenses/{claim['id']}/payment",
        fw.finance,
        {"method": "bank_transfer", "payment_ref": "ICBC-0315"},
        status=200,
    )
    fw.clock.set(2026, 4, 1, 8)

    quarter = {"from": "2026-01-01", "to": "2026-03-31"}
    income = _statement(fw, "income-statement", **quarter)
    revenue = {r["account"]: D(str(r["amount"])) for r in income["revenue"]}
    assert revenue == {"6001.01": D("2250.00"), "6001.07": D("270.00"), "6051": D("6.55")}
    assert {r["account"]: D(str(r["amount"])) for r in income["expense"]} == {"6401.01": D("1200")}
    assert D(str(income["totals"]["CNY"]["net_result"])) == D("1326.55")

    sheet = _statement(fw, "balance-sheet", at="2026-03-31")
    assert _balances(sheet["assets"]) == {
        "1001": D("560.00"),
        "1002": D("9300.00"),
        "1002.02": D("9000.00"),
        "1012": D("336.00"),
        "1122": D("1130.55"),
    }
    assert {k: v for k, v in _balances(sheet["liabilities"]).items() if v} == {"2241": D("9000")}
    assert _balances(sheet["equity"]) == {"4001": D("10000.00")}
    totals = sheet["totals"]["CNY"]
    assert D(str(totals["assets"])) == D("20326.55")
    assert D(str(totals["liabilities_equity_and_result"])) == D("20326.55")

    aging = _statement(fw, "receivables-aging", at="2026-03-31")
    buckets = {k: D(str(v)) for k, v in aging["totals"]["CNY"].items()}
    assert buckets == {
        "not yet due": D("0"),
        "0-30": D("788.00"),
        "31-90": D("342.55"),
        "91-180": D("0"),
        "181-365": D("0"),
        "within 1 year": D("1130.55"),
        "1-2 years": D("0"),
        "2-3 years": D("0"),
        "over 3 years": D("0"),
        "total": D("1130.55"),
    }

    flow = _statement(fw, "cash-flow", **quarter)["totals"]["CNY"]
    categories = {c["category"]: D(str(c["amount"])) for c in flow["categories"]}
    assert categories == {
        "receipts from owners": D("1396.00"),
        "maintenance fund deposits": D("9000.00"),
        "other receipts": D("10000.00"),
        "payments to vendors": D("-1200.00"),
    }
    assert (D(str(flow["opening"])), D(str(flow["closing"]))) == (D(0), D("19196.00"))

    trial = _statement(fw, "trial-balance", **quarter)["totals"]["CNY"]
    assert D(str(trial["debit"])) == D(str(trial["credit"]))

    owner = fw.get(f"/finance/units/{units[2]}/statement", fw.owners[2], **quarter).json()[
        "currencies"
    ]["CNY"]
    assert D(str(owner["closing"])) == D("678.55")
