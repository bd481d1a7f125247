"""Issue 14, defect 6: a run with only some items in force no longer bills the month for good.

With the property fee still awaiting approval, January's run billed only the
shared cost and January could never be billed again. A later run of a billed
period is a supplementary run: it bills exactly the items in force now that
no run of the period billed, and never an item twice.
"""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, approve_fully, bill


def _propose(fw: FinanceWorld, item: str, rate: str) -> str:
    """A first rate from 1 January, left awaiting its approval; the approval's ID."""
    body = {
        "item": item,
        "rate": rate,
        "basis": "gross",
        "effective_from": "2026-01-01",
        "contract_reference": "PSC-2025-001",
    }
    path = f"/finance/estates/{fw.estate_id}/rate-changes"
    return str(fw.post(path, fw.finance, body, status=201).json()["approval_id"])


def _bills(fw: FinanceWorld, period: str) -> list[dict[str, object]]:
    head = fw.container.event_log.head()
    found = fw.get("/finance/bills", fw.finance, estate_id=fw.estate_id, period=period, after=head)
    return found.json()  # type: ignore[no-any-return]


def _items(bills: list[dict[str, object]], unit: str) -> list[list[str]]:
    mine = [b for b in bills if b["unit_id"] == unit]
    return sorted(sorted(line["item"] for line in b["lines"]) for b in mine)  # type: ignore[attr-defined]


def test_a_fee_adopted_after_the_run_is_billed_by_a_supplementary_run_once(
    fw: FinanceWorld,
) -> None:
    fw.post(
        f"/finance/estates/{fw.estate_id}/shared-costs",
        fw.finance,
        {"period": "2026-01", "item": "shared_area", "description": "lift power", "amount": "300"},
        status=201,
    )
    pending = [
        _propose(fw, item, rate) for item, rate in (("property_fee", "2.50"), ("greening", "0.30"))
    ]
    fw.clock.set(2026, 2, 1, 9)

    first = bill(fw, "2026-01")  # the fee awaits its approval: the shared cost alone
    assert (first["kind"], first["bills"], Decimal(first["amount"])) == ("regular", 3, 300)

    for approval_id in pending:  # both awaited approval at the run
        assert approve_fully(fw, approval_id)["status"] == "approved"
    extra = bill(fw, "2026-01")
    assert (extra["kind"], extra["supplement"], extra["bills"]) == ("supplementary", 1, 3)
    assert extra["id"] != first["id"]
    # (2.50 + 0.30) x 100, 80 and 120 m²
    assert Decimal(extra["amount"]) == Decimal("280.00") + Decimal("224.00") + Decimal("336.00")

    # Nothing new is in force: a third run bills nothing and answers the first run.
    head = fw.container.event_log.head()
    again = bill(fw, "2026-01", status=200)
    assert again["already_run"] is True and again["id"] == first["id"]
    assert fw.container.event_log.head() == head

    bills = _bills(fw, "2026-01")
    assert len(bills) == 6
    for unit in fw.units:
        assert _items(bills, unit) == [["greening", "property_fee"], ["shared_area"]]
    by_run = {b["run_id"] for b in bills if b["unit_id"] == fw.units[0]}
    assert by_run == {first["id"], extra["id"]}

    runs = fw.get(
        f"/finance/estates/{fw.estate_id}/billing-runs",
        fw.auditor,
        after=fw.container.event_log.head(),
    ).json()
    assert [(r["kind"], r["supplement"], r["bills"]) for r in runs] == [
        ("supplementary", 1, 3),
        ("regular", 0, 3),
    ]
    assert [r["supplement_of"] for r in runs] == [first["id"], None]
    assert sorted(r["item"] for r in runs[0]["rates"]) == ["greening", "property_fee"]
    assert runs[1]["rates"] == []


def test_a_shared_cost_recorded_after_the_run_is_billed_once_by_a_supplement(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    fw.post(
        f"/finance/estates/{fw.estate_id}/shared-costs",
        fw.finance,
        {"period": "2026-01", "item": "shared_area", "description": "lift power", "amount": "300"},
        status=201,
    )
    extra = bill(fw, "2026-01")
    assert (extra["kind"], extra["bills"], Decimal(extra["amount"])) == ("supplementary", 3, 300)
    assert bill(fw, "2026-01", status=200)["already_run"] is True
    bills = _bills(fw, "2026-01")
    assert _items(bills, fw.units[2]) == [["property_fee"], ["shared_area"]]
    shares = sorted(Decimal(b["principal"]) for b in bills if b["run_id"] == extra["id"])
    assert shares == [Decimal("80.00"), Decimal("100.00"), Decimal("120.00")]  # by gross area
