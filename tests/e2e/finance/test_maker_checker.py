"""Issue 14, defect 8, through the HTTP API: a payment's reversal needs a second person.

The clerk who asks (the maker) is never the one who approves (the checker),
an administrator acting alone included; until a checker approves, the payment
stands and its bills stay paid. docs/decisions/0020-maker-checker.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, bill, pay
from tests.e2e.finance.test_compliance import failed, run


def _january_paid(fw: FinanceWorld) -> tuple[str, str]:
    """Unit 1 billed 250.00 for January and paid it in cash: (unit, payment)."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    unit = fw.units[0]
    return unit, pay(fw, unit, "250.00").json()["id"]


def _ask(fw: FinanceWorld, unit: str, payment_id: str, who: Actor) -> Any:
    path = f"/finance/units/{unit}/payments/{payment_id}/reversal"
    return fw.post(path, who, {"reason": "posted to the wrong unit"})


def _state(fw: FinanceWorld, unit: str) -> tuple[list[bool], str, Decimal]:
    fw.settle("finance_accounts")
    state = account(fw, unit)
    [january] = state["bills"]
    return (
        [p["reversed"] for p in state["payments"]],
        january["status"],
        Decimal(january["outstanding"]),
    )


def test_a_reversal_waits_for_a_second_person_and_the_maker_never_checks(
    fw: FinanceWorld,
) -> None:
    unit, payment_id = _january_paid(fw)
    asked = _ask(fw, unit, payment_id, fw.finance)
    assert asked.status_code == 202, asked.text
    approval_id = asked.json()["approval_id"]
    # Asked is not done: the payment stands, the bill stays paid.
    assert _state(fw, unit) == ([False], "settled", Decimal(0))
    view = fw.get(f"/approvals/{approval_id}", fw.admin, after=asked.json()["position"]).json()
    assert (view["kind"], view["status"], view["amount"]) == ("reversal", "pending", "250.00")
    # A second request while one waits is refused and changes nothing.
    head = fw.container.event_log.head()
    assert_problem(_ask(fw, unit, payment_id, fw.finance), 409)
    # The maker cannot approve their own request.
    assert_problem(fw.post(f"/approvals/{approval_id}/approve", fw.finance, {}), 403)
    assert fw.container.event_log.head() == head
    assert _state(fw, unit) == ([False], "settled", Decimal(0))

    fw.post(f"/approvals/{approval_id}/approve", fw.admin, {"comment": "checked"}, status=200)
    assert _state(fw, unit) == ([True], "open", Decimal("250.00"))
    # The compliance check finds the reversal made by two people.
    fw.settle("finance_ledger")
    review = run(fw, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert "reversals_by_a_second_person" not in failed(review), review


def test_an_administrator_acting_alone_cannot_reverse_a_payment(fw: FinanceWorld) -> None:
    unit, payment_id = _january_paid(fw)
    asked = _ask(fw, unit, payment_id, fw.admin)
    assert asked.status_code == 202, asked.text
    approval_id = asked.json()["approval_id"]
    head = fw.container.event_log.head()
    problem = fw.post(f"/approvals/{approval_id}/approve", fw.admin, {})
    assert_problem(problem, 403)
    assert "own request" in problem.json()["detail"]
    assert fw.container.event_log.head() == head
    assert _state(fw, unit) == ([False], "settled", Decimal(0))


def test_a_rejected_reversal_leaves_the_payment_and_may_be_asked_again(
    fw: FinanceWorld,
) -> None:
    unit, payment_id = _january_paid(fw)
    first = _ask(fw, unit, payment_id, fw.finance).json()["approval_id"]
    fw.post(f"/approvals/{first}/reject", fw.admin, {"reason": "the receipt is right"}, status=200)
    assert _state(fw, unit) == ([False], "settled", Decimal(0))
    again = _ask(fw, unit, payment_id, fw.finance)
    assert again.status_code == 202, again.text
    second = again.json()["approval_id"]
    assert second != first
    fw.post(f"/approvals/{second}/approve", fw.admin, {}, status=200)
    assert _state(fw, unit) == ([True], "open", Decimal("250.00"))
    # Reversed once: asking again is refused.
    assert_problem(_ask(fw, unit, payment_id, fw.finance), 409)
