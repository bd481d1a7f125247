"""Alarm categories (severities) are one spec table (``domain/equipment/severity.py``):
every list that names them is derived from it. Each test here fails if a
severity is missing from one of them, so adding a category is one row of the
table plus what these tests then ask for (its line in the docs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import pytest

from domain.equipment.alarm import MAX_LEVEL, escalation_due_at
from domain.equipment.rules import DEFAULT_RULES
from domain.equipment.severity import (
    SEVERITIES,
    SEVERITY_BY_RANK,
    SEVERITY_PATTERN,
    Severity,
    spec_of,
)
from projections.notifications.rules import RULES, Subject

DOCS = Path(__file__).resolve().parents[3] / "docs"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def human(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h"


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_severity_has_one_row_and_ranks_worst_first() -> None:
    assert list(SEVERITIES) == list(Severity)
    ranks = [spec.rank for spec in SEVERITIES.values()]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == len(ranks)


@pytest.mark.parametrize("severity", list(Severity))
def test_the_board_and_the_http_filter_know_every_severity(severity: Severity) -> None:
    assert SEVERITY_BY_RANK[SEVERITIES[severity].rank] == severity.value
    assert re.fullmatch(SEVERITY_PATTERN, severity.value)
    assert not re.fullmatch(SEVERITY_PATTERN, severity.value + "x")


@pytest.mark.parametrize("severity", list(Severity))
def test_an_alarm_escalates_at_each_multiple_of_its_deadline(severity: Severity) -> None:
    deadline = SEVERITIES[severity].escalate_after
    for level in range(MAX_LEVEL):
        assert escalation_due_at(severity, T0, level) == T0 + deadline * (level + 1)
    assert escalation_due_at(severity, T0, MAX_LEVEL) is None


@pytest.mark.parametrize("severity", list(Severity))
def test_a_raised_alarm_is_told_at_its_severitys_priority(severity: Severity) -> None:
    event = SimpleNamespace(code="fault", severity=severity.value, message="m", equipment_id=1)
    subject = Subject(subject_id=uuid4(), aggregate="Alarm", estate_id=uuid4())
    _, _, priority = RULES[("Alarm", "Raised")].render(event, subject)
    assert priority == SEVERITIES[severity].notify


def test_an_unknown_severity_is_refused_by_the_table() -> None:
    with pytest.raises(ValueError):
        spec_of("catastrophic")


def test_the_built_in_rules_use_only_severities_of_the_table() -> None:
    used = {
        severity
        for rules in DEFAULT_RULES.values()
        for severity in [r.severity for r in rules.thresholds] + [s for _, s in rules.alarm_states]
    }
    assert used <= set(SEVERITIES)


@pytest.mark.parametrize("severity", list(Severity))
def test_the_docs_name_every_severity_with_its_deadline_and_priority(severity: Severity) -> None:
    spec = SEVERITIES[severity]
    equipment = flat((DOCS / "equipment.md").read_text())
    notifications = flat((DOCS / "notifications.md").read_text())
    assert f"{severity.value} {human(spec.escalate_after)}" in equipment
    assert f"`{severity.value}` → {spec.notify.value}" in notifications
