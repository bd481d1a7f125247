"""The books' reads answer what the OpenAPI document says (decision 0052).

The statements, the journal, an owner's statement, the closed periods and the
compliance reviews build their JSON themselves; their models exist for the
document alone. Here each answer over real books is walked beside its
schema, so a key added to a statement without its model, or a model that
promises a key the answer lacks, fails by name.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.finance.conftest import FinanceWorld
from tests.e2e.finance.helpers import adopt_rate, bill, close_period
from tests.e2e.finance.test_ledger import january_books
from tests.support.documented import answer_schema, mismatches, untyped

STATEMENTS = {
    "trial-balance": {"from": "2026-01-01", "to": "2026-01-31"},
    "balance-sheet": {"at": "2026-01-31"},
    "income-statement": {"from": "2026-01-01", "to": "2026-01-31"},
    "cash-flow": {"from": "2026-01-01", "to": "2026-01-31"},
    "receivables-aging": {"at": "2026-03-31"},
    "fund": {"from": "2026-01-01", "to": "2026-01-31"},
    "balance-sheet-cas": {"at": "2026-01-31"},
    "income-statement-cas": {"from": "2026-01-01", "to": "2026-01-31"},
}


def _check(fw: FinanceWorld, document: dict[str, Any], path: str, body: Any, **at: Any) -> None:
    schema = answer_schema(document, at.pop("method", "GET"), path, at.pop("status", 200))
    assert mismatches(document, schema, body) == [], path


def test_the_books_document_every_nested_row_by_type(fw: FinanceWorld) -> None:
    """No statement, journal or owner's statement row is a ``dict[str, Any]``:
    each nested row is a model of its own (decision 0055)."""
    document = fw.client.get("/openapi.json").json()
    for path in (
        "/api/v1/finance/statements/{kind}",
        "/api/v1/finance/units/{unit_id}/statement",
        "/api/v1/finance/ledger/journal",
        "/api/v1/finance/estates/{estate_id}/periods",
    ):
        assert untyped(document, answer_schema(document, "GET", path)) == [], path


def test_the_books_answer_as_their_schemas_say(fw: FinanceWorld) -> None:
    document = fw.client.get("/openapi.json").json()
    january_books(fw)
    adopt_rate(fw, "property_fee", "2.50")
    bill(fw, "2026-01")
    fw.clock.set(2026, 2, 5)
    close_period(fw, "2026-01")
    fw.settle("finance_ledger")

    for kind, params in STATEMENTS.items():
        answer = fw.get(f"/finance/statements/{kind}", fw.auditor, estate_id=fw.estate_id, **params)
        body = answer.json()
        assert body, kind
        _check(fw, document, "/api/v1/finance/statements/{kind}", body)
    aging = fw.get("/finance/statements/receivables-aging", fw.auditor, at="2026-03-31").json()
    assert aging["bills"] and aging["units"] and aging["debtors"]

    owner = fw.get(f"/finance/units/{fw.units[0]}/statement", fw.owners[0]).json()
    assert owner["currencies"]["CNY"]["lines"]
    _check(fw, document, "/api/v1/finance/units/{unit_id}/statement", owner)

    journal = fw.get("/finance/ledger/journal", fw.auditor, limit=2).response.json()
    assert journal["items"] and journal["next_cursor"]
    _check(fw, document, "/api/v1/finance/ledger/journal", journal)

    periods = fw.get(f"/finance/estates/{fw.estate_id}/periods", fw.auditor).json()
    assert [p["period"] for p in periods["closed"]] == ["2026-01"]
    _check(fw, document, "/api/v1/finance/estates/{estate_id}/periods", periods)

    run = fw.post(
        "/finance/compliance-checks",
        fw.auditor,
        {"estate_id": fw.estate_id, "from": "2026-01-01", "to": "2026-01-31"},
        status=201,
    ).json()
    _check(fw, document, "/api/v1/finance/compliance-checks", run, method="POST", status=201)
    head = fw.container.event_log.head()
    # the page itself: ``Answer.json()`` unwraps a page to its items
    reviews = fw.get("/finance/compliance-checks", fw.auditor, after=head).response.json()
    assert [r["id"] for r in reviews["items"]] == [run["id"]]
    _check(fw, document, "/api/v1/finance/compliance-checks", reviews)
    review = fw.get(f"/finance/compliance-checks/{run['id']}", fw.auditor).json()
    _check(fw, document, "/api/v1/finance/compliance-checks/{review_id}", review)
