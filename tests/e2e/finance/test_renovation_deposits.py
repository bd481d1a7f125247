"""Renovation deposits (装修押金) through the HTTP API: a liability held per unit on
2241.03, refunded after inspection or forfeited in part on a second person's approval.

The world of conftest: units 101, 201, 301 of Finance Garden, owners[i] owns units[i].
"""

from __future__ import annotations

from typing import Any

from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.test_compliance import failed, run
from tests.e2e.finance.test_reversals_and_subledgers import _add_lines

PATH = "/finance/renovation-deposits"
HELD, FORFEITED = "2241.03", "6301"


def take(fw: FinanceWorld, amount: str = "2000.00", who: Actor | None = None, **more: Any) -> Any:
    body = {
        "unit_id": fw.units[0],
        "amount": amount,
        "method": "cash",
        "reference": "ZX-0001",
        "renovation": "kitchen and bathroom refit, permit RN-2026-07",
        **more,
    }
    return fw.post(PATH, who or fw.finance, body)


def deposit(fw: FinanceWorld, deposit_id: str, who: Actor | None = None, status: int = 200) -> Any:
    fw.settle("finance_renovation")
    return fw.get(f"{PATH}/{deposit_id}", who or fw.finance, status=status)


def closing(fw: FinanceWorld) -> dict[str, str]:
    """Each account's closing balance (debit minus credit) on the trial balance."""
    fw.settle("finance_ledger")
    tb = fw.get("/finance/statements/trial-balance", fw.finance, estate_id=fw.estate_id).json()
    assert tb["totals"]["CNY"]["balanced"] is True
    return {r["account"]: r["closing"] for r in tb["rows"]}


def refund(fw: FinanceWorld, deposit_id: str, **more: Any) -> Any:
    body = {"method": "cash", "reference": "RF-1", "inspection": "passed, report INS-77", **more}
    return fw.post(f"{PATH}/{deposit_id}/refund", fw.finance, body)


def test_a_deposit_is_a_liability_refunded_in_part_forfeited_in_part_on_approval(
    fw: FinanceWorld,
) -> None:
    """2,000.00 taken in cash: Dr 1001 2,000.00 / Cr 2241.03 2,000.00 (unit 101), no revenue.
    A forfeit of 500.00 for a scratched lift car waits for a second person; meanwhile
    at most 2,000.00 - 500.00 = 1,500.00 may be refunded. Approved: Dr 2241.03 500.00 /
    Cr 6301 500.00. The rest refunded: Dr 2241.03 1,500.00 / Cr 1001 1,500.00.
    Cash: 2,000.00 - 1,500.00 = 500.00; 2241.03: 0; 6301: 500.00 credit."""
    r = take(fw)
    assert r.status_code == 201, r.text
    deposit_id = r.json()["id"]
    held = deposit(fw, deposit_id).json()
    assert (held["balance"], held["status"], held["unit_id"]) == ("2000.00", "held", fw.units[0])
    books = closing(fw)
    assert (books["1001"], books[HELD]) == ("2000.00", "-2000.00")
    assert not any(code.startswith(("5", "6")) for code in books)  # nothing is revenue

    asked = fw.post(
        f"{PATH}/{deposit_id}/forfeiture",
        fw.finance,
        {"amount": "500.00", "reason": "lift car 2 scratched during delivery"},
    )
    assert asked.status_code == 201, asked.text
    approval_id = asked.json()["approval_id"]
    assert deposit(fw, deposit_id).json()["pending_forfeit"] == "500.00"
    head = fw.container.event_log.head()
    r = refund(fw, deposit_id, amount="1500.01")
    assert r.status_code == 422 and "1500.00" in r.text, r.text
    # The clerk who asked does not decide; nothing is booked until a second person does.
    fw.settle("approvals")
    mine = fw.post(f"/approvals/{approval_id}/approve", fw.finance, {"comment": "ok"})
    assert mine.status_code in (403, 409), mine.text
    assert fw.container.event_log.head() == head
    assert FORFEITED not in closing(fw)

    fw.post(f"/approvals/{approval_id}/approve", fw.admin, {"comment": "seen"}, status=200)
    after = deposit(fw, deposit_id).json()
    assert (after["balance"], after["forfeited"], after["pending_forfeit"]) == (
        "1500.00",
        "500.00",
        None,
    )
    books = closing(fw)
    assert (books[HELD], books[FORFEITED]) == ("-1500.00", "-500.00")

    r = refund(fw, deposit_id)  # the whole remaining balance
    assert r.status_code == 200, r.text
    assert r.json()["amount"] == "1500.00"
    done = deposit(fw, deposit_id).json()
    assert (done["balance"], done["refunded"], done["status"]) == ("0.00", "1500.00", "closed")
    assert [m["kind"] for m in done["movements"]] == ["taken", "forfeited", "refunded"]
    books = closing(fw)
    assert (books["1001"], books[HELD], books[FORFEITED]) == ("500.00", "0.00", "-500.00")
    assert refund(fw, deposit_id, reference="RF-2").status_code == 409


def test_a_rejected_forfeit_books_nothing_and_frees_the_deposit(fw: FinanceWorld) -> None:
    deposit_id = take(fw, "800.00", method="bank_transfer").json()["id"]
    asked = fw.post(
        f"{PATH}/{deposit_id}/forfeiture", fw.finance, {"amount": "800.00", "reason": "wall"}
    ).json()
    assert refund(fw, deposit_id).status_code == 409  # all of it awaits the decision
    one = {"amount": "1.00", "reason": "x"}
    again = fw.post(f"{PATH}/{deposit_id}/forfeiture", fw.finance, one)
    assert again.status_code == 409
    fw.settle("approvals")
    fw.post(
        f"/approvals/{asked['approval_id']}/reject", fw.admin, {"reason": "no proof"}, status=200
    )
    assert deposit(fw, deposit_id).json()["pending_forfeit"] is None
    assert FORFEITED not in closing(fw)
    r = refund(fw, deposit_id, method="bank_transfer", amount="300.00")
    assert r.status_code == 200, r.text
    books = closing(fw)
    assert (books["1002"], books[HELD]) == ("500.00", "-500.00")


def test_bad_input_and_a_second_use_of_a_receipt_change_nothing(fw: FinanceWorld) -> None:
    deposit_id = take(fw).json()["id"]
    head = fw.container.event_log.head()
    assert take(fw, reference=" ZX-0001 ").status_code == 409  # the same receipt
    assert take(fw, 2000.5, reference="ZX-2").status_code == 422  # type: ignore[arg-type]
    assert take(fw, "0.00", reference="ZX-3").status_code == 422
    assert take(fw, "1.001", reference="ZX-4").status_code == 422
    assert take(fw, reference="ZX-5", method="online").status_code == 422
    assert take(fw, reference="ZX-6", renovation="").status_code == 422
    assert take(fw, reference="ZX-7", booked_on="2030-01-01").status_code == 422
    assert take(fw, reference="ZX-8", unknown="x").status_code == 422
    assert refund(fw, deposit_id, amount="2000.01").status_code == 422
    assert refund(fw, deposit_id, inspection="").status_code == 422
    forfeit = f"{PATH}/{deposit_id}/forfeiture"
    assert fw.post(forfeit, fw.finance, {"amount": "2000.01", "reason": "x"}).status_code == 422
    assert fw.post(forfeit, fw.finance, {"amount": "1.00", "reason": ""}).status_code == 422
    assert fw.container.event_log.head() == head


def test_owners_read_their_own_units_deposits_and_other_estates_see_nothing(
    fw: FinanceWorld,
) -> None:
    deposit_id = take(fw).json()["id"]
    head = fw.container.event_log.head()
    assert deposit(fw, deposit_id, fw.owners[0]).json()["balance"] == "2000.00"
    deposit(fw, deposit_id, fw.owners[1], status=404)
    deposit(fw, deposit_id, fw.other_finance, status=404)
    assert [d["id"] for d in fw.get(PATH, fw.owners[0]).json()] == [deposit_id]
    assert fw.get(PATH, fw.owners[1]).json() == []
    assert fw.get(PATH, fw.other_finance).json() == []
    assert take(fw, who=fw.owners[0], reference="ZX-9").status_code == 403
    assert take(fw, who=fw.other_finance, reference="ZX-9").status_code == 404
    assert take(fw, who=fw.auditor, reference="ZX-9").status_code == 403
    assert refund(fw, deposit_id) is not None  # (the clerk may; the others may not:)
    body = {"method": "cash", "reference": "RF-9", "inspection": "ok"}
    assert fw.post(f"{PATH}/{deposit_id}/refund", fw.other_finance, body).status_code == 404
    assert fw.post(f"{PATH}/{deposit_id}/refund", fw.owners[0], body).status_code == 403
    assert fw.container.event_log.head() == head + 1  # only the clerk's refund


def test_the_deposits_sub_ledger_is_reconciled_to_2241_03_by_the_compliance_checks(
    fw: FinanceWorld,
) -> None:
    """A ledger line that moves 100.00 of unit 101's deposit to unit 201, which no
    deposit event explains, is found: unit 101 holds 2,000.00 in the sub-ledger but
    1,900.00 on 2241.03."""
    taken = take(fw).json()
    fw.clock.set(2026, 3, 1)
    fw.settle("finance_ledger")
    clean = run(fw)
    assert "subledgers_equal_control" not in failed(clean), clean
    _add_lines(
        fw,
        taken["position"],
        [
            (HELD, "100.00", "0", fw.units[0], None),
            (HELD, "0", "100.00", fw.units[1], None),
        ],
    )
    review = run(fw)
    assert "subledgers_equal_control" in failed(review)
    assert f"unit {fw.units[0]}: other payables - renovation deposits (2241.03) is " in str(
        review
    ), review
