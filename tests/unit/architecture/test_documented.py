"""The walk that holds a hand-built answer to its documented schema
(``tests/support/documented.py``) finds what it is there to find."""

from __future__ import annotations

from typing import Any

from tests.support.documented import mismatches

DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {
            "Line": {
                "type": "object",
                "properties": {"account": {"type": "string"}, "amount": {"type": "string"}},
                "required": ["account", "amount"],
            },
            "Statement": {
                "type": "object",
                "properties": {
                    "at": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                    "totals": {
                        "type": "object",
                        "additionalProperties": {"type": "object"},
                    },
                    "count": {"type": "integer"},
                },
                "required": ["at", "lines"],
            },
        }
    }
}
STATEMENT = {"$ref": "#/components/schemas/Statement"}


def test_an_answer_as_documented_has_no_mismatch() -> None:
    answer = {"at": None, "lines": [{"account": "1002", "amount": "1.00"}], "totals": {"CNY": {}}}
    assert mismatches(DOCUMENT, STATEMENT, answer) == []


def test_an_undocumented_key_a_missing_one_and_a_wrong_type_are_named() -> None:
    answer = {
        "lines": [{"account": "1002", "amount": 1, "memo": "x"}],
        "totals": {"CNY": []},
        "count": True,
    }
    assert sorted(mismatches(DOCUMENT, STATEMENT, answer)) == [
        "$.at: missing",
        "$.count: bool where the document says integer",
        "$.lines[0].amount: int where the document says string",
        "$.lines[0].memo: not in the document",
        "$.totals.CNY: list where the document says object",
    ]
