"""Compliance checks (R5.5): a clean estate passes, real violations are found, findings
are rectified by the estate and closed by an auditor; the CLI exits 1 on findings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from typer.testing import CliRunner

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.account import UnitAccount, account_id_for
from domain.finance.accounts import BANK, PAID_IN_CAPITAL
from domain.finance.compliance import CHECK_NAMES, ComplianceReview, FindingNotFound
from infrastructure.settings import Settings
from interfaces.cli.main import app as cli
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import (
    adopt_rate,
    approve_fully,
    bill,
    close_period,
    pay,
    post_journal,
    reverse,
)
from tests.e2e.finance.test_expenses import set_budget, submit, vendor

PATH = "/finance/compliance-checks"
PERIOD = {"from": "2026-01-01", "to": "2026-02-28"}
NOW = datetime(2026, 3, 1, tzinfo=UTC)


# ---- the domain, without I/O ------------------------------------------------------------


def _run(checks: list[dict[str, Any]], findings: list[dict[str, Any]]) -> ComplianceReview:
    return ComplianceReview.run(
        id=uuid4(),
        estate_id=uuid4(),
        date_from=date(2026, 1, 1),
        date_to=date(2026, 1, 31),
        as_of_position=10,
        parameters={},
        checks=checks,
        findings=findings,
        run_by=uuid4(),
        at=NOW,
    )


def _review(passed: bool = False) -> ComplianceReview:
    checks: list[dict[str, Any]] = [
        {"name": n, "passed": True, "detail": "ok"} for n in CHECK_NAMES
    ]
    findings: list[dict[str, Any]] = []
    if not passed:
        checks[4]["passed"] = False
        findings = [
            {
                "finding_id": uuid4(),
                "check": CHECK_NAMES[4],
                "detail": "bill B overpaid",
                "subject_id": uuid4(),
            }
        ]
    return _run(checks, findings)


def test_a_finding_is_rectified_then_closed_by_someone_else() -> None:
    review = _review()
    assert not review.passed
    assert review.parameters == {"large_expense_threshold": Decimal(10000), "currency": "CNY"}
    [finding_id] = review.findings
    clerk, auditor = uuid4(), uuid4()
    with pytest.raises(InvalidTransition):
        review.close_finding(finding_id, auditor, "looks fine", NOW)  # not rectified yet
    review.rectify(finding_id, "reversed by payment reversal P", clerk, NOW)
    with pytest.raises(InvalidTransition):
        review.rectify(finding_id, "again", clerk, NOW)
    with pytest.raises(InvalidTransition):
        review.close_finding(finding_id, clerk, "my own fix", NOW)
    review.close_finding(finding_id, auditor, "reversal verified", NOW)
    assert str(review.findings[finding_id]["status"]) == "closed"
    with pytest.raises(FindingNotFound):
        review.rectify(uuid4(), "no such", clerk, NOW)
    names = [type(e).__name__ for e in review.collect_events()]
    assert names == ["ChecksRun", "FindingRectified", "FindingClosed"]


def test_a_failed_check_must_leave_a_finding_and_notes_are_required() -> None:
    checks = [{"name": "entries_balance", "passed": False, "detail": "x"}]
    # No finding at all; a finding without the ID its handler gives every one.
    for findings in ([], [{"check": "entries_balance", "detail": "x"}]):
        with pytest.raises(ValidationFailed):
            _run(checks, findings)
    review = _review()
    with pytest.raises(ValidationFailed):
        review.rectify(next(iter(review.findings)), "  ", uuid4(), NOW)
    assert _review(passed=True).passed


# ---- through HTTP ----------------------------------------------------------------------


def clean_estate(fw: FinanceWorld) -> dict[str, Any]:
    """January opening capital, a January billing run paid (one overpaid, its credit
    refunded on approval), a large repair approved by people, January closed."""
    fw.clock.set(2026, 1, 10)
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 1, 25)
    opening = post_journal(
        fw,
        "2026-01-25",
        "Opening balance",
        [
            {"account": BANK, "debit": "100000.00", "currency": "CNY"},
            {"account": PAID_IN_CAPITAL, "credit": "100000.00", "currency": "CNY"},
        ],
    )
    fw.clock.set(2026, 2, 1, 9)
    bill(fw, "2026-01")
    assert pay(fw, fw.units[0], "250.00").status_code == 201
    assert pay(fw, fw.units[1], "300.00").status_code == 201  # 200 the bill, 100 credit
    refund = fw.post(
        f"/finance/units/{fw.units[1]}/refunds",
        fw.finance,
        {"amount": "100.00", "reason": "overpaid by mistake"},
        status=201,
    ).json()
    assert approve_fully(fw, refund["approval_id"])["status"] == "approved"
    vendor_id = vendor(fw)
    set_budget(fw, {"repairs": "20000.00"})
    claim = submit(fw, vendor_id, "repairs", "12000.00", incurred_on="2026-02-01").json()
    assert approve_fully(fw, claim["approval_id"])["status"] == "approved"
    close_period(fw, "2026-01")
    fw.settle("finance_ledger")
    return {"opening": opening, "claim": claim}


def run(fw: FinanceWorld, who: Any = None, status: int = 201, **body: Any) -> dict[str, Any]:
    payload = {"estate_id": fw.estate_id, **PERIOD, **body}
    return fw.post(PATH, who or fw.auditor, payload, status=status).json()  # type: ignore[no-any-return]


def failed(review: dict[str, Any]) -> set[str]:
    return {c["name"] for c in review["checks"] if not c["passed"]}


def the_bill(fw: FinanceWorld, unit: str) -> str:
    fw.settle("finance_accounts")
    [row] = fw.get("/finance/bills", fw.finance, unit_id=unit).json()
    return str(row["id"])


def overpay_like_a_buggy_writer(fw: FinanceWorld, unit: str, bill_id: str) -> tuple[str, int]:
    """Pay a settled bill again by calling the event method directly, past the guard."""
    log = fw.container.event_log
    acct = log.repository.get(account_id_for(UUID(unit)))
    assert isinstance(acct, UnitAccount)
    payment_id = uuid4()
    acct._payment_received(
        estate_id=acct.estate_id,
        unit_id=acct.unit_id,
        payment_id=payment_id,
        method="cash",
        reference=None,
        amount=Decimal("250.00"),
        currency="CNY",
        allocations=[{"bill_id": UUID(bill_id), "amount": Decimal("250.00")}],
        to_credit=Decimal("0.00"),
        recorded_by=UUID(fw.finance.id),
        booked_on=date(2026, 2, 1),
        at=fw.clock.now,
        payer_id=None,
        received_on=date(2026, 2, 1),
    )
    log.save(acct)
    return str(payment_id), log.head()


def test_a_clean_estate_passes_every_check(fw: FinanceWorld) -> None:
    clean_estate(fw)
    review = run(fw)
    assert review["passed"] is True, review
    assert [c["name"] for c in review["checks"]] == list(CHECK_NAMES)
    assert all(c["passed"] for c in review["checks"])
    assert review["findings"] == []
    approvals = next(c for c in review["checks"] if c["name"] == "approvals_present")
    assert "1 refund(s) and waiver(s), 1 expense(s)" in approvals["detail"]
    closed = next(c for c in review["checks"] if c["name"] == "closed_periods_unchanged")
    assert closed["detail"].startswith("1 closed period(s)")

    fw.settle("finance_compliance")
    listed = fw.get(PATH, fw.finance, estate_id=fw.estate_id).json()
    assert [r["id"] for r in listed] == [review["id"]]
    assert fw.get(PATH, fw.other_finance).json() == []
    fw.get(f"{PATH}/{review['id']}", fw.other_finance, status=404)
    # Finance staff check their own estate only, and only with estate_id.
    run(fw, who=fw.finance)
    run(fw, who=fw.other_finance, status=404)
    fw.post(PATH, fw.finance, PERIOD, status=403)
    fw.post(PATH, fw.owners[0], {"estate_id": fw.estate_id, **PERIOD}, status=403)
    every = run(fw, estate_id=None)  # auditors check every estate at once
    assert every["passed"] is True, every


def test_rule_approved_large_claims_and_lines_cut_below_commitments_are_found(
    fw: FinanceWorld,
) -> None:
    fw.clock.set(2026, 3, 2)
    vendor_id = vendor(fw)
    set_budget(fw, {"repairs": "20000.00"})
    claim = submit(fw, vendor_id, "repairs", "3000.00", incurred_on="2026-03-01").json()
    fw.settle("approvals")
    assert fw.get(f"/approvals/{claim['approval_id']}", fw.admin).json()["status"] == "approved"
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    assert run(fw, **march)["passed"] is True  # 3000 is below the 10000 threshold

    strict = run(fw, large_expense_threshold="1000.00", **march)
    assert failed(strict) == {"approvals_present"}
    [finding] = strict["findings"]
    assert finding["subject_id"] == claim["id"]
    assert "pre-screening rule" in finding["detail"]
    assert strict["parameters"] == {"large_expense_threshold": "1000.00", "currency": "CNY"}
    run(fw, large_expense_threshold=1000.5, status=422, **march)  # never a float

    before_cut = fw.container.event_log.head()
    set_budget(fw, {"repairs": "2000.00"}, reason="cut after the spending")
    cut = run(fw, **march)
    assert failed(cut) == {"budgets_within"}
    [finding] = cut["findings"]
    assert finding["subject_id"] == claim["id"] and "budget of 2000.00" in finding["detail"]
    # As the books stood before the cut, the line held the claim.
    assert run(fw, as_of_position=before_cut, **march)["passed"] is True
    moment = datetime.now(UTC).isoformat()
    assert run(fw, as_of=moment, **march)["passed"] is False


def test_violations_are_found_rectified_and_closed(fw: FinanceWorld, settings: Settings) -> None:
    books = clean_estate(fw)
    clean_position = fw.container.event_log.head()
    bill_id = the_bill(fw, fw.units[0])

    # (a) a buggy writer pays a settled bill again: named by payments_matched.
    payment_id, buggy = overpay_like_a_buggy_writer(fw, fw.units[0], bill_id)
    fw.settle("finance_ledger")
    review = run(fw)
    assert review["passed"] is False
    assert failed(review) == {"payments_matched"}
    [finding] = review["findings"]
    assert (finding["check"], finding["subject_id"], finding["status"]) == (
        "payments_matched",
        bill_id,
        "open",
    )
    assert "overpaid by 250.00 CNY" in finding["detail"] and payment_id in finding["detail"]

    # (c) as the books stood before the buggy event, the same checks are clean.
    before = run(fw, as_of_position=buggy - 1)
    assert before["passed"] is True and before["as_of_position"] == buggy - 1
    assert run(fw, as_of_position=clean_position)["passed"] is True

    # Findings are rectified by the estate's finance staff and closed by an auditor.
    base = f"{PATH}/{review['id']}/findings/{finding['id']}"
    fw.post(f"{base}/closure", fw.auditor, {"note": "fine"}, status=409)  # not rectified
    fw.post(f"{base}/rectification", fw.other_finance, {"note": "not mine"}, status=404)
    fw.post(f"{base}/rectification", fw.auditor, {"note": "auditors do not fix"}, status=403)
    # The clerk asks for the reversal; a second person (the administrator) approves it.
    fixed = reverse(fw, fw.units[0], payment_id, reason="recorded twice by a faulty import")
    fw.post(
        f"{base}/rectification",
        fw.finance,
        {"note": f"payment {payment_id} reversed at position {fixed.json()['position']}"},
        status=200,
    )
    fw.post(f"{base}/rectification", fw.finance, {"note": "twice"}, status=409)
    fw.post(f"{base}/closure", fw.finance, {"note": "my own fix"}, status=409)  # the rectifier
    closed = fw.post(f"{base}/closure", fw.auditor, {"note": "reversal verified"}, status=200)
    fw.post(
        f"{PATH}/{review['id']}/findings/{uuid4()}/closure", fw.auditor, {"note": "x"}, status=404
    )
    shown = fw.get(f"{PATH}/{review['id']}", fw.finance, after=closed.json()["position"]).json()
    assert (shown["open_findings"], shown["closed_findings"]) == (0, 1)
    [row] = shown["findings"]
    assert (row["status"], row["rectified_by"], row["closed_by"]) == (
        "closed",
        fw.finance.id,
        fw.auditor.id,
    )
    fw.settle("finance_ledger")
    assert run(fw)["passed"] is True  # the reversal corrected the books

    # (b) someone edits a closed period's line in the read model: the digest shows it.
    with psycopg.connect(fw.container.database_url, autocommit=True) as conn:
        changed = conn.execute(
            "UPDATE finance_ledger_lines SET account = '6001.02' "
            "WHERE position = %s AND account = %s",
            [books["opening"]["position"], PAID_IN_CAPITAL],
        ).rowcount
    assert changed == 1
    tampered = run(fw)
    assert failed(tampered) == {"closed_periods_unchanged"}
    [finding] = tampered["findings"]
    assert "2026-01" in finding["detail"] and "changed" in finding["detail"]

    # The CLI runs the same checks: exit 1 with findings, 0 when clean.
    runner = CliRunner()
    env = {
        "ESTATELOG_DATABASE_URL": str(settings.database_url),
        "ESTATELOG_REDIS_URL": str(settings.redis_url),
        "ESTATELOG_DATA_DIR": str(settings.data_dir),
    }
    args = ["finance", "check", "--estate", fw.estate_id, "--from", "2026-01-01"]
    args += ["--to", "2026-02-28"]
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 1, result.output
    assert "FAIL  closed_periods_unchanged" in result.output
    assert "PASS  payments_matched" in result.output
    result = runner.invoke(cli, [*args, "--by", "auditor.one", "--json"], env=env)
    assert result.exit_code == 1, result.output
    body = json.loads(result.output)
    assert body["passed"] is False and body["findings"][0]["check"] == "closed_periods_unchanged"
    with psycopg.connect(fw.container.database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE finance_ledger_lines SET account = %s WHERE position = %s "
            "AND account = '6001.02'",
            [PAID_IN_CAPITAL, books["opening"]["position"]],
        )
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert "PASSED" in result.output
    fw.settle("finance_compliance")
    cli_runs = fw.get(PATH, fw.auditor, estate_id=fw.estate_id).json()
    assert str(cli_runs[1]["run_by"]) == fw.auditor.id  # the --by run
    assert cli_runs[0]["run_by"] is None  # the operator's run
