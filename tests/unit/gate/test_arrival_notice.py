"""Whom a visitor's check-in tells, and what: the resident who issued the pass; a
pass the front desk issued tells the unit's residents; the time is the estate's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from domain.gate.visitor_pass import VisitorPass
from projections.events import kind_of
from projections.notifications.rules import Subject, notice_for
from tests.support.directory import RolesDirectory

AT = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai


def _checked_in(issued_by: UUID) -> tuple[Any, Subject]:
    """A pass's check-in, and what the outbox remembers of the pass from its issue."""
    estate, unit = uuid4(), uuid4()
    visitor_pass = VisitorPass.issue(
        id=uuid4(),
        estate_id=estate,
        unit_id=unit,
        issued_by=issued_by,
        visitor_user_id=None,
        name_enc="sealed",
        phone_enc=None,
        plate="沪A 12345",
        valid_from=AT - timedelta(hours=1),
        valid_until=AT + timedelta(hours=3),
        entries_allowed=2,
        at=AT - timedelta(hours=1),
    )
    visitor_pass.check_in(uuid4(), AT)
    issued, checked_in = visitor_pass.collect_events()
    subject = Subject(
        visitor_pass.id,
        "VisitorPass",
        estate,
        requested_by=issued.issued_by,
        extra={"unit_id": str(unit), "plate": issued.plate, "entries_allowed": 2},
    )
    return checked_in, subject


def test_the_resident_who_issued_the_pass_is_told_their_visitor_arrived() -> None:
    resident, spouse = uuid4(), uuid4()
    checked_in, subject = _checked_in(resident)
    assert kind_of(checked_in) == ("VisitorPass", "CheckedIn")
    notice = notice_for(
        checked_in, kind_of(checked_in), subject, RolesDirectory(occupants=[resident, spouse])
    )
    assert notice is not None
    assert (notice.kind, notice.title, notice.priority) == (
        "gate.visitor_arrived",
        "Your visitor has arrived",
        "normal",
    )
    assert notice.recipients == [resident]  # who asked for the visitor, not the household
    assert "2026-03-02 01:30" in notice.body  # the estate's clock, not UTC's
    assert "entry 1 of 2" in notice.body and "沪A12345" in notice.body


def test_a_pass_the_front_desk_issued_tells_the_units_residents() -> None:
    clerk, owner, tenant = uuid4(), uuid4(), uuid4()
    checked_in, subject = _checked_in(clerk)
    notice = notice_for(
        checked_in, kind_of(checked_in), subject, RolesDirectory(occupants=[owner, tenant])
    )
    assert notice is not None
    assert sorted(notice.recipients, key=str) == sorted([owner, tenant], key=str)
    assert clerk not in notice.recipients
    # A unit nobody lives in now: nobody to tell, no notice.
    assert notice_for(checked_in, kind_of(checked_in), subject, RolesDirectory()) is None
