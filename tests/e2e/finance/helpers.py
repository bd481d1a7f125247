"""Steps the finance tests share: adopt rates through approval, approve, bill."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.e2e.finance.conftest import Actor, FinanceWorld


def approve_fully(fw: FinanceWorld, approval_id: str, by: Actor | None = None) -> dict[str, Any]:
    """Approve every level (administrators may decide any level); the final request."""
    who = by or fw.admin
    for _ in range(6):
        view = fw.get(f"/approvals/{approval_id}", who, after=fw.container.event_log.head()).json()
        if view["status"] != "pending":
            return view  # type: ignore[no-any-return]
        fw.post(f"/approvals/{approval_id}/approve", who, {}, status=200)
    raise AssertionError(f"approval {approval_id} still pending")


def adopt_rate(
    fw: FinanceWorld,
    item: str,
    rate: str,
    basis: str | None = None,
    effective_from: str = "2026-01-01",
) -> str:
    """Propose a first rate (citing the preliminary service contract) and approve it."""
    body: dict[str, Any] = {
        "item": item,
        "rate": rate,
        "effective_from": effective_from,
        "contract_reference": "PSC-2025-001",
    }
    if basis is not None:
        body["basis"] = basis
    created = fw.post(f"/finance/estates/{fw.estate_id}/rate-changes", fw.finance, body, status=201)
    approve_fully(fw, created.json()["approval_id"])
    return created.json()["id"]  # type: ignore[no-any-return]


def bill(fw: FinanceWorld, period: str, status: int = 201) -> dict[str, Any]:
    response = fw.post(
        f"/finance/estates/{fw.estate_id}/billing-runs", fw.finance, {"period": period}
    )
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def account(fw: FinanceWorld, unit: str, who: Actor | None = None) -> dict[str, Any]:
    head = fw.container.event_log.head()
    response = fw.get(f"/finance/units/{unit}/account", who or fw.finance, after=head)
    return response.json()  # type: ignore[no-any-return]


def receipt() -> str:
    """A cash receipt number (收据号) no other payment of the test holds."""
    return f"SJ-{uuid4().hex[:10].upper()}"


def pay(
    fw: FinanceWorld,
    unit: str,
    amount: str,
    method: str = "cash",
    reference: str | None = None,
    bill_id: str | None = None,
    who: Actor | None = None,
    payer_id: str | None = None,
) -> Any:
    body: dict[str, Any] = {"amount": amount, "method": method}
    if payer_id is not None:
        body["payer_id"] = payer_id  # whose debts (decision 0021); default the owner now
    if reference is None and method == "cash":
        reference = receipt()  # a cash payment carries its paper receipt's number
    if reference is not None:
        body["reference"] = reference
    if bill_id is not None:
        body["bill_id"] = bill_id
    return fw.post(f"/finance/units/{unit}/payments", who or fw.finance, body)


def journal_by_two(
    fw: FinanceWorld,
    path: str,
    body: dict[str, Any],
    maker: Actor | None = None,
    checker: Actor | None = None,
    status: int = 202,
) -> dict[str, Any]:
    """Ask to post (or reverse) a manual journal (202) and have a second person
    approve it (maker-checker, kind ``journal``).

    The answer is the request's (``id``: the journal it posts) with the
    ``position`` where the approval posted it; a refused request's problem
    answer when ``status`` is not 202.
    """
    maker, checker = maker or fw.finance, checker or fw.admin
    asked = fw.post(path, maker, body, status=status).json()
    if status != 202:
        return asked  # type: ignore[no-any-return]
    decided = fw.post(f"/approvals/{asked['approval_id']}/approve", checker, {}, status=200)
    return {**asked, "position": decided.json()["position"]}


def post_journal(
    fw: FinanceWorld,
    booked_on: str,
    memo: str,
    lines: list[dict[str, Any]],
    *,
    estate_id: str | None = None,
    maker: Actor | None = None,
    checker: Actor | None = None,
    status: int = 202,
) -> dict[str, Any]:
    """A manual journal asked by ``maker`` and posted when ``checker`` approves."""
    path = f"/finance/estates/{estate_id or fw.estate_id}/journals"
    body = {"booked_on": booked_on, "memo": memo, "lines": lines}
    return journal_by_two(fw, path, body, maker, checker, status)


def reverse_journal(
    fw: FinanceWorld,
    journal_id: str,
    reason: str = "booked in error",
    maker: Actor | None = None,
    checker: Actor | None = None,
    status: int = 202,
) -> dict[str, Any]:
    """A journal's reversal asked by ``maker`` and posted when ``checker`` approves."""
    path = f"/finance/journals/{journal_id}/reversal"
    return journal_by_two(fw, path, {"reason": reason}, maker, checker, status)


def reverse(
    fw: FinanceWorld,
    unit: str,
    payment_id: str,
    maker: Actor | None = None,
    checker: Actor | None = None,
    reason: str = "posted to the wrong unit",
) -> Any:
    """Ask to reverse a payment (202) and have a second person approve it (maker-checker).

    The answer is the approval's final decision: its ``position`` is where the
    reversal was recorded.
    """
    maker, checker = maker or fw.finance, checker or fw.admin
    path = f"/finance/units/{unit}/payments/{payment_id}/reversal"
    asked = fw.post(path, maker, {"reason": reason}, status=202).json()
    return fw.post(f"/approvals/{asked['approval_id']}/approve", checker, {}, status=200)


def sell(fw: FinanceWorld, unit: str, buyers: list[str], on: str) -> None:
    """Transfer ``unit`` to ``buyers`` (persons) on the day ``on``."""
    body = {"new_owner_ids": buyers, "on": on}
    fw.post(f"/units/{unit}/ownership-transfers", fw.admin, body, status=200)


def close_period(
    fw: FinanceWorld,
    period: str,
    *,
    estate_id: str | None = None,
    maker: Actor | None = None,
    checker: Actor | None = None,
    status: int = 202,
) -> dict[str, Any]:
    """Ask to close ``period`` (202) and have a second person approve it (maker-checker,
    kind ``period_close``): the approval's final answer (its ``position`` is where the
    period closed); a refused request's problem answer when ``status`` is not 202."""
    path = f"/finance/estates/{estate_id or fw.estate_id}/periods/{period}/close"
    asked = fw.post(path, maker or fw.finance, {}, status=status).json()
    if status != 202:
        return asked  # type: ignore[no-any-return]
    decided = fw.post(f"/approvals/{asked['approval_id']}/approve", checker or fw.admin, {})
    assert decided.status_code == 200, decided.text
    return decided.json()  # type: ignore[no-any-return]
