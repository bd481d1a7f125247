"""Issue 14, defect 3 (revenue in the wrong month), VAT and pass-through money, over HTTP.

Billing January on 6 December put January's fees into December revenue and
January's bills fell due in December. Revenue now follows the month of
service (a contract liability, 合同负债, until then), the due date follows the
period, output VAT is split from tax-inclusive prices per fee item, and water
collected for the utility is a liability, not revenue (decision 0023).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent

from domain.finance import accounts as chart
from domain.finance.account import BillLine, UnitAccount
from tests.e2e.api.test_errors import problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, bill

FEE = chart.FEE_REVENUE["property_fee"]
WATER = chart.FEE_REVENUE["water"]


def _statement(fw: FinanceWorld, name: str, **params: Any) -> Any:
    head = fw.container.event_log.head()
    return fw.get(
        f"/finance/statements/{name}", fw.auditor, estate_id=fw.estate_id, after=head, **params
    ).json()


def _balances(sheet: dict[str, Any]) -> dict[str, str]:
    return {r["account"]: r["balance"] for r in sheet["assets"] + sheet["liabilities"]}


def _revenue(fw: FinanceWorld, start: str, end: str) -> dict[str, str]:
    pl = _statement(fw, "income-statement", **{"from": start, "to": end})
    return {r["account"]: r["amount"] for r in pl["revenue"]}


def _bills(fw: FinanceWorld, period: str) -> list[dict[str, Any]]:
    head = fw.container.event_log.head()
    found = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id, period=period, after=head)
    return found.json()  # type: ignore[no-any-return]


def _tax(fw: FinanceWorld, body: dict[str, Any], status: int = 200) -> Any:
    path = f"/finance/estates/{fw.estate_id}/tax-settings"
    response = fw.client.put(f"/api/v1{path}", json=body, headers=fw.finance.headers)
    assert response.status_code == status, response.text
    return response


def test_january_billed_on_6_december_is_january_revenue_and_falls_due_in_january(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 12, 6, 9)
    run = bill(fw, "2027-01")
    assert Decimal(run["amount"]) == Decimal("750.00")  # 2.50 x (100 + 80 + 120) m²

    bills = _bills(fw, "2027-01")
    assert {(b["issued_on"], b["due_on"]) for b in bills} == {("2026-12-06", "2027-01-16")}

    assert _revenue(fw, "2026-12-01", "2026-12-31") == {}  # no January revenue in December
    december = _statement(fw, "balance-sheet", at="2026-12-31")
    assert _balances(december)[chart.CONTRACT_LIABILITIES] == "750.00"
    assert _balances(december)[chart.RECEIVABLES] == "750.00"
    assert december["totals"]["CNY"]["balanced"] is True
    assert Decimal(december["totals"]["CNY"]["result"]) == 0

    assert _revenue(fw, "2027-01-01", "2027-01-31") == {FEE: "750.00"}
    january = _statement(fw, "balance-sheet", at="2027-01-01")
    assert _balances(january).get(chart.CONTRACT_LIABILITIES, "0.00") == "0.00"
    assert Decimal(january["totals"]["CNY"]["result"]) == Decimal("750.00")

    # The journal shows each line's day: the recognition on 1 January.
    head = fw.container.event_log.head()
    journal = fw.get("/finance/ledger/journal", fw.auditor, estate_id=fw.estate_id, after=head)
    entry = next(e for e in journal.json()["items"] if e["event"] == "BillIssued")
    days = {(line["account"], line["booked_on"]) for line in entry["lines"]}
    assert (chart.CONTRACT_LIABILITIES, "2026-12-06") in days
    assert (FEE, "2027-01-01") in days
    trial = _statement(fw, "trial-balance", to="2026-12-31")
    assert trial["totals"]["CNY"]["balanced"] is True


def test_a_bill_issued_after_its_month_began_is_due_from_its_issue_day(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 1, 25, 9)
    bill(fw, "2026-01")
    assert {b["due_on"] for b in _bills(fw, "2026-01")} == {"2026-02-09"}  # 25 Jan + 15
    assert _revenue(fw, "2026-01-25", "2026-01-25") == {FEE: "750.00"}
    sheet = _statement(fw, "balance-sheet", at="2026-01-25")
    assert chart.CONTRACT_LIABILITIES not in _balances(sheet)


def test_a_general_taxpayer_splits_output_vat_and_water_collected_for_the_utility_is_no_revenue(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    adopt_rate(fw, "parking", "100.00")
    adopt_rate(fw, "water", "3.4500")
    _tax(
        fw,
        {
            "taxpayer": "general",
            "effective_from": "2026-01-01",
            "items": {"water": {"treatment": "pass_through"}},
        },
    )
    view = fw.get(f"/finance/estates/{fw.estate_id}/tax-settings", fw.manager).json()
    assert view["in_force"]["items"]["property_fee"] == {"treatment": "revenue", "vat_rate": "0.06"}
    assert view["in_force"]["items"]["parking"]["vat_rate"] == "0.09"
    fw.clock.set(2026, 2, 28, 9)
    path = f"/finance/estates/{fw.estate_id}/meter-readings"
    unit = fw.units[0]
    for period, value, on in (("2026-01", "100", "2026-01-31"), ("2026-02", "130", "2026-02-27")):
        reading = {"unit_id": unit, "meter": "water", "reading": value, "read_on": on}
        fw.post(path, fw.finance, {"period": period, "readings": [reading]}, status=200)
    bill(fw, "2026-02")

    mine = next(b for b in _bills(fw, "2026-02") if b["unit_id"] == unit)
    lines = {line["item"]: line for line in mine["lines"]}
    # 250.00 / 1.06 = 235.849... -> 235.85, VAT 14.15; 30 m³ x 3.45 = 103.50 passed on
    assert (lines["property_fee"]["net"], lines["property_fee"]["tax"]) == ("235.85", "14.15")
    assert lines["water"]["treatment"] == "pass_through" and lines["water"]["tax"] == "0.00"

    # property fee 250.00 + 200.00 + 300.00: net 235.85 + 188.68 + 283.02 = 707.55
    revenue = _revenue(fw, "2026-02-01", "2026-02-28")
    assert revenue == {FEE: "707.55"}  # no water revenue, no parking (no space assigned)
    sheet = _balances(_statement(fw, "balance-sheet", at="2026-02-28"))
    assert sheet[chart.OUTPUT_VAT] == "42.45"  # 14.15 + 11.32 + 16.98
    assert sheet[chart.UTILITIES_PAYABLE] == "103.50"
    assert sheet[chart.RECEIVABLES] == "853.50"  # 750.00 + 103.50: the owners owe it all


def test_a_small_scale_taxpayer_levies_three_percent_from_the_month_it_was_set(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    _tax(fw, {"taxpayer": "small_scale", "effective_from": "2026-02-01"})
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")  # before the setting: untaxed, as ever
    bill(fw, "2026-02")
    assert _revenue(fw, "2026-01-01", "2026-01-31") == {}
    # January's bills (untaxed, 750.00) are revenue on 1 February, the day they were
    # issued; February's net: 250/1.03 = 242.72 (VAT 7.28), 200/1.03 = 194.17 (5.83),
    # 300/1.03 = 291.26 (8.74): 728.15.
    assert _revenue(fw, "2026-02-01", "2026-02-28") == {FEE: "1478.15"}
    sheet = _balances(_statement(fw, "balance-sheet", at="2026-02-28"))
    assert sheet[chart.OUTPUT_VAT] == "21.85"


def test_tax_settings_that_no_tax_office_would_take_are_refused_and_record_nothing(
    fw: FinanceWorld,
) -> None:
    head = fw.container.event_log.head()
    for body in (
        {
            "taxpayer": "general",
            "effective_from": "2026-01-01",
            "items": {"property_fee": {"treatment": "pass_through"}},
        },
        {
            "taxpayer": "general",
            "effective_from": "2026-01-01",
            "items": {"parking": {"vat_rate": "0.07"}},
        },
        {"taxpayer": "general", "effective_from": "2026-01-15"},
        {"taxpayer": "exempt", "effective_from": "2026-01-01"},
        {
            "taxpayer": "general",
            "effective_from": "2026-01-01",
            "items": {"water": {"vat_rate": 0.09}},
        },
    ):
        problem(_tax(fw, body, status=422), 422)
    assert fw.container.event_log.head() == head
    path = f"/api/v1/finance/estates/{fw.estate_id}/tax-settings"
    body = {"taxpayer": "general", "effective_from": "2026-01-01"}
    problem(fw.client.put(path, json=body, headers=fw.manager.headers), 403)
    problem(fw.client.put(path, json=body, headers=fw.owners[0].headers), 403)
    other = f"/api/v1/finance/estates/{fw.other_estate_id}/tax-settings"
    problem(fw.client.put(other, json=body, headers=fw.finance.headers), 404)
    assert fw.container.event_log.head() == head


def _append_as_an_older_release(fw: FinanceWorld) -> UUID:
    """A unit account and a version 1 ``BillIssued`` (no ``recognised_on``, lines
    without tax), straight into the log: January billed on 6 December by a
    release before decision 0023. The bill's ID."""
    unit = UUID(fw.units[0])
    at = datetime(2026, 12, 6, 9, tzinfo=UTC)
    account = UnitAccount.open(UUID(fw.estate_id), unit, "CNY", at)
    bill_id = uuid4()
    fee = BillLine("property_fee", "fee", Decimal(100), "m2·month", Decimal("2.5"), Decimal(250))
    account.issue_bill(
        bill_id=bill_id,
        period="2027-01",
        run_id=uuid4(),
        lines=[fee],
        payer_ids=[UUID(fw.people[0])],
        days=31,
        days_in_period=31,
        issued_on=at.date(),
        due_on=date(2026, 12, 21),
        at=at,
    )
    mapper = fw.container.event_log.mapper_with_metadata
    stored = [mapper.to_stored_event(e) for e in account.collect_events()]
    state = mapper.transcoder.decode(stored[-1].state)
    assert state.pop("class_version") == 2
    state.pop("recognised_on")
    for line in state["lines"]:
        for key in ("vat_rate", "net", "tax", "treatment"):
            line.pop(key)
    old = StoredEvent(
        originator_id=stored[-1].originator_id,
        originator_version=stored[-1].originator_version,
        topic=stored[-1].topic,
        state=mapper.transcoder.encode(state),
    )
    fw.container.event_log.recorder.insert_events([stored[0], old])
    return bill_id


def test_a_bill_an_older_release_stored_posts_as_it_always_did(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 12, 6, 9)
    bill_id = _append_as_an_older_release(fw)
    # Revenue on its issue day, all of it, no VAT, no contract liability: as booked then.
    assert _revenue(fw, "2026-12-01", "2026-12-31") == {FEE: "250.00"}
    assert _revenue(fw, "2027-01-01", "2027-01-31") == {}
    sheet = _balances(_statement(fw, "balance-sheet", at="2026-12-31"))
    assert chart.CONTRACT_LIABILITIES not in sheet and chart.OUTPUT_VAT not in sheet
    assert sheet[chart.RECEIVABLES] == "250.00"
    # The account still loads it: the bill is paid like any other.
    fw.post(
        f"/finance/units/{fw.units[0]}/payments",
        fw.finance,
        {"amount": "250.00", "method": "bank_transfer", "reference": "B-OLD-1"},
        status=201,
    )
    state = account(fw, fw.units[0])
    assert [(b["id"], b["status"]) for b in state["bills"]] == [(str(bill_id), "settled")]
    assert Decimal(state["outstanding"]) == 0 and Decimal(state["credit"]) == 0
