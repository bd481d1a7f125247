"""The community aggregates' rules, without a log: complaint escalation,
announcement approval outcomes, survey scores."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.community.announcement import Announcement, AnnouncementStatus
from domain.community.complaint import Complaint, ComplaintStatus
from domain.community.survey import check_scores
from domain.errors import InvalidTransition, NotEntitled, ValidationFailed

AT = datetime(2026, 1, 1, 8, tzinfo=UTC)
STAFF = uuid4()


def complaint() -> Complaint:
    return Complaint.receive(
        id=uuid4(),
        estate_id=uuid4(),
        unit_id=None,
        subject="noise",
        description="the pump hums",
        complainant_id=uuid4(),
        at=AT,
    )


def test_each_escalation_raises_the_level_and_frees_the_complaint_for_a_new_handler() -> None:
    c = complaint()
    for level in (1, 2):
        c.assign(STAFF, STAFF, AT)
        c.escalate(STAFF, "no answer", AT)
        assert (c.status, c.escalation_level, c.handler_id) == (
            ComplaintStatus.ESCALATED,
            level,
            None,
        )
    with pytest.raises(InvalidTransition):
        c.respond(STAFF, "nobody assigned", AT)


def test_a_resolution_is_confirmed_or_reopened_by_the_complainant_only() -> None:
    c = complaint()
    c.assign(STAFF, STAFF, AT)
    with pytest.raises(InvalidTransition):
        c.resolve(STAFF, "resolved before any response", AT)
    c.respond(STAFF, "looking", AT)
    c.resolve(STAFF, "fixed", AT)
    with pytest.raises(NotEntitled):
        c.confirm(STAFF, AT)
    c.reopen(c.complainant_id, "still hums", AT)
    assert (c.status, c.handler_id) == (ComplaintStatus.REOPENED, None)


def announcement() -> Announcement:
    return Announcement.draft(
        id=uuid4(), estate_id=uuid4(), title="Water", body="off", drafted_by=STAFF, at=AT
    )


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("approved", AnnouncementStatus.APPROVED),
        ("rejected", AnnouncementStatus.REJECTED),
        ("withdrawn", AnnouncementStatus.DRAFT),
    ],
)
def test_an_announcement_follows_its_approvals_outcome(
    outcome: str, status: AnnouncementStatus
) -> None:
    a = announcement()
    approval_id = uuid4()
    a.submit(STAFF, approval_id, AT)
    a.approval_decided(uuid4(), "approved", None, AT)  # another approval: no change
    assert a.status is AnnouncementStatus.AWAITING_APPROVAL
    a.approval_decided(approval_id, outcome, None, AT)
    assert a.status is status


def test_only_an_approved_announcement_is_published_and_only_a_published_one_withdrawn() -> None:
    a = announcement()
    with pytest.raises(InvalidTransition):
        a.publish(STAFF, AT)
    with pytest.raises(InvalidTransition):
        a.withdraw(STAFF, "early", AT)


@pytest.mark.parametrize(
    "scores",
    [{"timeliness": 5}, {"overall": 6}, {"overall": 0}, {"overall": True}, {"overall": 3, "x": 1}],
)
def test_a_survey_needs_an_overall_score_and_known_aspects_from_1_to_5(
    scores: dict[str, int],
) -> None:
    with pytest.raises(ValidationFailed):
        check_scores(scores)
