"""``estatelog demo``: a living estate loaded through the ordinary commands."""

from __future__ import annotations

import calendar
import os
import stat
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from domain.finance.accounts import (
    BAD_DEBT_ALLOWANCE,
    CONTRACT_LIABILITIES,
    OUTPUT_VAT,
    PROFIT_FOR_THE_YEAR,
    RETAINED_EARNINGS,
)
from infrastructure.settings import Settings
from interfaces.cli.demo import ESTATE_CODE, load_demo
from projections.runtime import wait_for_position
from tests.conftest import bearer, login
from tests.integration.replay.test_backup_restore import _cli
from tests.support.pages import body_of, every_page
from tests.support.world import world

PASSWORD = "demo-pass-7Qx2-kLm9"
REVENUE = "6001.01"  # 主营业务收入—物业费


def _settled(container: Container) -> int:
    """Wait until every read model has applied the whole log; the head."""
    head = container.event_log.head()
    for projection in container.projector.projections:
        assert wait_for_position(container.pool, projection.name, head, 30), projection.name
    return head


def _get(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    """The answer's body; of a list (``{items, next_cursor}``), its first page's items."""
    response = client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return body_of(response)


def _all_units(client: TestClient, headers: dict[str, str], estate_id: str) -> list[Any]:
    params = {"estate_id": estate_id, "limit": 100}
    return every_page(client, "/api/v1/units", params, headers=headers)


def test_the_demo_estate_is_visible_through_the_api(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    assert summary.loaded and summary.seconds < 60
    _settled(running)

    estates = _get(client, admin, "/api/v1/estates")
    [estate] = [e for e in estates if e["code"] == ESTATE_CODE]
    assert estate["id"] == str(summary.estate_id)
    estate_id = estate["id"]
    buildings = _get(client, admin, "/api/v1/buildings", estate_id=estate_id)
    assert sorted(b["code"] for b in buildings) == ["A", "B", "C"]
    units = _all_units(client, admin, estate_id)
    assert 40 <= len(units) <= 60
    assert all(float(u["internal_area"]) <= float(u["gross_area"]) for u in units)
    assert {u["use"] for u in units} >= {"residential", "commercial", "storage"}
    assert len(_get(client, admin, "/api/v1/parking", estate_id=estate_id)) >= 10
    people = _get(client, admin, "/api/v1/people", estate_id=estate_id)
    assert len(people) >= 10

    equipment = _get(client, admin, "/api/v1/equipment", estate_id=estate_id, limit=100)
    kinds = Counter(e["kind"] for e in equipment)
    assert kinds["elevator"] >= 3 and kinds["fire_system"] == 1
    assert kinds["pump"] >= 1 and kinds["meter"] >= 1
    assert len({e["installed_on"][:4] for e in equipment}) >= 4  # across the years

    alarms = _get(client, admin, "/api/v1/alarms", estate_id=estate_id, limit=100)
    statuses = Counter(a["status"] for a in alarms)
    assert {"raised", "acknowledged", "escalated", "cleared"} <= set(statuses), statuses
    assert any(a.get("work_order_id") for a in alarms)

    orders = _get(client, admin, "/api/v1/workorders", estate_id=estate_id, limit=100)
    states = {o["status"] for o in orders}
    assert {
        "submitted",
        "triaged",
        "assigned",
        "in_progress",
        "on_hold",
        "completed",
        "rated",
        "closed",
        "cancelled",
    } <= states, states
    assert {o["source"] for o in orders} == {"resident", "staff", "alarm", "plan", "patrol"}
    dashboard = _get(client, admin, "/api/v1/workorders/dashboard", estate_id=estate_id)
    assert dashboard["open_total"] >= 5
    assert dashboard["respond_sla"]["missed"] >= 1  # the SLA breach
    assert dashboard["mean_rating"] is not None

    plans = _get(client, admin, "/api/v1/maintenance-plans", estate_id=estate_id)
    assert len(plans) == 2
    approvals = _get(client, admin, "/api/v1/approvals", estate_id=estate_id)
    assert {a["status"] for a in approvals} == {"approved", "pending"}
    complaints = _get(client, admin, "/api/v1/complaints", estate_id=estate_id)
    assert len(complaints) == 2
    # The meter round (issue 17): read on the route, one held as a jump, one left
    # unread, one submitted by its owner with a photo and confirmed.
    li = bearer(login(client, "hvg.tech.li", PASSWORD))
    [tour] = _get(client, li, "/api/v1/meter-rounds")
    assert (tour["meter_count"], tour["read_count"], tour["held_count"]) == (9, 7, 1)
    [held] = _get(client, admin, "/api/v1/meter-readings", estate_id=estate_id, status="held")
    unread_path = f"/api/v1/estates/{estate_id}/unread-meters"
    unread = _get(client, admin, unread_path, period=tour["period"])
    assert [(m["serial"], m["waiting"]) for m in unread] == [("SH-W-B202", 1), ("SH-E-C101", 0)]
    zhang = bearer(login(client, "hvg.zhangwei", PASSWORD))
    [own] = _get(client, zhang, "/api/v1/meters")
    assert own["serial"] == "SH-W-A501" and own["id"] != held["meter_id"]
    sent = _get(client, zhang, f"/api/v1/meters/{own['id']}/readings")
    assert (sent[0]["source"], sent[0]["status"]) == ("resident", "recorded")

    # Every event carries the metadata; a person's step names that person.
    trail = _get(client, admin, "/api/v1/audit/events", aggregate_id=estate_id)["items"]
    assert [e["actor_role"] for e in trail] == ["demo"]
    rated = _get(
        client, admin, "/api/v1/audit/events", aggregate_type="WorkOrder", event_type="Rated"
    )["items"]
    assert rated and all(e["actor_role"] == "demo" and e["actor_id"] for e in rated)
    assert len({e["correlation_id"] for e in rated}) == 1

    # The staff see their estate; the manager has things to do.
    manager = bearer(login(client, "hvg.manager", PASSWORD))
    assert _get(client, manager, "/api/v1/workorders/dashboard", estate_id=estate_id)
    assert _get(client, manager, "/api/v1/tasks/mine")
    technician = bearer(login(client, "hvg.tech.zhao", PASSWORD))
    zhao = running.identity.find("hvg.tech.zhao")
    assert zhao is not None
    mine = _get(client, technician, "/api/v1/workorders")
    assert mine and all(o["assignee_id"] == str(zhao.id) for o in mine)
    reminders = _get(client, manager, "/api/v1/notifications/reminders")
    assert {r["status"] for r in reminders} == {"fired", "scheduled"}

    # The manager's morning: last month's data-quality run and the day's figures.
    assert summary.counts["quality_runs"] == 1
    [run] = _get(client, manager, f"/api/v1/estates/{estate_id}/quality/runs")
    assert run["trigger"] == "on_demand" and run["month"] < f"{datetime.now(UTC):%Y-%m}"
    board = _get(client, manager, f"/api/v1/estates/{estate_id}/dashboard")
    assert board["quality"]["id"] == run["id"]
    assert board["occupancy"]["units"] == len(units) and 0 < board["occupancy"]["occupied"] < len(
        units
    )
    assert board["work_orders"]["open"] >= 1 and board["alarms"]["active"] >= 1
    assert [c["currency"] for c in board["collection"]["year"]] == ["CNY"]


def test_the_demo_walked_a_night_patrol_with_an_abnormal_point_and_a_missed_one(
    client: TestClient, running: Container
) -> None:
    load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    _settled(running)
    guard = bearer(login(client, "hvg.gate", PASSWORD))
    [task] = _get(client, guard, "/api/v1/patrol-tasks")
    assert task["status"] == "closed" and task["completion_rate"] == "0.7500"
    assert (task["checked"], task["missed"], task["abnormal"]) == (3, 1, 1)
    points = _get(client, guard, f"/api/v1/patrol-tasks/{task['id']}")["point_list"]
    assert [p["state"] for p in points] == ["checked", "checked", "checked", "missed"]
    [opened] = [p["work_order_id"] for p in points if p["work_order_id"]]
    manager = bearer(login(client, "hvg.manager", PASSWORD))
    order = _get(client, manager, f"/api/v1/workorders/{opened}")
    assert order["source"] == "patrol" and "0.18 MPa" in order["description"]
    [row] = _get(client, manager, "/api/v1/patrol-reports/completion", group="route")
    assert row["completion_rate"] == "0.7500" and row["missed"] == 1
    auditor = bearer(login(client, "hvg.auditor", PASSWORD))
    missed = _get(
        client,
        auditor,
        "/api/v1/audit/events",
        aggregate_type="PatrolTask",
        event_type="PointMissed",
    )["items"]
    assert len(missed) == 1  # the event the property managers' alert is derived from


def test_a_resident_logs_in_with_the_password_and_sees_only_their_own_unit(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    _settled(running)
    residents = [a for a in summary.accounts if a.role == "owner"]
    assert len(residents) >= 8
    roles = {a.role for a in summary.accounts}
    assert {"property_manager", "technician", "customer_service", "finance", "auditor"} <= roles

    resident = bearer(login(client, "hvg.wangfang", PASSWORD))
    units = _get(client, resident, "/api/v1/units")
    assert [(u["number"]) for u in units] == ["302"]
    board = _get(client, resident, "/api/v1/announcement-board")
    assert [a["title"] for a in board] == ["Water supply interruption on Saturday"]
    orders = _get(client, resident, "/api/v1/workorders")
    assert [o["status"] for o in orders] == ["closed"]
    assert _get(client, resident, "/api/v1/surveys", status="answered")

    # The buyer of A-101 sees the unit, and its history shows the sale.
    buyer = bearer(login(client, "hvg.linyu", PASSWORD))
    [unit] = _get(client, buyer, "/api/v1/units")
    history = _get(client, admin, f"/api/v1/units/{unit['id']}/occupancy")
    assert [h["relation"] for h in history] == ["owner", "owner"]
    assert history[0]["moved_out_on"] == history[1]["moved_in_on"]


def test_a_second_load_adds_nothing(container: Container) -> None:
    first = load_demo(container, password=PASSWORD, now=datetime.now(UTC))
    head = container.event_log.head()
    again = load_demo(container, password=PASSWORD, now=datetime.now(UTC))
    assert first.loaded and not again.loaded
    assert again.estate_id == first.estate_id
    assert container.event_log.head() == head


def test_the_command_loads_the_demo_once_and_keeps_the_password_private(
    container: Container, settings: Settings
) -> None:
    done = _cli(settings, "demo")
    assert done.returncode == 0, done.stderr
    path = settings.secrets_dir / "demo-password"
    password = path.read_text().strip()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert password in done.stdout  # printed once, to the caller
    assert "hvg.manager" in done.stdout and "hvg.tech.li" in done.stdout
    assert password not in done.stderr  # never in the logs
    head = container.event_log.head()
    user = container.identity.find("hvg.manager")
    assert user is not None and container.identity.passwords.verify(user.password_hash, password)

    again = _cli(settings, "demo")
    assert again.returncode == 0, again.stderr
    assert "loaded already" in again.stdout and password not in again.stdout
    assert container.event_log.head() == head
    assert path.read_text().strip() == password


def test_the_command_fails_clearly_when_a_demo_username_is_taken(
    container: Container, settings: Settings
) -> None:
    container.identity.ensure_admin("admin", "moss-lantern-harbour-39")
    world(container, PASSWORD).account("hvg.manager", [], display_name="Someone else")
    head = container.event_log.head()
    refused = _cli(settings, "demo")
    assert refused.returncode == 1
    assert "hvg.manager" in refused.stderr and "taken" in refused.stderr
    assert container.event_log.head() == head
    assert not (settings.secrets_dir / "demo-password").exists()


def _months(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] != last:
        year, month = map(int, out[-1].split("-"))
        out.append(f"{year + month // 12:04d}-{month % 12 + 1:02d}")
    return out


def _last_day(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{period}-{calendar.monthrange(year, month)[1]:02d}"


def _played() -> list[str]:
    """The three months before this one, which the demo plays day by day."""
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1
    return [f"{(index - n) // 12:04d}-{(index - n) % 12 + 1:02d}" for n in (3, 2, 1)]


def _opening() -> str:
    """The December the demo's books open in (the year before the first month played)."""
    return f"{int(_played()[0][:4]) - 1:04d}-12"


def test_the_demo_estate_keeps_three_months_of_books_that_pass_the_auditors_checks(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    head = _settled(running)
    counts = summary.counts
    # Every unit, four months (the opening December and three played), eight owned,
    # the rest the developer's (空置房); B-202's last month split by its sale.
    assert counts["bills"] == 4 * counts["units"] + 1
    assert counts["payments"] >= 25 and counts["expenses"] == 5
    assert counts["late_fees"] >= 1 and counts["payment_reminders"] >= 1
    assert counts["compliance_reviews"] == 1 and counts["compliance_findings"] == 0
    estate_id = str(summary.estate_id)
    finance = bearer(login(client, "hvg.finance", PASSWORD))
    auditor = bearer(login(client, "hvg.auditor", PASSWORD))
    bills = _get(client, finance, "/api/v1/finance/bills", estate_id=estate_id, limit=500)
    assert len(bills) == counts["bills"] and any(b["status"] == "open" for b in bills)
    # One payer, the developer, has every vacant unit's bills; the owners the other 33.
    payers = Counter(tuple(b["payer_ids"]) for b in bills)
    [(_, developers)] = payers.most_common(1)
    assert developers == 4 * (counts["units"] - 8) and len(bills) - developers == 4 * 8 + 1
    sheet = _get(
        client,
        auditor,
        "/api/v1/finance/statements/balance-sheet",
        estate_id=estate_id,
        after=head,
    )
    assert sheet["totals"]["CNY"]["balanced"] is True
    aging = _get(
        client, auditor, "/api/v1/finance/statements/receivables-aging", estate_id=estate_id
    )
    assert float(aging["totals"]["CNY"]["total"]) > 0  # B-202 never paid
    fund = _get(client, auditor, "/api/v1/finance/statements/fund", estate_id=estate_id)
    assert fund["units"]
    reviews = _get(client, auditor, "/api/v1/finance/compliance-checks", estate_id=estate_id)
    assert len(reviews) == 1 and reviews[0]["passed"] is True
    assert reviews[0]["findings"] == 0  # the demo means none: its books are in order


def _trial_balance(
    client: TestClient, headers: dict[str, str], estate_id: str, head: int, **params: Any
) -> tuple[dict[str, Any], dict[str, Decimal]]:
    tb = _get(
        client,
        headers,
        "/api/v1/finance/statements/trial-balance",
        estate_id=estate_id,
        after=head,
        **params,
    )
    return tb["totals"]["CNY"], {r["account"]: Decimal(r["closing"]) for r in tb["rows"]}


def test_the_demo_books_open_a_year_earlier_and_close_it_into_retained_earnings(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    head = _settled(running)
    estate_id = str(summary.estate_id)
    auditor = bearer(login(client, "hvg.auditor", PASSWORD))
    finance = bearer(login(client, "hvg.finance", PASSWORD))
    opening, first = _opening(), _played()[0]
    year_end = f"{opening}-31"

    # Every month from the opening December to the first played one is closed,
    # each asked by the clerk and approved by someone else.
    periods = _get(client, auditor, f"/api/v1/finance/estates/{estate_id}/periods")
    assert [p["period"] for p in periods["closed"]] == _months(opening, first)
    closes = [
        a
        for a in _get(client, admin, "/api/v1/approvals", estate_id=estate_id)
        if a["kind"] == "period_close"
    ]
    assert len(closes) == len(_months(opening, first))
    for approval in closes:
        assert approval["status"] == "approved"
        trail = _get(client, admin, "/api/v1/audit/events", aggregate_id=approval["id"])
        deciders = {e["actor_id"] for e in trail["items"][1:]}
        assert deciders and approval["requested_by"] not in deciders

    # The opening balances are a manual journal a second person approved; the
    # year end closed the opening year's result into 4104 on 31 December.
    entries = _get(
        client,
        auditor,
        "/api/v1/finance/ledger/journal",
        estate_id=estate_id,
        limit=1000,
        **{"from": f"{opening}-01", "to": year_end},
    )["items"]
    kinds = Counter(e["aggregate"] for e in entries)
    assert kinds["ManualJournal"] == 1 and kinds["YearEnd"] == 1, kinds
    [closing] = [e for e in entries if e["aggregate"] == "YearEnd"]
    assert closing["booked_on"] == year_end
    totals, balances = _trial_balance(client, auditor, estate_id, head, to=year_end)
    assert totals["balanced"] and Decimal(totals["closing"]) == 0
    income = _get(
        client,
        auditor,
        "/api/v1/finance/statements/income-statement",
        estate_id=estate_id,
        after=head,
        **{"from": f"{opening[:4]}-01-01", "to": year_end},
    )
    result = Decimal(income["totals"]["CNY"]["net_result"])
    assert result > 0 and balances[RETAINED_EARNINGS] == -result
    assert balances[PROFIT_FOR_THE_YEAR] == 0 and balances[REVENUE] == 0

    # The opening month's bank statement (an ICBC export) reconciles to the fen.
    reconciliation = _get(
        client,
        finance,
        f"/api/v1/finance/estates/{estate_id}/bank-reconciliation",
        as_of=year_end,
    )
    assert Decimal(reconciliation["difference"]) == 0
    assert reconciliation["matched"] and not reconciliation["unmatched_lines"]
    assert not reconciliation["unmatched_payments"]

    # Accrual: the last month, billed ahead, sat on 2204 until it began; its VAT is
    # output tax. The trial balance of the whole history is zero.
    last = _played()[-1]
    _, billed_ahead = _trial_balance(client, auditor, estate_id, head, to=_last_day(_played()[1]))
    assert billed_ahead[CONTRACT_LIABILITIES] < 0
    totals, now = _trial_balance(client, auditor, estate_id, head)
    assert totals["balanced"] and now[OUTPUT_VAT] < 0
    # What is left on 2204 is the tenant's prepaid parking pass (450.00 at 9 %: 412.84 net),
    # none of whose three months is over (docs/parking.md).
    assert abs(now[CONTRACT_LIABILITIES]) == Decimal("412.84")
    ahead = _get(client, finance, "/api/v1/finance/bills", estate_id=estate_id, period=last)
    assert {b["issued_on"][:7] for b in ahead} == {_played()[1]}
    tax = _get(client, auditor, f"/api/v1/finance/estates/{estate_id}/tax-settings")
    assert tax["in_force"]["taxpayer"] == "general"

    # The bad-debt provision is on 1231, and the receipts are numbered per year.
    assert now[BAD_DEBT_ALLOWANCE] < 0
    receipts = _get(client, finance, "/api/v1/finance/receipts", estate_id=estate_id)
    numbers = sorted(r["number"] for r in receipts)
    assert numbers[0] == f"SJ-HVG-{opening[:4]}-000001"
    assert f"SJ-HVG-{first[:4]}-000001" in numbers


def _unit(client: TestClient, headers: dict[str, str], estate_id: str, code: str) -> str:
    """The ID of unit ``code`` ("B-202")."""
    building, number = code.split("-")
    buildings = _get(client, headers, "/api/v1/buildings", estate_id=estate_id)
    [building_id] = [b["id"] for b in buildings if b["code"] == building]
    units = _all_units(client, headers, estate_id)
    [unit] = [u for u in units if u["building_id"] == building_id and u["number"] == number]
    return str(unit["id"])


def test_the_demo_shows_a_sale_in_arrears_an_online_payment_a_write_off_and_the_desk(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    head = _settled(running)
    estate_id = str(summary.estate_id)
    finance = bearer(login(client, "hvg.finance", PASSWORD))
    last = _played()[-1]

    # B-202 was sold on the 15th of the last month: the month is split to the day;
    # the buyer paid their days, the seller's arrears stay the seller's.
    sold = _unit(client, admin, estate_id, "B-202")
    month = _get(client, finance, "/api/v1/finance/bills", estate_id=estate_id, period=last)
    seller_bill, buyer_bill = sorted(
        (b for b in month if b["unit_id"] == sold), key=lambda b: b["days"]
    )
    assert seller_bill["days"] + buyer_bill["days"] == seller_bill["days_in_period"]
    assert seller_bill["days"] == 14 and buyer_bill["status"] == "settled"
    assert Decimal(buyer_bill["late_fees"]) == 0  # paid on the day after the handover
    [seller] = seller_bill["payer_ids"]
    statement = _get(
        client, finance, f"/api/v1/finance/units/{sold}/owners/{seller}/statement", after=head
    )
    assert Decimal(statement["balance"]) > 0
    # The seller's oldest bill was written off: finance asked, two others approved.
    account = _get(client, finance, f"/api/v1/finance/units/{sold}/account")
    assert any(Decimal(b["written_off"]) > 0 for b in account["bills"]), account["bills"]
    approvals = _get(client, admin, "/api/v1/approvals", estate_id=estate_id)
    kinds = {(a["kind"], a["status"]) for a in approvals}
    assert {("write_off", "approved"), ("journal", "approved")} <= kinds
    assert ("renovation_forfeit", "approved") in kinds
    # C-302's owner paid every bill and was certified so (物业费结清证明) on the sale.
    certificates = _get(
        client, admin, "/api/v1/audit/events", aggregate_type="ClearanceCertificate"
    )["items"]
    assert [e["event_type"] for e in certificates] == ["Issued"]

    # B-801's owner paid the last month through WeChat Pay: an order, then the
    # provider's verified notification; the payout was settled less its fee.
    orders = _get(client, admin, "/api/v1/audit/events", aggregate_type="PaymentOrder")
    assert [e["event_type"] for e in orders["items"]] == ["Placed", "Paid"]
    payments = _get(client, finance, "/api/v1/finance/payments", estate_id=estate_id)
    wechat = [p for p in payments if p["method"] == "online" and p["reference"][:4] == "4200"]
    assert len(wechat) == 1
    receipt = _get(client, finance, f"/api/v1/finance/payments/{wechat[0]['id']}/receipt")
    assert receipt["number"].startswith(f"SJ-HVG-{last[:4]}-")

    # Wang Fang's invoice, issued, her name masked; the renovation deposit of
    # A-501 taken, 200.00 forfeited, the rest refunded.
    [invoice] = _get(client, finance, "/api/v1/finance/invoices", estate_id=estate_id)
    assert invoice["status"] == "issued" and invoice["number"]
    assert invoice["buyer_name"] != "Wang Fang" and Decimal(invoice["tax"]) > 0
    [deposit] = _get(client, finance, "/api/v1/finance/renovation-deposits", estate_id=estate_id)
    assert (deposit["refunded"], deposit["forfeited"], deposit["status"]) == (
        "2800.00",
        "200.00",
        "closed",
    )

    # The fund: A-101 topped up on the owners' three-quarters vote, and every
    # unit with a fund account had its share of the bank's interest.
    auditor = bearer(login(client, "hvg.auditor", PASSWORD))
    funds = _get(client, auditor, "/api/v1/finance/fund/accounts", estate_id=estate_id)
    assert len(funds) == 8 and all(Decimal(f["interest"]) > 0 for f in funds)
    topped = _unit(client, admin, estate_id, "A-101")
    [mine] = [f for f in funds if f["unit_id"] == topped]
    assert Decimal(mine["deposited"]) > Decimal(mine["first_deposit"])

    # The first deposits (首期交存): all 46 units assessed under the local rule, 60.00
    # per m² in the towers and 45.00 in the podium; seven paid in full, B-202's owner
    # half, the rest on the unpaid list.
    first = _get(client, auditor, f"/api/v1/finance/estates/{estate_id}/fund/first-deposits")
    [totals] = first["totals"]
    assert (totals["units"], totals["paid_in_full"], totals["partly_paid"]) == (46, 7, 1)
    assert totals["unpaid"] == 38
    assessed = {u["unit_id"]: u for u in first["units"]}
    assert assessed[topped]["due"] == "5370.00"  # 89.50 m² x 60.00
    half = assessed[_unit(client, admin, estate_id, "B-202")]
    # 120.00 m² x 60.00 = 7,200.00, half of it paid
    assert (half["status"], half["paid"], half["outstanding"]) == (
        "partly_paid",
        "3600.00",
        "3600.00",
    )
    podium = assessed[_unit(client, admin, estate_id, "C-302")]
    assert (podium["due"], podium["status"]) == ("4743.00", "paid")  # 105.40 m² x 45.00


def test_the_demo_car_park_had_a_day_of_traffic(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    """Residents in and out on their passes, visitors paying at the exit (net of
    the estate's 9 % VAT on parking), a blocklisted plate refused, three cars
    parked overnight, a car with no recorded entry let out by the guard (docs/parking.md)."""
    summary = load_demo(running, password=PASSWORD, now=datetime.now(UTC))
    head = _settled(running)
    estate_id = str(summary.estate_id)
    assert summary.counts["parking_fees_paid"] == 4
    gate = bearer(login(client, "hvg.gate", PASSWORD))
    [car_park] = _get(client, gate, "/api/v1/car-parks", estate_id=estate_id)
    assert [v["tariff"]["per_hour"] for v in car_park["tariffs"]] == ["5.00"]
    board = _get(client, gate, f"/api/v1/car-parks/{car_park['id']}/board")
    assert board["pass_spaces"] == 12 and board["temporary_spaces"] == 40
    assert (board["occupied_by_pass_holders"], board["occupied_by_temporary"]) == (2, 1)
    assert board["free"] == 49 and board["blocklisted"] == 1
    sessions = _get(client, gate, "/api/v1/parking-sessions", estate_id=estate_id)
    fees = sorted(Decimal(s["fee"]) for s in sessions if s["fee"] not in (None, "0", "0.00"))
    assert fees == [Decimal("6.00"), Decimal("7.00"), Decimal("15.00"), Decimal("15.00")]
    assert Counter(s["status"] for s in sessions) == {"left": 7, "inside": 3}
    [released] = [s for s in sessions if s["release_reason"] and s["entry_recorded"]]
    assert released["plate"] == "沪G31415" and released["fee"] is None
    [blocked] = _get(client, gate, "/api/v1/vehicles", estate_id=estate_id, blocked=True)
    assert blocked["refusals"] == 1
    # Lin Yu sees the car of A-101 and its pass, nobody else's.
    owner = bearer(login(client, "hvg.linyu", PASSWORD))
    [car] = _get(client, owner, "/api/v1/vehicles")
    assert car["plate"] == "沪A1C101"
    mine = _get(client, owner, f"/api/v1/vehicles/{car['id']}")
    assert [p["billing"] for p in mine["passes"]] == ["unit_account"]
    auditor = bearer(login(client, "hvg.auditor", PASSWORD))
    _, balances = _trial_balance(client, auditor, estate_id, head)
    # 15.00 = 13.76 + 1.24 twice, 6.00 = 5.50 + 0.50, 7.00 = 6.42 + 0.58
    assert abs(balances["6001.20"]) == Decimal("39.44")
