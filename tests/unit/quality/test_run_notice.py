"""A data-quality run tells the estate's managers what it found, once per run,
naming the checks and their counts; a clean run tells nobody."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from domain.quality.checks import CHECKS
from domain.quality.run import QualityRun, Trigger
from projections.events import kind_of
from projections.notifications.rules import Subject, notice_for
from tests.support.directory import RolesDirectory

AT = datetime(2026, 12, 1, 1, tzinfo=UTC)


def _recorded(found: dict[str, int], trigger: Trigger = Trigger.SCHEDULED) -> Any:
    run = QualityRun.record(
        id=uuid4(),
        estate_id=uuid4(),
        month="2026-11",
        trigger=trigger,
        stale_days=30,
        as_of_position=812,
        counts=[{"check": s.name.value, "count": found.get(s.name.value, 0)} for s in CHECKS],
        run_by=None,
        at=AT,
    )
    [recorded] = run.collect_events()
    return recorded


def _notice(recorded: Any, directory: RolesDirectory) -> Any:
    subject = Subject(recorded.originator_id, "QualityRun", recorded.estate_id)
    return notice_for(recorded, kind_of(recorded), subject, directory)


def test_a_run_with_failing_records_tells_the_managers_once_naming_each_check() -> None:
    manager, other_manager, technician, auditor = uuid4(), uuid4(), uuid4(), uuid4()
    directory = RolesDirectory(
        {
            "property_manager": [manager, other_manager],
            "technician": [technician],
            "auditor": [auditor],
        }
    )
    recorded = _recorded({"units_without_owner": 3, "meters_without_reading": 12})
    assert kind_of(recorded) == ("QualityRun", "Recorded")
    notice = _notice(recorded, directory)
    assert notice is not None
    assert sorted(notice.recipients, key=str) == sorted([manager, other_manager], key=str)
    assert notice.kind == "quality.found"
    assert notice.title == "Data quality: 15 failing record(s) in 2026-11"
    assert "units_without_owner: 3 (error)" in notice.body
    assert "meters_without_reading: 12 (warning)" in notice.body
    assert "units_without_area" not in notice.body  # a check that found nothing is not named
    assert notice.priority == "high"  # an error-severity check failed
    warnings_only = _notice(_recorded({"meters_without_reading": 1}), directory)
    assert warnings_only is not None and warnings_only.priority == "normal"


def test_a_clean_run_tells_nobody() -> None:
    directory = RolesDirectory({"property_manager": [uuid4()]})
    assert _notice(_recorded({}, Trigger.ON_DEMAND), directory) is None
