"""Receivables aging (应收账款账龄) in the buckets a Chinese finance team and its
auditor read (issue 14, "Receivables"): not yet due, four steps within the first
year past due, then 1-2, 2-3 and over 3 years, totalling the 1122 control account.

The three units pay a property fee of 2.50 per m² gross: 250.00, 200.00 and 300.00,
750.00 a run. A run's bills fall due 15 days after it (the estate's terms).
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from openpyxl import load_workbook

from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill

AT = date(2029, 4, 30)
# Days past due at AT -> the bucket the bill lands in; a negative day count is a
# bill due after AT.
AGES = {1200: "over 3 years", 800: "2-3 years", 400: "1-2 years", 45: "31-90", -15: "not yet due"}
BUCKETS = [
    "not yet due",
    "0-30",
    "31-90",
    "91-180",
    "181-365",
    "1-2 years",
    "2-3 years",
    "over 3 years",
]


def test_bills_age_into_years_and_the_buckets_total_the_control_account(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    for days in AGES:
        run_on = AT - timedelta(days=days + 15)
        fw.clock.set(run_on.year, run_on.month, run_on.day, 8)
        assert Decimal(bill(fw, f"{run_on:%Y-%m}")["amount"]) == Decimal("750.00")
    fw.clock.set(2029, 4, 30, 12)
    head = fw.container.event_log.head()
    aging = fw.get(
        "/finance/statements/receivables-aging",
        fw.auditor,
        estate_id=fw.estate_id,
        at=AT.isoformat(),
        after=head,
    ).json()

    assert aging["buckets"] == BUCKETS
    seen: dict[int, list[str]] = {}
    for row in aging["bills"]:
        days = (AT - date.fromisoformat(row["due_on"])).days
        seen.setdefault(days, []).append(row["bucket"])
        assert row["days_past_due"] == max(days, 0)
    assert seen == {days: [bucket] * 3 for days, bucket in AGES.items()}

    totals = {k: Decimal(str(v)) for k, v in aging["totals"]["CNY"].items()}
    run = Decimal("750.00")
    assert totals == {
        "not yet due": run,
        "0-30": Decimal(0),
        "31-90": run,
        "91-180": Decimal(0),
        "181-365": Decimal(0),
        "within 1 year": run,
        "1-2 years": run,
        "2-3 years": run,
        "over 3 years": run,
        "total": 5 * run,
    }
    assert Decimal(str(aging["control"]["CNY"])) == totals["total"]
    for unit in aging["units"]:
        assert Decimal(str(unit["total"])) == sum(Decimal(str(unit[b])) for b in BUCKETS)


def test_the_aging_exports_list_the_new_buckets(fw: FinanceWorld) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")
    fw.clock.set(2026, 1, 1, 8)
    bill(fw, "2026-01")
    fw.clock.set(2027, 3, 1, 8)
    r = fw.get(
        "/finance/statements/receivables-aging",
        fw.auditor,
        estate_id=fw.estate_id,
        at="2027-03-01",
        after=fw.container.event_log.head(),
        format="xlsx",
        lang="en",
    )
    book = load_workbook(io.BytesIO(r.content))
    cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}
    assert {"1-2 years", "over 3 years", "not yet due"} <= cells
