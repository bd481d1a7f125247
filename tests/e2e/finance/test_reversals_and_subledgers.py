"""Issue 14, defects 10 (part) and 11, through the HTTP API: a reversed payment in the
cash flow, reversing a payment whose credit a later bill used, the sub-ledgers
reconciled to their control accounts, and a reversal by the payment's own recorder."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from domain.finance.accounts import CUSTOMER_CREDIT, FUND_BANK, FUND_PAYABLE, RECEIVABLES
from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import Actor, FinanceWorld
from tests.e2e.finance.helpers import account, adopt_rate, approve_fully, bill, pay, reverse
from tests.e2e.finance.test_compliance import failed, run
from tests.e2e.finance.test_fund import deposit
from tests.e2e.finance.test_ledger import statement


def _january_billed(fw: FinanceWorld) -> None:
    """Property fee 2.50/m² gross; January billed on 1 February (250, 200, 300)."""
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")


def _reverse(fw: FinanceWorld, unit: str, payment_id: str, who: Actor) -> Any:
    path = f"/finance/units/{unit}/payments/{payment_id}/reversal"
    return fw.post(path, who, {"reason": "the transfer bounced"})


def _bills(fw: FinanceWorld, unit: str) -> dict[str, tuple[str, Decimal]]:
    return {
        b["period"]: (b["status"], Decimal(b["outstanding"])) for b in account(fw, unit)["bills"]
    }


def test_a_reversed_payment_lowers_receipts_and_is_no_refund(fw: FinanceWorld) -> None:
    _january_billed(fw)
    assert pay(fw, fw.units[0], "250.00").status_code == 201
    mistaken = pay(fw, fw.units[1], "200.00").json()["id"]
    fw.clock.set(2026, 2, 3, 9)
    reverse(fw, fw.units[1], mistaken, reason="the transfer bounced")
    fw.settle("finance_ledger")

    flow = statement(fw, "cash-flow", **{"from": "2026-02-01", "to": "2026-02-28"}).json()
    cny = flow["totals"]["CNY"]
    # 250 + 200 received, 200 of it never arrived: no money went back to an owner.
    assert {c["category"]: c["amount"] for c in cny["categories"]} == {
        "receipts from owners": "250.00"
    }
    assert (cny["net"], cny["closing"], cny["reconciles"]) == ("250.00", "250.00", True)


def test_a_payment_whose_credit_paid_a_later_bill_is_reversed_and_that_bill_owed_again(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 1, 31, 9)
    bill(fw, "2026-01")  # unit 2 (80 m²) owes 200.00
    unit = fw.units[1]
    transfer = pay(fw, unit, "500.00", method="bank_transfer", reference="BK-0131-7")
    payment_id = transfer.json()["id"]  # 200.00 the January bill, 300.00 credit
    fw.clock.set(2026, 2, 28, 9)
    bill(fw, "2026-02")  # 200.00 of the credit settles February
    assert _bills(fw, unit) == {
        "2026-01": ("settled", Decimal(0)),
        "2026-02": ("settled", Decimal(0)),
    }

    fw.clock.set(2026, 3, 2, 9)
    reversed_ = reverse(fw, unit, payment_id, reason="the transfer bounced")
    fw.settle("finance_accounts", reversed_.json()["position"])
    # The money never arrived: both bills it paid, directly or through credit, are owed.
    assert _bills(fw, unit) == {
        "2026-01": ("open", Decimal("200.00")),
        "2026-02": ("open", Decimal("200.00")),
    }
    state = account(fw, unit)
    assert (Decimal(state["credit"]), Decimal(state["outstanding"])) == (0, Decimal("400.00"))

    fw.settle("finance_ledger")
    trial = statement(fw, "trial-balance", **{"from": "2026-01-01", "to": "2026-03-31"}).json()
    rows = {r["account"]: Decimal(r["closing"]) for r in trial["rows"]}
    # Units 1 and 3 paid nothing: 2 x 250.00 and 2 x 300.00, and unit 2's 400.00.
    assert rows[RECEIVABLES] == Decimal("1500.00")
    assert rows.get(CUSTOMER_CREDIT, Decimal(0)) == 0
    assert trial["totals"]["CNY"]["balanced"] is True
    review = run(fw, **{"from": "2026-01-01", "to": "2026-03-31"})
    assert review["passed"] is True, review


def test_a_reversal_whose_credit_was_refunded_is_refused_and_changes_nothing(
    fw: FinanceWorld,
) -> None:
    _january_billed(fw)
    unit = fw.units[2]  # owes 300.00
    payment_id = pay(fw, unit, "400.00").json()["id"]
    refund = fw.post(
        f"/finance/units/{unit}/refunds",
        fw.finance,
        {"amount": "100.00", "reason": "overpaid"},
        status=201,
    ).json()
    assert approve_fully(fw, refund["approval_id"])["status"] == "approved"
    before = fw.container.event_log.head()
    assert_problem(_reverse(fw, unit, payment_id, fw.admin), 409)
    assert fw.container.event_log.head() == before
    assert _bills(fw, unit) == {"2026-01": ("settled", Decimal(0))}


def _add_lines(fw: FinanceWorld, position: int, lines: list[tuple[Any, ...]]) -> None:
    """Write balanced lines into an existing entry of the read model, past every event:
    (account, debit, credit, unit_id, bill_id). The books stay balanced; no event
    explains them."""
    with psycopg.connect(fw.container.database_url, autocommit=True) as conn:
        for number, (acct, debit, credit, unit_id, bill_id) in enumerate(lines, start=90):
            conn.execute(
                "INSERT INTO finance_ledger_lines (position, line_no, estate_id, booked_on, "
                "account, debit, credit, currency, unit_id, bill_id) "
                "SELECT position, %s, estate_id, booked_on, %s, %s, %s, 'CNY', %s, %s "
                "FROM finance_ledger_entries WHERE position = %s",
                [number, acct, debit, credit, unit_id, bill_id, position],
            )


def _drop_lines(fw: FinanceWorld, position: int) -> None:
    with psycopg.connect(fw.container.database_url, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM finance_ledger_lines WHERE position = %s AND line_no >= 90", [position]
        )


def test_sub_ledgers_that_disagree_with_their_control_accounts_are_found(
    fw: FinanceWorld,
) -> None:
    _january_billed(fw)
    assert pay(fw, fw.units[0], "300.00").status_code == 201  # 250.00 the bill, 50.00 credit
    [first] = account(fw, fw.units[0])["bills"]
    assert deposit(fw, 1, "2400.00").status_code == 201
    fw.settle("finance_ledger")
    period = {"from": "2026-01-01", "to": "2026-02-28"}
    clean = run(fw, **period)
    assert clean["passed"] is True, clean
    check = next(c for c in clean["checks"] if c["name"] == "subledgers_equal_control")
    assert check["detail"].startswith("4 unit and fund account(s)")

    # Into the fund deposit's entry: owner credit moved from unit 1 to unit 3 in the
    # ledger only; a fund credit no deposit explains; a receivable no bill explains.
    # Each shows in this check alone.
    with psycopg.connect(fw.container.database_url) as conn:
        [at] = conn.execute("SELECT max(position) FROM finance_ledger_entries").fetchone() or [0]
    cases = [
        (
            [
                (CUSTOMER_CREDIT, "50.00", "0", fw.units[0], None),
                (CUSTOMER_CREDIT, "0", "50.00", fw.units[2], None),
            ],
            {fw.units[0], fw.units[2]},
        ),
        (
            [
                (FUND_BANK, "100.00", "0", None, None),
                (FUND_PAYABLE, "0", "100.00", fw.units[1], None),
            ],
            None,
        ),
        (
            [
                (RECEIVABLES, "30.00", "0", fw.units[0], first["id"]),
                ("6001.01", "0", "30.00", None, None),
            ],
            None,
        ),
    ]
    for lines, units in cases:
        _add_lines(fw, at, lines)
        review = run(fw, **period)
        _drop_lines(fw, at)
        assert failed(review) == {"subledgers_equal_control"}, review
        found = [f for f in review["findings"] if f["check"] == "subledgers_equal_control"]
        named = {line[3] for line in lines if line[3] is not None}
        assert all(any(u in f["detail"] for u in named) for f in found), found
        assert len(found) == len(units or named)
    assert lines[0][0] == RECEIVABLES
    assert (
        "30.00 in the ledger" in found[0]["detail"]
        and "0.00 CNY in the sub-ledger" in (found[0]["detail"])
    )
    assert run(fw, **period)["passed"] is True


def test_a_payment_reversed_by_the_clerk_who_recorded_it_is_flagged(fw: FinanceWorld) -> None:
    """Books kept before maker-checker: a reversal was one person's act, recorded at once.

    Such books are written here as they were then (the account's own decision,
    saved without an approval), since the API now asks a second person.
    """
    _january_billed(fw)
    own = pay(fw, fw.units[0], "250.00").json()["id"]
    checked = pay(fw, fw.units[1], "200.00").json()["id"]
    _reversed_at_once(fw, fw.units[0], own, fw.finance)  # the recorder
    _reversed_at_once(fw, fw.units[1], checked, fw.admin)  # someone else
    fw.settle("finance_ledger")
    review = run(fw, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert failed(review) == {"reversals_by_a_second_person"}
    [finding] = review["findings"]
    assert finding["subject_id"] == own
    assert fw.finance.id in finding["detail"] and "second person" in finding["detail"]
    # Before the reversals, nothing to flag.
    assert run(fw, **{"from": "2026-01-01", "to": "2026-01-31"})["passed"] is True


def _reversed_at_once(fw: FinanceWorld, unit: str, payment_id: str, who: Actor) -> None:
    log = fw.container.event_log
    account = fw.container.finance.accounts.account(UUID(unit))
    assert account is not None
    now = fw.clock()
    account.reverse_payment(UUID(payment_id), "the transfer bounced", UUID(who.id), now.date(), now)
    log.save_and_position(account)
