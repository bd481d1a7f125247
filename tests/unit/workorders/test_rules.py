"""The pure rules of a work order: the text and parts a command carries, and
which SLA deadlines have passed (tested only through HTTP before)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import ValidationFailed
from domain.workorders.rules import SlaKind, clean_parts, passed_deadlines, text

T0 = datetime(2026, 1, 1, 8, tzinfo=UTC)
RESPOND, RESOLVE = T0 + timedelta(hours=1), T0 + timedelta(hours=8)


def test_text_is_stripped_and_bounded() -> None:
    assert text("title", "  Leak  ", 10) == "Leak"
    with pytest.raises(ValidationFailed, match="title: 1-10 characters"):
        text("title", "   ", 10)
    with pytest.raises(ValidationFailed):
        text("title", "x" * 11, 10)


def test_parts_need_a_name_a_positive_quantity_and_a_cost() -> None:
    assert clean_parts([{"name": " seal ", "qty": "2", "unit_cost": "1.50"}]) == [
        {"name": "seal", "qty": Decimal("2"), "unit_cost": Decimal("1.50")}
    ]
    with pytest.raises(ValidationFailed, match="positive qty"):
        clean_parts([{"name": "seal", "qty": "0", "unit_cost": "1"}])
    with pytest.raises(ValidationFailed, match="positive qty"):
        clean_parts([{"name": "seal", "qty": "1", "unit_cost": "-1"}])


def test_nothing_is_due_before_the_deadlines() -> None:
    assert passed_deadlines(RESPOND, RESOLVE, None, [], RESPOND) == []


def test_respond_is_missed_until_work_starts_on_site() -> None:
    late = RESPOND + timedelta(minutes=1)
    assert passed_deadlines(RESPOND, RESOLVE, None, [], late) == [(SlaKind.RESPOND, RESPOND)]
    assert passed_deadlines(RESPOND, RESOLVE, T0, [], late) == []


def test_each_deadline_is_due_once() -> None:
    late = RESOLVE + timedelta(minutes=1)
    both = passed_deadlines(RESPOND, RESOLVE, None, [], late)
    assert [kind for kind, _ in both] == [SlaKind.RESPOND, SlaKind.RESOLVE]
    assert passed_deadlines(RESPOND, RESOLVE, None, ["respond", "resolve"], late) == []


def test_an_untriaged_order_has_no_deadlines() -> None:
    assert passed_deadlines(None, None, None, [], RESOLVE + timedelta(days=1)) == []
