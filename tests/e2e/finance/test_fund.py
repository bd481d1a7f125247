"""The maintenance fund (专项维修资金) through the HTTP API.

Three units of 100, 80 and 120 m² gross; the finance clerk records
deposits and proposes spendings, the property manager and an
administrator decide the approval levels, the clerk disburses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from domain.finance.fund import FundAccount
from domain.finance.fund_rules import split_by_area
from domain.finance.journal import Entry
from domain.finance.postings import entry_for
from projections.events import kind_of, payload_of
from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.helpers import close_period

FUND = "/finance/fund"

# The estate's totals (300.00 m² registered, 3 owners) are the registry's on the
# meeting day; the minutes give only the votes.
RESOLUTION = {
    "reference": "FIN-2026-01",
    "meeting_on": "2026-01-01",
    "participating_area": "240.00",
    "participating_owners": 3,
    "area_for": "176.00",
    "owners_for": 2,
}
# A top-up (续交) raises the fund: three quarters of those taking part voted for.
RAISED = {**RESOLUTION, "reference": "FIN-2026-02", "area_for": "240.00", "owners_for": 3}
EMERGENCY = {
    "category": "elevator_danger",
    "description": "lift 2 brakes failed inspection",
    "evidence": ["INSP-2026-0042"],
}


def deposit(fw: FinanceWorld, unit: int, amount: str, who: Actor | None = None, **more: Any) -> Any:
    body = {
        "unit_id": fw.units[unit],
        "amount": amount,
        "method": "bank_transfer",
        "reference": f"DEP-{unit}-{amount}",
        **more,
    }
    return fw.post(f"{FUND}/deposits", who or fw.finance, body)


def propose(fw: FinanceWorld, amount: str, **more: Any) -> Any:
    body = {
        "estate_id": fw.estate_id,
        "purpose": "replace the lift brakes of building 1",
        "amount": amount,
        "basis": "resolution",
        "resolution": RESOLUTION,
        "vendor": "Harbour Lifts Ltd",
        **more,
    }
    return fw.post(f"{FUND}/spendings", fw.finance, body)


def approve_all(fw: FinanceWorld, approval_id: str) -> int:
    """Decide every level still pending: the manager the department, an admin the rest."""
    position = 0
    for _ in range(3):
        fw.settle("approvals")
        approval = fw.get(f"/approvals/{approval_id}", fw.admin).json()
        if approval["status"] != "pending":
            break
        who = fw.manager if approval["level_name"] == "department" else fw.admin
        r = fw.post(f"/approvals/{approval_id}/approve", who, {"comment": "ok"}, status=200)
        position = r.json()["position"]
    return position


def approved_spending(fw: FinanceWorld, amount: str, **more: Any) -> str:
    r = propose(fw, amount, **more)
    assert r.status_code == 201, r.text
    approve_all(fw, r.json()["approval_id"])
    return str(r.json()["id"])


def account(fw: FinanceWorld, unit: int, who: Actor | None = None, status: int = 200) -> Any:
    fw.settle("finance_fund")
    return fw.get(f"{FUND}/accounts/{fw.units[unit]}", who or fw.finance, status=status)


def fund_events(fw: FinanceWorld) -> list[tuple[str, str, dict[str, Any]]]:
    log = fw.container.event_log
    found = []
    for note in log.read(after=0, limit=100_000):
        event = log.mapper_with_metadata.decode(note)[0]
        aggregate, name = kind_of(event)
        if aggregate in ("FundAccount", "FundSpending"):
            found.append((aggregate, name, payload_of(event)))
    return found


def test_deposits_raise_the_unit_balance_and_before_any_charge_the_baseline(
    fw: FinanceWorld,
) -> None:
    r = deposit(fw, 0, "1000.00")
    assert r.status_code == 201, r.text
    deposit(fw, 0, "250.50", method="cash").raise_for_status()
    deposit(fw, 1, "800.00").raise_for_status()

    mine = account(fw, 0).json()
    assert mine["balance"] == "1250.50"
    # Both came before the fund was first used: the first deposit (首期交存) is both.
    assert mine["first_deposit"] == "1250.50"
    assert mine["low_balance_threshold"] == "375.15"
    assert mine["low"] is False
    assert [m["amount"] for m in mine["movements"]] == ["1000.00", "250.50"]
    assert [m["method"] for m in mine["movements"]] == ["bank_transfer", "cash"]
    listed = fw.get(f"{FUND}/accounts", fw.finance, estate_id=fw.estate_id).json()
    assert sorted(a["balance"] for a in listed) == ["1250.50", "800.00"]


def test_the_baseline_is_the_whole_first_deposit_paid_before_the_fund_is_used(
    fw: FinanceWorld,
) -> None:
    """Issue 14, defect 10: 100 then 9,900 gave a threshold of 30.00, not 3,000.00."""
    deposit(fw, 0, "100.00").raise_for_status()
    deposit(fw, 0, "9900.00").raise_for_status()
    mine = account(fw, 0).json()
    assert (mine["first_deposit"], mine["low_balance_threshold"]) == ("10000.00", "3000.00")

    spending = approved_spending(fw, "7500.00")  # unit 0 alone has a fund account
    fw.post(f"{FUND}/spendings/{spending}/disbursement", fw.finance, {"reference": "P"}, status=200)
    mine = account(fw, 0).json()
    assert (mine["balance"], mine["low"]) == ("2500.00", True)  # below 3,000.00
    (notice,) = [e[2] for e in fund_events(fw) if e[1] == "FellBelowThreshold"]
    assert notice["first_deposit"] == Decimal("10000.00")

    # A top-up after the fund was used (续交) restores the balance, not the baseline.
    deposit(fw, 0, "600.00", resolution=RAISED).raise_for_status()
    mine = account(fw, 0).json()
    assert (mine["first_deposit"], mine["low_balance_threshold"]) == ("10000.00", "3000.00")
    assert (mine["balance"], mine["low"]) == ("3100.00", False)


def test_a_deposit_refuses_floats_sub_cent_amounts_and_another_currency(fw: FinanceWorld) -> None:
    assert deposit(fw, 0, 10.5).status_code == 422  # type: ignore[arg-type]
    assert deposit(fw, 0, "10.005").status_code == 422
    assert deposit(fw, 0, "0").status_code == 422
    deposit(fw, 0, "100.00").raise_for_status()
    assert deposit(fw, 0, "100.00", currency="USD").status_code == 422


def test_a_spending_needs_a_resolution_or_a_documented_emergency(fw: FinanceWorld) -> None:
    for unit in range(3):
        deposit(fw, unit, "1000.00").raise_for_status()
    assert propose(fw, "100.00", resolution=None).status_code == 422
    assert propose(fw, "100.00", basis="emergency", resolution=None).status_code == 422
    no_evidence = {**EMERGENCY, "evidence": []}
    r = propose(fw, "100.00", basis="emergency", resolution=None, emergency=no_evidence)
    assert r.status_code == 422 and "evidence" in r.text
    unknown = {**EMERGENCY, "category": "broken_doorbell"}
    r = propose(fw, "1.00", basis="emergency", resolution=None, emergency=unknown)
    assert r.status_code == 422


def test_a_resolution_short_of_the_art_278_thresholds_is_refused(fw: FinanceWorld) -> None:
    deposit(fw, 0, "1000.00").raise_for_status()
    too_few_voted = {**RESOLUTION, "participating_area": "150.00", "area_for": "150.00"}
    r = propose(fw, "100.00", resolution=too_few_voted)
    assert r.status_code == 422 and "two thirds of the area" in r.text
    half_is_not_more_than_half = {**RESOLUTION, "area_for": "120.00"}
    r = propose(fw, "100.00", resolution=half_is_not_more_than_half)
    assert r.status_code == 422 and "more than half" in r.text


def test_an_approved_spending_is_disbursed_once_split_by_gross_area(fw: FinanceWorld) -> None:
    for unit in range(3):
        deposit(fw, unit, "1000.00").raise_for_status()
    r = propose(fw, "100.00")
    assert r.status_code == 201, r.text
    spending_id, approval_id = r.json()["id"], r.json()["approval_id"]
    path = f"{FUND}/spendings/{spending_id}/disbursement"
    early = fw.post(path, fw.finance, {"reference": "PAY-1"})
    assert early.status_code == 409, early.text

    approve_all(fw, approval_id)
    done = fw.post(path, fw.finance, {"reference": "PAY-1"}, status=200).json()
    shares = {s["unit_id"]: Decimal(s["amount"]) for s in done["splits"]}
    # 100/300, 80/300, 120/300 of 100.00: the cent left over goes to the largest remainder
    assert shares == {
        fw.units[0]: Decimal("33.33"),
        fw.units[1]: Decimal("26.67"),
        fw.units[2]: Decimal("40.00"),
    }
    assert sum(shares.values()) == Decimal("100.00")
    assert fw.post(path, fw.finance, {"reference": "PAY-1"}).status_code == 409

    assert account(fw, 1).json()["balance"] == "973.33"
    fw.settle("finance_fund")
    view = fw.get(f"{FUND}/spendings/{spending_id}", fw.finance).json()
    assert view["status"] == "disbursed" and view["reference"] == "PAY-1"
    assert view["resolution"]["reference"] == "FIN-2026-01"


def test_a_share_above_the_unit_balance_is_refused_naming_the_unit(fw: FinanceWorld) -> None:
    deposit(fw, 0, "1000.00").raise_for_status()
    deposit(fw, 1, "100.00").raise_for_status()
    deposit(fw, 2, "1000.00").raise_for_status()
    spending_id = approved_spending(fw, "600.00")  # shares 200, 160, 240
    r = fw.post(f"{FUND}/spendings/{spending_id}/disbursement", fw.finance, {"reference": "P"})
    assert r.status_code == 422, r.text
    assert fw.units[1] in r.text and fw.units[0] not in r.text
    assert account(fw, 1).json()["balance"] == "100.00"


def test_rejected_spending_is_never_disbursed(fw: FinanceWorld) -> None:
    deposit(fw, 0, "1000.00").raise_for_status()
    r = propose(fw, "10.00", unit_ids=[fw.units[0]])
    assert r.status_code == 201, r.text
    fw.settle("approvals")
    approval = r.json()["approval_id"]
    fw.post(f"/approvals/{approval}/reject", fw.manager, {"reason": "quote too high"}, status=200)
    fw.settle("finance_fund")
    view = fw.get(f"{FUND}/spendings/{r.json()['id']}", fw.finance).json()
    assert view["status"] == "rejected" and view["note"] == "quote too high"
    path = f"{FUND}/spendings/{r.json()['id']}/disbursement"
    assert fw.post(path, fw.finance, {"reference": "P"}).status_code == 409


def test_an_emergency_skips_the_department_and_low_balance_is_flagged_once(
    fw: FinanceWorld,
) -> None:
    for unit in range(3):
        deposit(fw, unit, "1000.00").raise_for_status()
    big = approved_spending(fw, "2000.00")  # 666.67 / 533.33 / 800.00
    path = f"{FUND}/spendings/{big}/disbursement"
    fw.post(path, fw.finance, {"reference": "P1"}, status=200)
    assert account(fw, 2).json()["low"] is True  # 200.00 < 30% of 1000.00
    assert account(fw, 0).json()["low"] is False  # 333.33

    r = propose(fw, "150.00", basis="emergency", resolution=None, emergency=EMERGENCY)
    assert r.status_code == 201, r.text
    fw.settle("approvals")
    approval = fw.get(f"/approvals/{r.json()['approval_id']}", fw.admin).json()
    assert approval["urgency"] == "urgent"
    assert approval["level_name"] == "finance"
    approve_all(fw, r.json()["approval_id"])
    fw.post(f"{FUND}/spendings/{r.json()['id']}/disbursement", fw.finance, {"reference": "P2"})

    unit2 = account(fw, 2).json()
    assert unit2["balance"] == "140.00" and unit2["low"] is True
    fell = [e[2] for e in fund_events(fw) if e[1] == "FellBelowThreshold"]
    assert [str(n["unit_id"]) for n in fell] == [fw.units[2], fw.units[0]]  # 283.33: unit 0 too
    notice = fell[0]
    assert notice["balance"] == Decimal("200.00") and notice["first_deposit"] == Decimal("1000.00")
    assert notice["ratio"] == Decimal("0.30") and notice["currency"] == "CNY"

    deposit(fw, 2, "160.00", resolution=RAISED).raise_for_status()  # 300.00: exactly 30%
    assert account(fw, 2).json()["low"] is False
    assert [e[1] for e in fund_events(fw)].count("RestoredAboveThreshold") == 1
    low = fw.get(f"{FUND}/accounts", fw.finance, estate_id=fw.estate_id, low=True).json()
    assert [a["unit_id"] for a in low] == [fw.units[0]]


def test_an_owner_reads_their_own_unit_account_only(fw: FinanceWorld) -> None:
    for unit in range(3):
        deposit(fw, unit, "500.00").raise_for_status()
    owner = fw.owners[0]
    assert account(fw, 0, owner).json()["balance"] == "500.00"
    account(fw, 1, owner, status=404)
    listed = fw.get(f"{FUND}/accounts", owner).json()
    assert [a["unit_id"] for a in listed] == [fw.units[0]]
    assert deposit(fw, 0, "1.00", who=owner).status_code == 403


def test_a_clerk_of_another_estate_sees_and_changes_nothing(fw: FinanceWorld) -> None:
    deposit(fw, 0, "1000.00").raise_for_status()
    other = fw.other_finance
    account(fw, 0, other, status=404)
    assert fw.get(f"{FUND}/accounts", other, estate_id=fw.estate_id).json() == []
    assert deposit(fw, 0, "1.00", who=other).status_code == 404
    body = {"estate_id": fw.estate_id, "purpose": "x", "amount": "1.00", "basis": "emergency"}
    r = fw.post(f"{FUND}/spendings", other, {**body, "emergency": EMERGENCY})
    assert r.status_code == 404
    spending = approved_spending(fw, "10.00")
    path = f"{FUND}/spendings/{spending}/disbursement"
    assert fw.post(path, other, {"reference": "P"}).status_code == 404
    fw.settle("finance_fund")
    fw.get(f"{FUND}/spendings/{spending}", other, status=404)


def test_every_fund_event_posts_a_balanced_entry_and_charges_post_nothing(
    fw: FinanceWorld,
) -> None:
    for unit in range(3):
        deposit(fw, unit, "1000.00").raise_for_status()
    spending = approved_spending(fw, "1000.01")
    fw.post(f"{FUND}/spendings/{spending}/disbursement", fw.finance, {"reference": "P"}, status=200)

    events = fund_events(fw)
    entries: dict[str, list[Entry]] = {}
    for aggregate, name, payload in events:
        entry = entry_for(aggregate, name, payload)
        if name in ("Deposited", "Disbursed"):
            assert entry is not None and entry.check().balanced
            entries.setdefault(name, []).append(entry)
        else:
            assert entry is None, name
    assert {name for _, name, _ in events} >= {"Opened", "Deposited", "Charged", "Disbursed"}
    assert len(entries["Deposited"]) == 3
    (disbursed,) = entries["Disbursed"]
    debits = [line for line in disbursed.lines if line.debit]
    assert {str(line.unit_id) for line in debits} == set(fw.units)
    assert all(line.account == "2241" for line in debits)
    assert sum(line.debit for line in debits) == Decimal("1000.01")
    (credit,) = [line for line in disbursed.lines if line.credit]
    assert credit.account == "1002.02" and credit.credit == Decimal("1000.01")
    first = entries["Deposited"][0]
    assert [(ln.account, ln.unit_id is not None) for ln in first.lines] == [
        ("1002.02", False),
        ("2241", True),
    ]


# ---- the domain alone ---------------------------------------------------------------


def test_split_by_area_gives_the_leftover_cent_to_the_largest_remainder() -> None:
    units = [uuid4(), uuid4(), uuid4()]
    areas = dict(zip(units, [Decimal("100"), Decimal("80"), Decimal("120")], strict=True))
    splits = split_by_area(Decimal("100.00"), areas, "CNY")
    assert [s["amount"] for s in splits] == [Decimal("33.33"), Decimal("26.67"), Decimal("40.00")]


def test_the_reminder_is_recorded_once_and_rearmed_by_a_deposit() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    account = FundAccount.open(estate_id=uuid4(), unit_id=uuid4(), currency="CNY", at=now)
    common: dict[str, Any] = {"currency": "CNY", "booked_on": date(2026, 1, 1), "at": now}
    account.deposit(
        deposit_id=uuid4(),
        amount="1000.00",
        method="cash",
        reference="D1",
        recorded_by=uuid4(),
        **common,
    )
    for amount in ("701.00", "10.00"):
        account.charge(spending_id=uuid4(), amount=Decimal(amount), **common)
    # A top-up cites the owners' vote raising the fund, totals as the registry gave them.
    votes = {"participating_area": Decimal(300), "participating_owners": 3}
    raised = {"reference": "R", "meeting_on": date(2026, 1, 1), "total_area": Decimal(300)}
    raised |= {"total_owners": 3, **votes, "area_for": Decimal(300), "owners_for": 3}
    account.deposit(
        deposit_id=uuid4(),
        amount="11.00",
        method="cash",
        reference="D2",
        recorded_by=uuid4(),
        resolution=raised,
        **common,
    )
    names = [type(e).__name__ for e in account.collect_events()]
    assert names == [
        "Opened",
        "Deposited",
        "Charged",
        "FellBelowThreshold",
        "Charged",
        "Deposited",
        "ResolutionCited",
        "RestoredAboveThreshold",
    ]
    assert account.balance == Decimal("300.00") and account.low is False


def test_a_deposit_is_never_booked_in_the_future_or_in_a_closed_period(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 3, 5, 10)
    body = {"unit_id": fw.units[0], "amount": "100.00", "method": "cash", "reference": "R-1"}
    fw.post("/finance/fund/deposits", fw.finance, {**body, "booked_on": "2026-01-20"}, status=201)
    fw.settle("finance_ledger")
    for period in ("2026-01", "2026-02"):
        close_period(fw, period)
    head = fw.container.event_log.head()
    late = {**body, "reference": "R-2", "booked_on": "2026-02-27"}
    assert fw.post("/finance/fund/deposits", fw.finance, late).status_code == 409
    future = {**body, "reference": "R-3", "booked_on": "2026-03-06"}
    assert fw.post("/finance/fund/deposits", fw.finance, future).status_code == 422
    assert fw.container.event_log.head() == head
    fw.post("/finance/fund/deposits", fw.finance, {**body, "reference": "R-4"}, status=201)
