"""One shape for every resource (decision 0049): its own identifier is ``id``;
a body without a required field is a 422 naming the field, and changes
nothing. (Unknown kinds: ``test_unknown_kinds.py``.)

The walks read the OpenAPI document of the real app, so a route added tomorrow
that answers ``thing_id`` for its own record, or takes a body whose missing
field is not named, fails here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_errors import problem

# Answers that carry other records' IDs but are no record with an ID of their
# own, each with the reason. Any other record a route answers that holds an
# ``<x>_id`` field holds ``id`` too.
NOT_RECORDS = {
    "AuditEvent": "an event of the log: its position is its identity",
    "SigningKey": "the service's public key: key_id is the key's fingerprint",
    "ArchiveEntry": "an entry of an archive, by position; ref_id names what it records",
    "HistoryEntry": "a version of an order: its number is its identity",
    "HistoryView": "a record's history, named by the record's aggregate_id",
    "Delivery": "one message to one recipient on one channel: no record of its own",
    "BudgetView": "an estate's budget of a year: the estate and the year name it",
    "ExpenseAnalysis": "a report of an estate",
    "FeeScheduleView": "a setting of an estate",
    "FirstDepositRuleView": "a setting of an estate",
    "TaxSettingsView": "a setting of an estate",
    "JumpRuleView": "a setting of an estate's meters",
    "UnpaidListView": "a report of an estate",
    "PublishedView": "a report of an estate",
    "ReconciliationView": "a report of an estate",
    "SurveyResult": "an estate's tally of one survey subject",
    "OwnedUnitView": "a unit the caller owns: unit_id names the unit",
    "AccountView": "a unit's account, named by its unit",
    "OwnerStatementView": "a person's statement of a unit, named by both",
    "CloseAsked": "approval_id names the approval the command opened",
    "ApprovalAsked": "approval_id names the approval the command opened",
    "ClosedPeriods": "an estate's closed periods: a setting of the estate",
    "ClosedPeriod": "a month of an estate's books, named by the estate and the month",
    "JournalEntry": "an entry of the log, by its position; originator_id names its aggregate",
    "UnitStatement": "a unit's statement, named by its unit",
    "MatchedPair": "a bank line and the payment it was matched to, each by its ID",
    "UnmatchedPayment": "a payment in a reconciliation: payment_id names the payment",
    "ReversalAsked": "approval_id names the approval the command opened",
    "Dashboard": "a report of an estate (docs/quality.md)",
    "QualityReport": "a report of an estate (docs/quality.md)",
    "CompletionView": "a report of an estate's patrols: a month, a route, a person",
    "CheckedIn": "work_order_id names the order the check-in opened",
    "ExceptionView": "a line of a car park's day, by its position; it names the session",
    # parts of a record, inside it
    "AgingBill": "a line of the aging: what a bill still owes; bill_id names the bill",
    "AgingUnit": "a unit's sums in the aging, named by its unit",
    "AgingDebtor": "what a set of debtors owes on a unit, named by unit and payers",
    "FundUnit": "a unit's line of the fund statement, named by its unit",
    "StepView": "a step taken on an approval",
    "JournalLineView": "a line of a journal entry, by its number",
    "NamedEstate": "an estate a statement covers: its ID beside its name",
    "NamedOwner": "an owner a statement names: their person_id beside the name",
    "Rejected": "a reading a telemetry batch refused, by its equipment",
    "RateView": "a fee item's rate in force; change_id names the change that set it",
    "ReadingView": "a unit's meter reading of a period",
    "UsageView": "a unit's metered use of a period",
    "MovementView": "a line of a fund account; source_id names what moved it",
    "SplitView": "a unit's share of a fund spending",
    "InterestShare": "a unit's share of fund interest",
    "AssessedView": "a unit's assessed first deposit",
    "AssessedUnitView": "a unit's assessed first deposit",
    "GateAnswer": "the barrier's decision on a plate; session_id names the session it is in",
    # the stores (issue 17)
    "StockLine": "a part's stock in a store, named by the store and the part",
    "StockMovement": "a line of the stock card, by position; record_id names what moved it",
    "OrderPartsView": "a work order's parts cost, named by its order",
    "OrderPart": "a part issued to an order, named by the part and its store",
    "RequestLine": "a line of a purchase request, by its part",
    "StocktakeLine": "a line of a stocktake, by its part",
    "PayableView": "what an estate owes a vendor for goods, named by both",
    "GateMovementView": "a line of the gate's log, by its position; pass_id names the pass",
}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _objects(document: dict[str, Any], schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The object schemas ``schema`` answers: itself, its alternatives, its array's items."""
    schema = _resolve(document, schema)
    for alternative in schema.get("anyOf", []):
        yield from _objects(document, alternative)
    if schema.get("type") == "array":
        yield from _objects(document, schema.get("items", {}))
    elif schema.get("properties"):
        yield schema


def _records(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record an /api/v1 route answers: a page's items (and the records
    nested in them), a record read by ID, the answer of a command."""
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                if not status.startswith("2") or "schema" not in content:
                    continue
                for answer in _objects(document, content["schema"]):
                    properties = answer["properties"]
                    page = "items" in properties and "next_cursor" in properties
                    tops = _objects(document, properties["items"]) if page else [answer]
                    for top in tops:
                        yield f"{method.upper()} {path}", top
                        for nested in top["properties"].values():
                            for record in _objects(document, nested):
                                yield f"{method.upper()} {path} (in {top['title']})", record


def test_every_record_names_its_own_identifier_id(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    named_otherwise: set[tuple[str, str, str]] = set()
    seen: set[str] = set()
    for where, record in _records(document):
        seen.add(record["title"])
        fields = record["properties"]
        if "id" in fields or record["title"] in NOT_RECORDS:
            continue
        for name in fields:
            if name.endswith("_id"):
                named_otherwise.add((where, record["title"], name))
    assert sorted(named_otherwise) == [], "\n".join(map(str, sorted(named_otherwise)))
    assert set(NOT_RECORDS) <= seen, "a reason for a schema no route answers"
    # the records issue 16 named, as a front end reads them
    for title in ("AnnouncementView", "BillView", "PaymentView", "SurveyView", "ApprovalView"):
        assert "id" in document["components"]["schemas"][title]["properties"], title
    assert "ServiceRequestView" in seen


def test_the_answer_names_the_record_id_and_keeps_its_references(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    bill = schemas["BillView"]["properties"]
    assert "bill_id" not in bill and {"id", "unit_id", "estate_id", "run_id"} <= set(bill)
    payment = schemas["PaymentView"]["properties"]
    assert "payment_id" not in payment and {"id", "unit_id", "payer_id"} <= set(payment)
    me = schemas["Me"]["properties"]
    assert "id" in me and "user_id" not in me


# ---- a missing required field -------------------------------------------------------


def _path_value(parameter: dict[str, Any], document: dict[str, Any]) -> str:
    schema = _resolve(document, parameter["schema"])
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("type") == "integer":
        return str(max(schema.get("minimum", 1), 2026 if parameter["name"] == "year" else 1))
    if parameter["name"] == "period":
        return "2026-01"
    if parameter["name"] == "kind":
        return "refund"
    return str(uuid.uuid4())


def _bodies_with_required_fields(
    document: dict[str, Any],
) -> Iterator[tuple[str, str, list[str]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content or not path.startswith("/api/v1"):
                continue
            body = _resolve(document, content["application/json"]["schema"])
            if not body.get("required"):
                continue
            values = {
                p["name"]: _path_value(p, document)
                for p in operation.get("parameters", [])
                if p["in"] == "path"
            }
            yield method.upper(), path.format(**values), list(body["required"])


def test_a_body_without_its_required_fields_is_a_422_naming_each_and_changes_nothing(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    document = client.get("/openapi.json").json()
    routes = list(_bodies_with_required_fields(document))
    assert len(routes) >= 100, len(routes)
    head = running.event_log.head()
    for method, url, required in routes:
        body = problem(client.request(method, url, json={}, headers=admin), 422)
        named = {e["loc"][-1] for e in body["errors"] if e["loc"][0] == "body"}
        assert set(required) <= named, (method, url, set(required) - named)
        # one field left out of an otherwise empty body: that one is named too
        for field in required[:3]:
            others = {name: None for name in required if name != field}
            body = problem(client.request(method, url, json=others, headers=admin), 422)
            missing = [e for e in body["errors"] if e["type"] == "missing"]
            assert field in {e["loc"][-1] for e in missing}, (method, url, field)
    assert running.event_log.head() == head
