"""Who is told about what: the rule table, over real events of each context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from bootstrap import Container
from domain.approvals.approval import Approval, Decider
from domain.approvals.rules import Level, PolicyTerms
from domain.community.announcement import Announcement
from domain.identity.policy import Role
from domain.notifications.channels import channels_for
from domain.workorders.order import WorkOrder
from interfaces.scheduler import run_job
from tests.e2e.notifications.support import (
    deliveries,
    drain,
    make_resident,
    reminder,
    user,
    wait_for_deliveries,
    working,
)

ESTATE = UUID("00000000-0000-4000-8000-00000000e201")
OTHER = UUID("00000000-0000-4000-8000-00000000e202")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def delivered(container: Container, n: int) -> dict[int, set[UUID]]:
    """Run the outbox and a worker; in-app recipients by event position."""
    container.projector.catch_up()
    with working(container):
        wait_for_deliveries(container, n)
        drain(container)
    out: dict[int, set[UUID]] = {}
    for position, recipient, channel, status in deliveries(container):
        if channel == "in_app" and status == "sent":
            out.setdefault(position, set()).add(recipient)
    return out


def kinds(container: Container) -> dict[int, str]:
    with container.pool.connection() as conn:
        return dict(conn.execute("SELECT DISTINCT position, kind FROM notif_deliveries").fetchall())


def test_work_order_events_tell_the_technician_the_requester_and_the_managers(
    container: Container,
) -> None:
    resident = user(container, "owner.li", [Role.OWNER])
    tech = user(container, "tech.wu", [Role.TECHNICIAN], (ESTATE,))
    pm = user(container, "pm.zhou", [Role.PROPERTY_MANAGER], (ESTATE,))
    user(container, "pm.far", [Role.PROPERTY_MANAGER], (OTHER,))
    order = WorkOrder.submit(
        id=uuid4(),
        estate_id=ESTATE,
        title="Leak in 3-201",
        description="Water under the sink",
        source="resident",
        source_ref=None,
        requested_by=resident,
        at=NOW,
    )
    order.triage("plumbing", "urgent", NOW + timedelta(minutes=30), NOW + timedelta(hours=4), NOW)
    assigned = container.event_log.save_and_position(order) + 1
    order.assign(tech, NOW)
    assert container.event_log.save_and_position(order) == assigned
    order.detect_sla_breaches(NOW + timedelta(hours=1))
    breached = container.event_log.save_and_position(order)
    order.accept(NOW)
    order.start(NOW)
    order.complete("Replaced the trap", [], Decimal("1"), Decimal("50"), "CNY", NOW)
    completed = container.event_log.save_and_position(order)

    got = delivered(container, 3)
    assert got == {assigned: {tech}, breached: {pm}, completed: {resident}}
    assert kinds(container) == {
        assigned: "workorder.assigned",
        breached: "workorder.sla_breached",
        completed: "workorder.completed",
    }


def test_an_approval_tells_each_level_in_turn_and_the_requester_at_the_end(
    container: Container,
) -> None:
    requester = user(container, "cs.requester", [Role.CUSTOMER_SERVICE], (ESTATE,))
    desk = user(container, "cs.desk", [Role.CUSTOMER_SERVICE], (ESTATE,))
    user(container, "cs.far", [Role.CUSTOMER_SERVICE], (OTHER,))
    pm = user(container, "pm.zhou", [Role.PROPERTY_MANAGER], (ESTATE,))
    approval = Approval.open(
        approval_id=uuid4(),
        kind="service_request",
        subject_id=uuid4(),
        estate_id=ESTATE,
        requested_by=requester,
        summary="Deep cleaning of the lobby",
        terms=PolicyTerms(
            levels=(Level("front_desk", "customer_service"), Level("dept", "property_manager"))
        ),
        at=NOW,
    )
    opened = container.event_log.save_and_position(approval)
    approval.approve(
        Decider(desk, frozenset({"customer_service"}), frozenset({ESTATE}), estate_scope=True),
        None,
        NOW,
    )
    second = container.event_log.save_and_position(approval)
    approval.approve(
        Decider(pm, frozenset({"property_manager"}), frozenset({ESTATE}), estate_scope=True),
        None,
        NOW,
    )
    done = container.event_log.save_and_position(approval)

    got = delivered(container, 3)
    # The requester is customer service too, but is never asked to decide their own.
    assert got == {opened: {desk}, second: {pm}, done: {requester}}


def test_an_announcement_reaches_the_residents_of_its_estate_and_a_reminder_its_user_once(
    container: Container,
) -> None:
    here = user(container, "owner.li", [Role.OWNER])
    also_here = user(container, "owner.he", [Role.OWNER])
    elsewhere = user(container, "owner.far", [Role.OWNER])
    make_resident(container, here, ESTATE)
    make_resident(container, also_here, ESTATE)
    make_resident(container, elsewhere, OTHER)
    pm = user(container, "pm.zhou", [Role.PROPERTY_MANAGER], (ESTATE,))
    notice = Announcement.draft(
        id=uuid4(),
        estate_id=ESTATE,
        title="Water off Friday",
        body="9:00-12:00",
        drafted_by=pm,
        at=NOW,
    )
    approval_id = uuid4()
    notice.submit(pm, approval_id, NOW)
    notice.approval_decided(approval_id, "approved", None, NOW)
    notice.publish(pm, NOW)
    published = container.event_log.save_and_position(notice)

    reminder(container, here, "Pay the parking fee", NOW)
    reminder(container, here, "Not yet", NOW + timedelta(days=1))
    container.projector.catch_up()
    [job] = container.notifications.scheduled()
    assert run_job(container.pool, job, NOW) == 1
    assert run_job(container.pool, job, NOW) == 0  # the read model still lists it: fires once
    assert job.run(NOW + timedelta(minutes=1)) == 0
    fired = container.event_log.head()

    got = delivered(container, 3)
    assert got == {published: {here, also_here}, fired: {here}}
    with container.pool.connection() as conn:
        titles = {r[0] for r in conn.execute("SELECT title FROM notif_deliveries")}
    assert titles == {"Announcement: Water off Friday", "Reminder"}
    with container.pool.connection() as conn:
        status: dict[str, str] = dict(
            conn.execute("SELECT message, status FROM notif_reminders").fetchall()
        )
    assert status == {"Pay the parking fee": "fired", "Not yet": "scheduled"}


def test_urgent_goes_on_every_channel_with_an_address_others_follow_the_choice() -> None:
    assert channels_for("normal", ["in_app"], True, True) == ["in_app"]
    assert channels_for("high", ["in_app", "sms"], True, False) == ["in_app", "sms"]
    assert channels_for("urgent", ["in_app"], True, True) == ["in_app", "email", "sms"]
    assert channels_for("urgent", ["in_app"], False, False) == ["in_app"]
