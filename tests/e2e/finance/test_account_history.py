"""A unit's account pages its history: every open bill, the latest settled
bills and payments, and cursors for the older ones (issue 15)."""

from __future__ import annotations

from typing import Any

from tests.e2e.api.test_object_scoping import assert_problem
from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, pay


def _page(fw: FinanceWorld, unit: str, **cursor: Any) -> dict[str, Any]:
    head = fw.container.event_log.head()
    response = fw.get(f"/finance/units/{unit}/account", fw.finance, after=head, **cursor)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_account_shows_its_open_bills_and_latest_history_and_pages_the_rest(
    fw: FinanceWorld,
) -> None:
    adopt_rate(fw, "property_fee", "2.50", basis="gross")  # unit 1: 100 m2, 250.00 a month
    unit = fw.units[0]
    for month in (1, 2, 3):
        fw.clock.set(2026, month + 1, 1, 9)
        bill(fw, f"2026-0{month}")
    for _ in range(2):  # January's bill, then February's: oldest first
        assert pay(fw, unit, "250.00").status_code == 201

    everything = _page(fw, unit)
    assert [b["period"] for b in everything["bills"]] == ["2026-01", "2026-02", "2026-03"]
    assert len(everything["payments"]) == 2
    assert (everything["older_bills"], everything["older_payments"]) == (None, None)

    first = _page(fw, unit, limit=1)
    # March is open, so shown whatever the limit; February is the latest settled bill.
    assert [(b["period"], b["status"]) for b in first["bills"]] == [
        ("2026-02", "settled"),
        ("2026-03", "open"),
    ]
    assert first["payments"] == everything["payments"][1:]
    assert first["older_bills"] == first["bills"][0]["position"]
    assert first["older_payments"] == first["payments"][0]["position"]

    older = _page(
        fw,
        unit,
        limit=1,
        bills_before=first["older_bills"],
        payments_before=first["older_payments"],
    )
    assert [b["period"] for b in older["bills"]] == ["2026-01"]  # no open bill again
    assert older["payments"] == everything["payments"][:1]
    assert (older["older_bills"], older["older_payments"]) == (None, None)
    assert older["outstanding"] == first["outstanding"] == everything["outstanding"]


def test_a_cursor_that_is_no_position_is_a_problem(fw: FinanceWorld) -> None:
    for query in ({"bills_before": -1}, {"payments_before": "x"}, {"limit": 0}):
        answer = fw.get(f"/finance/units/{fw.units[0]}/account", fw.finance, None, **query)
        assert_problem(answer, 422)
