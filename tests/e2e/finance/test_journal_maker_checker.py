"""Issue 14, defect 8, through the HTTP API: a manual journal, and its reversal,
need a second person (maker-checker, approval kind ``journal``).

The clerk who prepares a journal (制单) never approves it (审核), an
administrator acting alone included; until a checker approves, nothing is on
the ledger, and a rejection leaves the ledger as it was.
docs/decisions/0020-maker-checker.md.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.finance.accounts import BANK, PAID_IN_CAPITAL
from domain.finance.journal_requests import JournalRequest
from tests.e2e.api.test_object_scoping import assert_problem, make_user
from tests.e2e.finance.conftest import Actor, FinanceWorld, _assign
from tests.e2e.finance.helpers import reverse_journal

CAPITAL = [
    {"account": BANK, "debit": "500.00", "credit": "0", "currency": "CNY"},
    {"account": PAID_IN_CAPITAL, "debit": "0", "credit": "500.00", "currency": "CNY"},
]


def _ask(fw: FinanceWorld, who: Actor) -> Any:
    fw.clock.set(2026, 1, 20, 9)
    body = {"booked_on": "2026-01-15", "memo": "Paid-in capital", "lines": CAPITAL}
    return fw.post(f"/finance/estates/{fw.estate_id}/journals", who, body)


def _entries(fw: FinanceWorld) -> list[dict[str, Any]]:
    """The estate's ledger entries (newest first), once the read model caught up."""
    fw.settle("finance_ledger")
    path = "/finance/ledger/journal"
    return fw.get(path, fw.finance, estate_id=fw.estate_id).json()["items"]  # type: ignore[no-any-return]


def _checker(fw: FinanceWorld) -> Actor:
    """A second finance clerk of the estate."""
    user_id, headers, _ = make_user(fw.client, fw.admin.headers, "finance.checker", ["finance"])
    _assign(fw.client, fw.admin.headers, user_id, fw.estate_id)
    return Actor(user_id, headers)


def test_a_journal_waits_for_a_second_person_and_the_maker_never_checks(
    fw: FinanceWorld,
) -> None:
    asked = _ask(fw, fw.finance)
    assert asked.status_code == 202, asked.text
    journal_id, approval_id = asked.json()["id"], asked.json()["approval_id"]
    view = fw.get(f"/approvals/{approval_id}", fw.admin, after=asked.json()["position"]).json()
    assert (view["kind"], view["status"], view["amount"]) == ("journal", "pending", "500.00")
    # Asked is not posted: the ledger has nothing, the journal cannot be reversed yet.
    assert _entries(fw) == []
    head = fw.container.event_log.head()
    assert_problem(fw.post(f"/approvals/{approval_id}/approve", fw.finance, {}), 403)
    assert_problem(_reversal(fw, journal_id), 404)
    assert fw.container.event_log.head() == head

    decided = fw.post(f"/approvals/{approval_id}/approve", _checker(fw), {}, status=200)
    [entry] = _entries(fw)
    assert entry["position"] == decided.json()["position"]
    assert entry["booked_on"] == "2026-01-15"
    assert [(x["account"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        (BANK, "500.00", "0.00"),
        (PAID_IN_CAPITAL, "0.00", "500.00"),
    ]


def _reversal(fw: FinanceWorld, journal_id: str, who: Actor | None = None) -> Any:
    path = f"/finance/journals/{journal_id}/reversal"
    return fw.post(path, who or fw.finance, {"reason": "booked in error"})


def test_an_administrator_acting_alone_cannot_post_a_journal(fw: FinanceWorld) -> None:
    asked = _ask(fw, fw.admin)
    assert asked.status_code == 202, asked.text
    head = fw.container.event_log.head()
    problem = fw.post(f"/approvals/{asked.json()['approval_id']}/approve", fw.admin, {})
    assert_problem(problem, 403)
    assert "own request" in problem.json()["detail"]
    assert fw.container.event_log.head() == head
    assert _entries(fw) == []


def test_a_rejected_journal_records_nothing_on_the_ledger(fw: FinanceWorld) -> None:
    asked = _ask(fw, fw.finance).json()
    reason = {"reason": "no capital came in"}
    fw.post(f"/approvals/{asked['approval_id']}/reject", fw.admin, reason, status=200)
    assert _entries(fw) == []
    # The decline is on record; the journal it would have posted never exists.
    view = fw.get(f"/approvals/{asked['approval_id']}", fw.admin).json()
    assert view["status"] == "rejected"
    request = fw.container.event_log.repository.get(UUID(view["subject_id"]))
    assert isinstance(request, JournalRequest) and request.outcome == "declined (rejected)"
    assert_problem(_reversal(fw, asked["id"]), 404)


def test_a_reversal_waits_for_a_second_person(fw: FinanceWorld) -> None:
    asked = _ask(fw, fw.finance).json()
    fw.post(f"/approvals/{asked['approval_id']}/approve", fw.admin, {}, status=200)
    fw.clock.set(2026, 2, 3, 9)
    first = _reversal(fw, asked["id"])
    assert first.status_code == 202, first.text
    assert len(_entries(fw)) == 1  # asked is not reversed
    approval = f"/approvals/{first.json()['approval_id']}"
    assert_problem(fw.post(f"{approval}/approve", fw.finance, {}), 403)
    reason = {"reason": "the capital did come in"}
    fw.post(f"{approval}/reject", fw.admin, reason, status=200)
    assert len(_entries(fw)) == 1

    second = reverse_journal(fw, asked["id"], "booked twice")
    assert second["id"] != first.json()["id"]
    latest = _entries(fw)[0]
    assert latest["position"] == second["position"] and latest["booked_on"] == "2026-02-03"
    assert [(x["account"], x["debit"], x["credit"]) for x in latest["lines"]] == [
        (BANK, "0.00", "500.00"),
        (PAID_IN_CAPITAL, "500.00", "0.00"),
    ]
    # Reversed once: asking again is refused.
    assert_problem(_reversal(fw, asked["id"]), 409)
