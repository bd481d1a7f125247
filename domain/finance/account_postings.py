"""The journal entry of each unit-account event (docs/finance.md, "Postings")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.finance import accounts as chart
from domain.finance.journal import Entry, Line, PostingFunction, lines_without_zeros

ZERO = Decimal(0)


def _ar(amount: Decimal, currency: str, p: Any, bill_id: Any, *, debit: bool, **dims: Any) -> Line:
    side = Line.dr if debit else Line.cr
    return side(chart.RECEIVABLES, amount, currency, unit_id=p["unit_id"], bill_id=bill_id, **dims)


def post(name: str, p: Any) -> Entry | None:
    """The journal entry of a unit-account event (see docs/finance.md, "Postings")."""
    cur = p.get("currency")
    lines: list[Line]
    if name == "BillIssued":
        lines, memo = _bill(p, cur), f"bill {p['period']}"
    elif name == "CreditApplied":
        lines = [
            Line.dr(chart.CUSTOMER_CREDIT, p["amount"], cur, unit_id=p["unit_id"]),
            _ar(p["amount"], cur, p, p["bill_id"], debit=False),
        ]
        memo = "credit applied to a bill"
    elif name == "CreditWithdrawn":
        # The credit a reversed payment left had settled this bill: it is owed again.
        lines = [
            _ar(p["amount"], cur, p, p["bill_id"], debit=True),
            Line.cr(chart.CUSTOMER_CREDIT, p["amount"], cur, unit_id=p["unit_id"]),
        ]
        memo = "credit withdrawn from a bill: the payment that left it was reversed"
    elif name in ("PaymentReceived", "PaymentReversed"):
        forward = name == "PaymentReceived"
        cash = chart.PAYMENT_ACCOUNTS[p["method"]]
        lines = [Line(cash, *_sides(p["amount"], forward), cur, unit_id=p["unit_id"])]
        lines += [line for a in p["allocations"] for line in _settled(a, cur, p, forward)]
        lines.append(
            Line(
                chart.CUSTOMER_CREDIT,
                *_sides(p["to_credit"], not forward),
                cur,
                unit_id=p["unit_id"],
            )
        )
        memo = f"{p['method']} payment" + ("" if forward else " reversed")
    elif name == "LateFeeCharged" and not p["amount"]:
        return None  # an accrual that rounds to no new fen (decision 0022)
    elif name == "LateFeeCharged":
        # 违约金 is 价外费用: its output VAT apart (v3; none before).
        lines = [
            _ar(p["amount"], cur, p, p["bill_id"], debit=True),
            Line.cr(chart.LATE_FEE_INCOME, p["amount"] - p["tax"], cur, unit_id=p["unit_id"]),
            Line.cr(chart.OUTPUT_VAT, p["tax"], cur, unit_id=p["unit_id"]),
        ]
        memo = "late fee"
    elif name == "BillWaived":
        lines, memo = _waiver(p, cur), "waiver"
    elif name == "BillWrittenOff":
        lines = [
            Line.dr(chart.BAD_DEBT_ALLOWANCE, p["amount"], cur, unit_id=p["unit_id"]),
            _ar(p["amount"], cur, p, p["bill_id"], debit=False),
        ]
        memo = "bad debt written off"
    elif name == "LateFeeWaived":
        # A waived late fee was never earned: its income is reversed (decision 0022),
        # and the output VAT in it (v2).
        lines = [
            Line.dr(chart.LATE_FEE_INCOME, p["amount"] - p["tax"], cur, unit_id=p["unit_id"]),
            Line.dr(chart.OUTPUT_VAT, p["tax"], cur, unit_id=p["unit_id"]),
            _ar(p["amount"], cur, p, p["bill_id"], debit=False),
        ]
        memo = "late fee waived"
    elif name == "Refunded":
        lines = [
            Line.dr(chart.CUSTOMER_CREDIT, p["amount"], cur, unit_id=p["unit_id"]),
            Line.cr(chart.PAYMENT_ACCOUNTS[p["method"]], p["amount"], cur, unit_id=p["unit_id"]),
        ]
        memo = "refund of credit"
    else:
        return None
    return Entry(p["estate_id"], p["booked_on"], memo, lines_without_zeros(lines))


def _waiver(p: Any, cur: str) -> list[Line]:
    """Cr 1122 what is waived; Dr 6001.90 its net and 2221.01 its output VAT (v1: all
    6001.90). A bill billed ahead, waived before its month, leaves 2204 now and
    comes off revenue when the month begins, as its revenue would have come on
    (decision 0023)."""
    unit, amount = p["unit_id"], p["amount"]
    later = p["recognised_on"] > p["booked_on"]
    day = p["recognised_on"] if later else None
    lines = [_ar(amount, cur, p, p["bill_id"], debit=False)]
    if later:
        lines.append(Line.dr(chart.CONTRACT_LIABILITIES, amount, cur, unit_id=unit))
        lines.append(Line.cr(chart.CONTRACT_LIABILITIES, amount, cur, unit_id=unit, booked_on=day))
    lines.append(Line.dr(chart.FEE_WAIVERS, amount - p["tax"], cur, unit_id=unit, booked_on=day))
    lines.append(Line.dr(chart.OUTPUT_VAT, p["tax"], cur, unit_id=unit, booked_on=day))
    return lines


def _settled(a: dict[str, Any], cur: str, p: Any, forward: bool) -> list[Line]:
    """The receivables lines of one allocation: its late fee and principal apart when
    it names a late fee (decision 0022), else one line."""
    if not a.get("late_fee"):
        return [_ar(a["amount"], cur, p, a["bill_id"], debit=not forward)]
    return [
        _ar(a[part], cur, p, a["bill_id"], debit=not forward, memo=part.replace("_", " "))
        for part in ("late_fee", "principal")
    ]


def _bill(p: Any, cur: str) -> list[Line]:
    """Dr 1122 the bill's total; Cr per line its net revenue and output VAT, or the
    utility's pass-through liability. Revenue and VAT of a bill issued before its
    month of service are booked on ``recognised_on``, through 2204 合同负债 until
    then (decision 0023)."""
    unit, later = p["unit_id"], p["recognised_on"] > p["booked_on"]
    credits: dict[str, Decimal] = {}
    passed = ZERO
    for line in p["lines"]:
        if line["treatment"] == "pass_through":
            passed += line["amount"]
            continue
        account = chart.FEE_REVENUE[line["item"]]
        credits[account] = credits.get(account, ZERO) + line["net"]
        credits[chart.OUTPUT_VAT] = credits.get(chart.OUTPUT_VAT, ZERO) + line["tax"]
    lines = [_ar(p["amount"], cur, p, p["bill_id"], debit=True, due_on=p["due_on"])]
    lines.append(Line.cr(chart.UTILITIES_PAYABLE, passed, cur, unit_id=unit))
    day = p["recognised_on"] if later else None
    if later:
        deferred = p["amount"] - passed
        lines.append(Line.cr(chart.CONTRACT_LIABILITIES, deferred, cur, unit_id=unit))
        lines.append(
            Line.dr(chart.CONTRACT_LIABILITIES, deferred, cur, unit_id=unit, booked_on=day)
        )
    lines += [Line.cr(a, v, cur, unit_id=unit, booked_on=day) for a, v in sorted(credits.items())]
    return lines


def _sides(amount: Decimal, debit: bool) -> tuple[Decimal, Decimal]:
    return (amount, ZERO) if debit else (ZERO, amount)


POSTINGS: dict[str, PostingFunction] = {"UnitAccount": post}
