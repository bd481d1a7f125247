"""Expenses (R5.2) through HTTP: vendors, budgets, claims through approval, payment, analysis."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.finance.accounts import BANK, CASH, EXPENSE_ACCOUNTS, PAYABLES
from domain.finance.expenses import ExpenseClaim
from domain.finance.postings import entry_for
from projections.events import kind_of, payload_of
from tests.e2e.api.test_object_scoping import make_user
from tests.e2e.finance.conftest import Actor, FinanceWorld, _assign

TAX_ID = "91310000MA1FL0XX3K"
PROJECTION = "finance_expenses"


def vendor(
    fw: FinanceWorld, categories: list[str] | None = None, name: str = "Shanghai Fix Co"
) -> str:
    r = fw.post(
        "/finance/vendors",
        fw.admin,
        {
            "name": name,
            "tax_id": TAX_ID,
            "bank_account": "6222 0212 3456 7890",
            "contact": "Mr Zhang 13800000000",
            "categories": categories or ["repairs", "cleaning", "utilities", "other"],
        },
        status=201,
    )
    return str(r.json()["id"])


def set_budget(fw: FinanceWorld, lines: dict[str, str], year: int = 2026, **extra: Any) -> int:
    r = fw.client.put(
        f"/api/v1/finance/estates/{fw.estate_id}/budgets/{year}",
        json={"lines": lines, **extra},
        headers=fw.finance.headers,
    )
    assert r.status_code == 200, r.text
    return int(r.json()["position"])


def submit(
    fw: FinanceWorld,
    vendor_id: str,
    category: str,
    amount: Any,
    incurred_on: str = "2026-03-01",
    who: Actor | None = None,
    status: int | None = 201,
) -> Any:
    return fw.post(
        "/finance/expenses",
        who or fw.finance,
        {
            "estate_id": fw.estate_id,
            "vendor_id": vendor_id,
            "category": category,
            "amount": amount,
            "description": f"{category} work",
            "incurred_on": incurred_on,
            "invoice_ref": "INV-0001",
        },
        status=status,
    )


def claim(fw: FinanceWorld, claim_id: str, who: Actor | None = None) -> dict[str, Any]:
    fw.settle(PROJECTION)
    return fw.get(f"/finance/expenses/{claim_id}", who or fw.finance).json()  # type: ignore[no-any-return]


def budget(fw: FinanceWorld, year: int = 2026) -> dict[str, dict[str, Any]]:
    fw.settle(PROJECTION)
    body = fw.get(f"/finance/estates/{fw.estate_id}/budgets/{year}", fw.finance).json()
    return {line["category"]: line for line in body["lines"]}


def approval(fw: FinanceWorld, approval_id: str) -> dict[str, Any]:
    fw.settle("approvals")
    return fw.get(f"/approvals/{approval_id}", fw.admin).json()  # type: ignore[no-any-return]


def approve(fw: FinanceWorld, approval_id: str, who: Actor) -> None:
    fw.post(f"/approvals/{approval_id}/approve", who, {"comment": "invoice checked"}, status=200)


def pay(fw: FinanceWorld, claim_id: str, status: int, method: str = "bank_transfer") -> Any:
    return fw.post(
        f"/finance/expenses/{claim_id}/payment",
        fw.finance,
        {"method": method, "payment_ref": "BT-2026-0001"},
        status=status,
    )


def second_finance(fw: FinanceWorld) -> Actor:
    user_id, headers, _ = make_user(fw.client, fw.admin.headers, "finance.two", ["finance"])
    _assign(fw.client, fw.admin.headers, user_id, fw.estate_id)
    return Actor(user_id, headers)


def claim_entries(fw: FinanceWorld, claim_id: str) -> list[tuple[str, Any]]:
    events = fw.container.event_log.repository.event_store.get(UUID(claim_id))
    out = []
    for e in events:
        aggregate, name = kind_of(e)
        assert aggregate == "ExpenseClaim"
        out.append((name, entry_for(aggregate, name, payload_of(e))))
    return out


# ---- vendors --------------------------------------------------------------------------


def test_a_vendor_is_registered_and_read_with_its_bank_account_masked(fw: FinanceWorld) -> None:
    vendor_id = vendor(fw)
    fw.settle(PROJECTION)
    row = fw.get(f"/finance/vendors/{vendor_id}", fw.manager).json()
    assert row["bank_account"] == "************7890"
    # Estate staff see the tax ID masked; company-wide readers in full.
    assert row["tax_id"] == "*" * 14 + TAX_ID[-4:]
    assert fw.get(f"/finance/vendors/{vendor_id}", fw.auditor).json()["tax_id"] == TAX_ID
    assert row["categories"] == ["cleaning", "other", "repairs", "utilities"]
    listed = fw.get("/finance/vendors", fw.auditor, category="cleaning").json()
    assert [v["id"] for v in listed] == [vendor_id]
    assert "6222" not in str(listed)
    # A malformed credit code is refused; owners read no vendors.
    bad = fw.post(
        "/finance/vendors",
        fw.admin,
        {"name": "X", "tax_id": "123", "bank_account": "1234", "categories": ["repairs"]},
    )
    assert bad.status_code == 422
    fw.get("/finance/vendors", fw.owners[0], status=403)
    r = fw.client.patch(
        f"/api/v1/finance/vendors/{vendor_id}",
        json={"bank_account": "6222 0000 0000 4321"},
        headers=fw.admin.headers,
    )
    assert r.status_code == 200, r.text
    fw.settle(PROJECTION)
    assert (
        fw.get(f"/finance/vendors/{vendor_id}", fw.manager).json()["bank_account"].endswith("4321")
    )
    # Deactivated: no new claims name it.
    fw.post(
        f"/finance/vendors/{vendor_id}/deactivation", fw.admin, {"reason": "closed"}, status=200
    )
    assert submit(fw, vendor_id, "repairs", "10.00", status=422).status_code == 422


# ---- approval and payment ---------------------------------------------------------------


def test_a_small_claim_is_approved_at_once_and_paid_once(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 3, 10)
    vendor_id = vendor(fw)
    set_budget(fw, {"repairs": "20000.00", "cleaning": "3000.00"})
    created = submit(fw, vendor_id, "repairs", "1200.50").json()
    row = claim(fw, created["id"])
    assert row["status"] == "approved"
    assert row["approval_id"] == created["approval_id"]
    assert row["approval_kind"] == "expense"
    assert row["over_budget"] is False
    assert row["remaining_before"] == "20000.00"
    assert row["approved_on"] == "2026-03-10"
    found = approval(fw, created["approval_id"])
    assert found["status"] == "approved"

    lines = budget(fw)
    assert lines["repairs"]["committed"] == "1200.50"
    assert lines["repairs"]["remaining"] == "18799.50"
    assert Decimal(lines["repairs"]["paid"]) == 0

    fw.clock.set(2026, 3, 20)
    pay(fw, created["id"], 200)
    pay(fw, created["id"], 409)
    row = claim(fw, created["id"])
    assert (row["status"], row["paid"], row["paid_on"]) == ("paid", True, "2026-03-20")
    assert row["payment_method"] == "bank_transfer"
    assert budget(fw)["repairs"]["paid"] == "1200.50"

    entries = dict(claim_entries(fw, created["id"]))
    booked = entries["Approved"]
    assert booked is not None and str(booked.booked_on) == "2026-03-10"
    assert [(x.account, x.debit, x.credit) for x in booked.lines] == [
        (EXPENSE_ACCOUNTS["repairs"], Decimal("1200.50"), 0),
        (PAYABLES, 0, Decimal("1200.50")),
    ]
    assert all(str(x.party_id) == vendor_id for x in booked.lines)
    paid = entries["Paid"]
    assert paid is not None and str(paid.booked_on) == "2026-03-20"
    assert [(x.account, x.debit, x.credit) for x in paid.lines] == [
        (PAYABLES, Decimal("1200.50"), 0),
        (BANK, 0, Decimal("1200.50")),
    ]


def test_a_large_claim_waits_for_every_level_and_posts_only_once_approved(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 4, 1)
    vendor_id = vendor(fw)
    set_budget(fw, {"repairs": "20000.00"})
    checker = second_finance(fw)
    created = submit(fw, vendor_id, "repairs", "8000.00").json()
    claim_id, approval_id = created["id"], created["approval_id"]
    assert claim(fw, claim_id)["status"] == "awaiting_approval"
    found = approval(fw, approval_id)
    assert (found["kind"], found["status"]) == ("expense", "pending")
    assert [lv["name"] for lv in found["levels"]] == ["finance", "department", "manager"]
    pay(fw, claim_id, 409)  # not approved yet

    # The submitter never decides their own claim.
    fw.post(f"/approvals/{approval_id}/approve", fw.finance, {}, status=403)
    approve(fw, approval_id, checker)
    approve(fw, approval_id, fw.manager)
    assert claim(fw, claim_id)["status"] == "awaiting_approval"
    assert [name for name, entry in claim_entries(fw, claim_id) if entry is not None] == []
    assert budget(fw)["repairs"]["committed"] == "0"

    fw.clock.set(2026, 4, 3)
    approve(fw, approval_id, fw.admin)
    row = claim(fw, claim_id)
    assert (row["status"], row["approved_on"]) == ("approved", "2026-04-03")
    assert budget(fw)["repairs"]["remaining"] == "12000.00"
    pay(fw, claim_id, 200, method="cash")
    posted = [(name, entry) for name, entry in claim_entries(fw, claim_id) if entry is not None]
    assert [name for name, _ in posted] == ["Approved", "Paid"]
    assert posted[1][1].lines[1].account == CASH


def test_a_rejected_or_withdrawn_claim_is_never_booked(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 4, 1)
    vendor_id = vendor(fw)
    set_budget(fw, {"repairs": "50000.00"})
    checker = second_finance(fw)
    rejected = submit(fw, vendor_id, "repairs", "9000.00").json()
    fw.post(
        f"/approvals/{rejected['approval_id']}/reject", checker, {"reason": "no quote"}, status=200
    )
    assert claim(fw, rejected["id"])["status"] == "rejected"
    pay(fw, rejected["id"], 409)

    withdrawn = submit(fw, vendor_id, "repairs", "7000.00").json()
    fw.post(
        f"/finance/expenses/{withdrawn['id']}/withdrawal",
        fw.finance,
        {"reason": "duplicate"},
        status=200,
    )
    assert claim(fw, withdrawn["id"])["status"] == "withdrawn"
    assert approval(fw, withdrawn["approval_id"])["status"] == "withdrawn"
    fw.post(
        f"/finance/expenses/{withdrawn['id']}/withdrawal",
        fw.finance,
        {"reason": "again"},
        status=409,
    )
    assert budget(fw)["repairs"]["committed"] == "0"
    for claim_id in (rejected["id"], withdrawn["id"]):
        assert all(entry is None for _, entry in claim_entries(fw, claim_id))


def test_an_over_budget_claim_needs_the_managers_even_when_small(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 5, 1)
    vendor_id = vendor(fw)
    set_budget(fw, {"cleaning": "3000.00"})
    first = submit(fw, vendor_id, "cleaning", "2000.00").json()
    assert claim(fw, first["id"])["status"] == "approved"

    over = submit(fw, vendor_id, "cleaning", "1500.00").json()
    row = claim(fw, over["id"])
    assert (row["status"], row["approval_kind"]) == ("awaiting_approval", "expense_over_budget")
    assert (row["over_budget"], row["remaining_before"]) == (True, "1000.00")
    found = approval(fw, over["approval_id"])
    assert [lv["name"] for lv in found["levels"]] == ["department", "manager"]
    approve(fw, over["approval_id"], fw.manager)
    approve(fw, over["approval_id"], fw.admin)
    assert claim(fw, over["id"])["status"] == "approved"
    line = budget(fw)["cleaning"]
    assert (line["committed"], line["remaining"]) == ("3500.00", "-500.00")

    # No line for the category: nothing remains, whatever the amount.
    no_line = submit(fw, vendor_id, "utilities", "10.00").json()
    row = claim(fw, no_line["id"])
    assert (row["approval_kind"], row["over_budget"], row["remaining_before"]) == (
        "expense_over_budget",
        True,
        None,
    )


def test_a_claim_without_any_budget_is_over_budget_and_opens_the_year_when_approved(
    fw: FinanceWorld,
) -> None:
    fw.clock.set(2026, 5, 1)
    vendor_id = vendor(fw)
    created = submit(fw, vendor_id, "other", "300.00").json()
    assert claim(fw, created["id"])["approval_kind"] == "expense_over_budget"
    fw.get(f"/finance/estates/{fw.estate_id}/budgets/2026", fw.finance, status=404)
    approve(fw, created["approval_id"], fw.manager)
    approve(fw, created["approval_id"], fw.admin)
    lines = budget(fw)
    assert (lines["other"]["budget"], lines["other"]["committed"]) == ("0", "300.00")
    # Setting the budget afterwards keeps what was committed.
    set_budget(fw, {"other": "1000.00"})
    assert budget(fw)["other"]["remaining"] == "700.00"


def test_budgets_are_revised_line_by_line(fw: FinanceWorld) -> None:
    set_budget(fw, {"repairs": "1000.00", "security": "500.00"})
    set_budget(fw, {"repairs": "1500.00"}, reason="roof leak season")
    lines = budget(fw)
    assert (lines["repairs"]["budget"], lines["security"]["budget"]) == ("1500.00", "500.00")
    r = fw.client.put(
        f"/api/v1/finance/estates/{fw.estate_id}/budgets/2026",
        json={"lines": {"repairs": 1500.5}},
        headers=fw.finance.headers,
    )
    assert r.status_code == 422
    r = fw.client.put(
        f"/api/v1/finance/estates/{fw.estate_id}/budgets/2026",
        json={"lines": {"repairs": "1500.001"}},
        headers=fw.finance.headers,
    )
    assert r.status_code == 422


# ---- refusals -----------------------------------------------------------------------------


def test_floats_are_refused_and_other_estates_see_nothing(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 3, 10)
    vendor_id = vendor(fw)
    assert submit(fw, vendor_id, "repairs", 12.5, status=None).status_code == 422
    assert submit(fw, vendor_id, "repairs", "12.345", status=None).status_code == 422
    assert submit(fw, vendor_id, "repairs", "0", status=None).status_code == 422
    assert (
        submit(fw, vendor_id, "security", "10.00", status=None).status_code == 422
    )  # not its trade
    future = submit(fw, vendor_id, "repairs", "10.00", incurred_on="2026-04-01", status=None)
    assert future.status_code == 422

    other = fw.other_finance
    assert submit(fw, vendor_id, "repairs", "10.00", who=other, status=None).status_code == 404
    created = submit(fw, vendor_id, "repairs", "10.00").json()
    fw.settle(PROJECTION)
    fw.get(f"/finance/expenses/{created['id']}", other, status=404)
    assert fw.get("/finance/expenses", other).json() == []
    assert [c["id"] for c in fw.get("/finance/expenses", fw.finance).json()] == [created["id"]]
    fw.post(
        f"/finance/expenses/{created['id']}/payment",
        other,
        {"method": "cash", "payment_ref": "x"},
        status=404,
    )
    fw.post(f"/finance/expenses/{created['id']}/withdrawal", other, {"reason": "x"}, status=404)
    set_budget(fw, {"repairs": "100.00"})
    fw.get(f"/finance/estates/{fw.estate_id}/budgets/2026", other, status=404)
    fw.get(f"/finance/estates/{fw.estate_id}/expense-analysis", other, status=404, year=2026)
    r = fw.client.put(
        f"/api/v1/finance/estates/{fw.estate_id}/budgets/2026",
        json={"lines": {"repairs": "1.00"}},
        headers=other.headers,
    )
    assert r.status_code == 404
    # Owners submit nothing.
    assert (
        submit(fw, vendor_id, "repairs", "10.00", who=fw.owners[0], status=None).status_code == 403
    )


# ---- the books and the analysis -------------------------------------------------------------


def test_every_stored_claim_event_posts_a_balanced_entry(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 6, 1)
    vendor_id = vendor(fw)
    set_budget(fw, {"repairs": "9000.00", "cleaning": "100.00"})
    ids = [
        submit(fw, vendor_id, "repairs", amount).json()["id"]
        for amount in ("100.00", "4999.99", "5000.00")
    ]
    ids.append(submit(fw, vendor_id, "cleaning", "250.00").json()["id"])
    for claim_id in ids[:2]:
        pay(fw, claim_id, 200)
    seen = 0
    for claim_id in ids:
        stored: Any = fw.container.event_log.repository.get(UUID(claim_id))
        assert isinstance(stored, ExpenseClaim)
        for name, entry in claim_entries(fw, claim_id):
            if name in ("Approved", "Paid"):
                assert entry is not None and entry.balanced
                assert str(entry.estate_id) == fw.estate_id
                entry.check()
                seen += 1
            else:
                assert entry is None
    assert seen == 4  # two approved at once, both paid; 5000.00 and the over-budget one wait


def test_the_analysis_gives_the_trend_the_structure_and_budget_against_actual(
    fw: FinanceWorld,
) -> None:
    fw.clock.set(2026, 4, 15)
    vendor_id = vendor(fw)
    set_budget(fw, {"repairs": "10000.00", "cleaning": "1000.00", "utilities": "2000.00"})
    a = submit(fw, vendor_id, "repairs", "1000.00", incurred_on="2026-01-10").json()
    submit(fw, vendor_id, "cleaning", "500.00", incurred_on="2026-02-05")
    submit(fw, vendor_id, "repairs", "3000.00", incurred_on="2026-03-01")
    submit(fw, vendor_id, "utilities", "3000.00", incurred_on="2026-03-20")  # over budget: waits
    submit(fw, vendor_id, "repairs", "50.00", incurred_on="2025-12-31")  # another year
    pay(fw, a["id"], 200)
    fw.settle(PROJECTION)
    body = fw.get(f"/finance/estates/{fw.estate_id}/expense-analysis", fw.manager, year=2026).json()
    assert (body["currency"], body["total"], body["total_paid"]) == ("CNY", "4500.00", "1000.00")
    assert body["total_budget"] == "13000.00"
    months = {m["month"]: m for m in body["months"]}
    assert len(months) == 12
    assert months[1]["by_category"]["repairs"] == "1000.00"
    assert months[2]["total"] == "500.00"
    assert months[3]["by_category"]["repairs"] == "3000.00"
    assert Decimal(months[3]["by_category"]["utilities"]) == 0
    assert Decimal(months[4]["total"]) == 0
    figures = {c["category"]: c for c in body["categories"]}
    assert (figures["repairs"]["share"], figures["cleaning"]["share"]) == ("88.89", "11.11")
    assert sum(Decimal(c["share"]) for c in body["categories"]) == Decimal("100.00")
    assert figures["repairs"]["actual"] == "4000.00"
    assert figures["repairs"]["remaining"] == "6000.00"
    assert figures["repairs"]["used_percent"] == "40.00"
    assert figures["cleaning"]["used_percent"] == "50.00"
    assert figures["utilities"]["actual"] == "0"
    assert figures["security"]["used_percent"] is None
