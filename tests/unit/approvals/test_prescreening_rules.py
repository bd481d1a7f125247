"""The pre-screening rule language, without I/O: the first matching rule decides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.approvals.rules import Outcome, PolicyTerms, Rule, Screened, Urgency
from domain.errors import ValidationFailed


def rule(**fields: object) -> Rule:
    return Rule.from_dict({"reason": "because", **fields})


def screened(
    amount: str | None = None,
    currency: str | None = "CNY",
    urgency: Urgency = Urgency.NORMAL,
    subject_type: str | None = None,
) -> Screened:
    return Screened(
        subject_type, urgency, Decimal(amount) if amount else None, currency if amount else None
    )


def test_the_first_matching_rule_decides() -> None:
    terms = PolicyTerms(
        rules=(
            rule(then="approve", amount_below="200", currency="CNY"),
            rule(then="skip", urgency=["urgent"], skip=["front_desk"]),
        )
    )
    small_and_urgent = terms.screen(screened("10", urgency=Urgency.URGENT))
    assert small_and_urgent is not None and small_and_urgent.outcome is Outcome.APPROVE
    large_and_urgent = terms.screen(screened("1000", urgency=Urgency.URGENT))
    assert large_and_urgent is not None
    assert (large_and_urgent.rule, large_and_urgent.skipped) == (2, ("front_desk",))
    assert terms.screen(screened("1000")) is None


def test_amounts_are_compared_only_within_the_rules_currency() -> None:
    below = rule(then="approve", amount_below="200", currency="CNY")
    assert below.matches(screened("199.99"))
    assert not below.matches(screened("200.00"))
    assert not below.matches(screened("10", currency="USD"))
    assert not below.matches(screened(None))
    at_least = rule(then="reject", amount_at_least="200", currency="CNY")
    assert at_least.matches(screened("200")) and not at_least.matches(screened("199"))


def test_types_urgency_and_missing_amounts_are_conditions() -> None:
    greening = rule(then="approve", types=["greening"])
    assert greening.matches(screened(subject_type="greening"))
    assert not greening.matches(screened(subject_type="cleaning"))
    invalid = rule(then="reject", without_amount=True)
    assert invalid.matches(screened(None)) and not invalid.matches(screened("5"))
    assert rule(then="approve").matches(screened("5"))  # no conditions: everything


@pytest.mark.parametrize(
    "fields",
    [
        {"then": "approve", "amount_below": "10"},  # no currency
        {"then": "approve", "amount_below": 1.5, "currency": "CNY"},  # a float
        {"then": "approve", "amount_below": "-1", "currency": "CNY"},
        {"then": "approve", "currency": "yuan"},
        {"then": "skip"},  # skips nothing
        {"then": "approve", "skip": ["front_desk"]},
        {"then": "approve", "urgency": ["now"]},
        {"then": "approve", "colour": "red"},
        {"then": "approve", "reason": ""},
    ],
)
def test_malformed_rules_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        Rule.from_dict({"reason": "because", **fields})


def test_a_policy_refuses_skipping_unknown_or_all_levels_and_duplicate_names() -> None:
    with pytest.raises(ValidationFailed):
        PolicyTerms(rules=(rule(then="skip", skip=["nowhere"]),))
    with pytest.raises(ValidationFailed):
        PolicyTerms(rules=(rule(then="skip", skip=["front_desk", "department", "manager"]),))
    with pytest.raises(ValidationFailed):
        PolicyTerms.from_dicts(
            [{"name": "a", "role": "admin"}, {"name": "a", "role": "finance"}], []
        )
    with pytest.raises(ValidationFailed):
        PolicyTerms.from_dicts([{"name": "a", "role": "owner"}], [])  # not a deciding role
