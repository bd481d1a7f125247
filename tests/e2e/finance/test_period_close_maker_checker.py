"""Issue 14, defect 8, through the HTTP API: a period closes only when a second
person approves (maker-checker, approval kind ``period_close``, decision 0024).

The clerk who asks to close a month never approves the close, an administrator
acting alone included; until a checker approves, the month takes postings; the
close is checked again at approval (in order, once, and on the trial balance
the maker saw).
"""

from __future__ import annotations

from typing import Any

from domain.finance.accounts import BANK, PAID_IN_CAPITAL
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import close_period, post_journal

CAPITAL = [
    {"account": BANK, "debit": "500.00", "credit": "0", "currency": "CNY"},
    {"account": PAID_IN_CAPITAL, "debit": "0", "credit": "500.00", "currency": "CNY"},
]


def _january(fw: FinanceWorld) -> None:
    fw.clock.set(2026, 1, 20, 9)
    post_journal(fw, "2026-01-15", "Paid-in capital", CAPITAL)
    fw.clock.set(2026, 2, 2, 9)
    fw.settle("finance_ledger")


def _ask(fw: FinanceWorld, period: str = "2026-01", who: Any = None) -> Any:
    return fw.post(f"/finance/estates/{fw.estate_id}/periods/{period}/close", who or fw.finance)


def _closed(fw: FinanceWorld) -> list[str]:
    path = f"/finance/estates/{fw.estate_id}/periods"
    return [c["period"] for c in fw.get(path, fw.finance).json()["closed"]]


def test_a_close_waits_for_a_second_person_and_the_maker_never_checks(fw: FinanceWorld) -> None:
    _january(fw)
    asked = _ask(fw)
    assert asked.status_code == 202, asked.text
    approval_id = asked.json()["approval_id"]
    view = fw.get(f"/approvals/{approval_id}", fw.admin, after=asked.json()["position"]).json()
    assert (view["kind"], view["status"]) == ("period_close", "pending")
    # Asked is not closed: January still takes a journal, and a second ask is refused.
    assert _closed(fw) == []
    post_journal(fw, "2026-01-31", "Late capital", CAPITAL)
    head = fw.container.event_log.head()
    assert_problem(_ask(fw), 409)
    assert_problem(fw.post(f"/approvals/{approval_id}/approve", fw.finance, {}), 403)
    assert fw.container.event_log.head() == head
    # The journal moved January since the maker looked: the checker cannot close it.
    assert_problem(fw.post(f"/approvals/{approval_id}/approve", fw.admin, {}), 409)
    assert fw.container.event_log.head() == head and _closed(fw) == []
    fw.post(f"/approvals/{approval_id}/reject", fw.admin, {"reason": "books moved"}, status=200)

    close_period(fw, "2026-01")
    assert _closed(fw) == ["2026-01"]
    # A closed period refuses postings; closing it again is refused.
    refused = post_journal(fw, "2026-01-31", "Too late", CAPITAL, status=409)
    assert refused["status"] == 409
    assert_problem(_ask(fw), 409)


def test_an_administrator_acting_alone_cannot_close(fw: FinanceWorld) -> None:
    _january(fw)
    asked = _ask(fw, who=fw.admin).json()
    head = fw.container.event_log.head()
    problem = fw.post(f"/approvals/{asked['approval_id']}/approve", fw.admin, {})
    assert_problem(problem, 403)
    assert "own request" in problem.json()["detail"]
    assert fw.container.event_log.head() == head and _closed(fw) == []
    fw.post(f"/approvals/{asked['approval_id']}/approve", fw.finance, {}, status=200)
    assert _closed(fw) == ["2026-01"]


def test_periods_still_close_in_order_and_once(fw: FinanceWorld) -> None:
    _january(fw)
    fw.clock.set(2026, 3, 2, 9)
    assert_problem(_ask(fw, "2026-02"), 409)  # January first
    assert_problem(_ask(fw, "2026-03"), 409)  # March has not ended
    january = _ask(fw).json()["approval_id"]
    assert_problem(_ask(fw), 409)  # one request per period waits at a time
    assert_problem(_ask(fw, "2026-02"), 409)  # January is not closed until approved
    fw.post(f"/approvals/{january}/approve", fw.admin, {}, status=200)
    assert _closed(fw) == ["2026-01"]
    assert_problem(_ask(fw), 409)  # once
    close_period(fw, "2026-02")
    assert _closed(fw) == ["2026-01", "2026-02"]
