"""The car park's handlers on the in-memory log: the gate, passes, the blocklist,
the tariff's versions, payment and its posting; another estate's staff find nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from application.errors import Forbidden, NotFound
from application.parking import commands as c
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.postings import entry_for
from domain.finance.tax import TaxSettings
from domain.parking.tariff import Tariff
from domain.parking.vehicle import PassBilling, PaymentMethod
from projections.events import kind_of, payload_of
from tests.unit.parking.given import World, world


@pytest.fixture
def w() -> World:
    return world()


def entries(w: World) -> list[tuple[str, list[tuple[str, Decimal, Decimal]]]]:
    out = []
    for event in w.log.domain_events():
        aggregate, name = kind_of(event)
        entry = entry_for(aggregate, name, payload_of(event))
        if entry is not None:
            out.append((entry.memo, [(x.account, x.debit, x.credit) for x in entry.lines]))
    return out


def test_a_temporary_stay_is_charged_at_the_exit_paid_and_posted(w: World) -> None:
    entered = w.gate("京A12345", "in")
    assert entered.open and entered.status == "inside" and entered.pass_id is None
    w.clock.advance(timedelta(hours=2, minutes=10))
    owed = w.gate("京a·12345", "out")
    assert (owed.open, owed.status, owed.fee) == (False, "awaiting_payment", Decimal("15.00"))
    assert w.gate("京A12345", "out").position is None  # still owed: nothing recorded
    assert owed.session_id is not None
    _, status = w.svc.pay(c.PayParking(w.guard_a, owed.session_id, PaymentMethod.CASH))
    assert status == "paid"
    with pytest.raises(InvalidTransition, match="nothing is owed"):
        w.svc.pay(c.PayParking(w.guard_a, owed.session_id, PaymentMethod.CASH))
    left = w.gate("京A12345", "out")
    assert (left.open, left.status) == (True, "left")
    with pytest.raises(InvalidTransition, match="no entry"):
        w.gate("京A12345", "out")
    assert entries(w) == [
        (
            "temporary parking 京A12345",
            [("1001", Decimal("15.00"), 0), ("6001.20", 0, Decimal("15.00"))],
        )
    ]


def test_an_online_payment_names_its_reference(w: World) -> None:
    w.gate("沪B88888", "in")
    w.clock.advance(timedelta(hours=1))
    owed = w.gate("沪B88888", "out")
    assert owed.session_id is not None
    with pytest.raises(ValidationFailed, match="reference"):
        w.svc.pay(c.PayParking(w.guard_a, owed.session_id, PaymentMethod.ONLINE))
    w.svc.pay(c.PayParking(w.guard_a, owed.session_id, PaymentMethod.ONLINE, "WX-42"))
    assert entries(w)[0][1][0] == ("1012", Decimal("5.00"), 0)


def test_within_the_free_minutes_the_barrier_opens_at_once(w: World) -> None:
    w.gate("京A12345", "in")
    w.clock.advance(timedelta(minutes=20))
    out = w.gate("京A12345", "out")
    assert (out.open, out.status, out.fee) == (True, "left", 0)
    assert entries(w) == []


def test_a_monthly_pass_opens_the_barrier_without_charge(w: World) -> None:
    vehicle, _ = w.svc.register_vehicle(
        c.RegisterVehicle(w.manager_a, w.car_park, "粤BD12345", w.unit_a)
    )
    pass_id, _ = w.svc.issue_pass(
        c.IssuePass(w.manager_a, vehicle, PassBilling.UNIT_ACCOUNT, date(2026, 3, 1), w.space_a)
    )
    assert w.gate("粤BD12345", "in").pass_id == pass_id
    w.clock.advance(timedelta(hours=30))
    assert w.gate("粤BD12345", "out").status == "left"
    w.svc.cancel_pass(c.CancelPass(w.manager_a, vehicle, pass_id))
    assert w.gate("粤BD12345", "in").pass_id is None
    assert entries(w) == []  # the unit's account is billed by finance's billing run


def test_a_prepaid_pass_posts_parking_revenue(w: World) -> None:
    vehicle, _ = w.svc.register_vehicle(
        c.RegisterVehicle(w.manager_a, w.car_park, "京A12345", w.unit_a)
    )
    with pytest.raises(ValidationFailed, match="months"):
        w.svc.issue_pass(c.IssuePass(w.manager_a, vehicle, PassBilling.PREPAID, date(2026, 3, 2)))
    w.svc.issue_pass(
        c.IssuePass(
            w.manager_a,
            vehicle,
            PassBilling.PREPAID,
            date(2026, 3, 2),
            None,
            3,
            Decimal("900"),
            PaymentMethod.CASH,
            "R-0001",
        )
    )
    assert entries(w) == [
        (
            "parking pass 京A12345 3 month(s)",
            [("1001", Decimal("900.00"), 0), ("6001.02", 0, Decimal("900.00"))],
        )
    ]
    with pytest.raises(InvalidTransition, match="holds a pass"):
        w.svc.issue_pass(
            c.IssuePass(w.manager_a, vehicle, PassBilling.UNIT_ACCOUNT, date(2026, 5, 1), w.space_a)
        )


def test_a_space_pass_needs_the_units_own_space(w: World) -> None:
    vehicle, _ = w.svc.register_vehicle(
        c.RegisterVehicle(w.manager_a, w.car_park, "京A12345", w.unit_a)
    )
    with pytest.raises(ValidationFailed, match="space_id"):
        w.svc.issue_pass(
            c.IssuePass(w.manager_a, vehicle, PassBilling.UNIT_ACCOUNT, date(2026, 3, 1))
        )


def test_a_blocklisted_plate_is_refused_and_that_is_recorded(w: World) -> None:
    vehicle, _ = w.svc.block(c.BlockPlate(w.manager_a, w.car_park, "京A12345", "unpaid fees"))
    refused = w.gate("京A12345", "in")
    assert (refused.open, refused.refused, refused.session_id) == (False, "unpaid fees", None)
    names = [kind_of(e)[1] for e in w.log.domain_events(vehicle)]
    assert names == ["Recorded", "Blocked", "EntryRefused"]
    w.svc.unblock(c.UnblockVehicle(w.manager_a, vehicle))
    assert w.gate("京A12345", "in").open


def test_a_car_inside_does_not_enter_twice(w: World) -> None:
    w.gate("京A12345", "in")
    with pytest.raises(InvalidTransition, match="inside already"):
        w.gate("京A12345", "in")


def test_a_session_is_charged_by_the_tariff_in_force_at_entry(w: World) -> None:
    w.gate("京A12345", "in")
    dearer = Tariff.of(free_minutes=0, per_hour="10.00", daily_cap="80.00")
    version, _ = w.svc.change_tariff(
        c.ChangeTariff(w.manager_a, w.car_park, dearer, w.clock.now + timedelta(minutes=30))
    )
    assert version == 2
    with pytest.raises(ValidationFailed, match="past"):
        w.svc.change_tariff(
            c.ChangeTariff(w.manager_a, w.car_park, dearer, w.clock.now - timedelta(hours=1))
        )
    w.clock.advance(timedelta(hours=1))
    w.gate("沪B88888", "in")
    w.clock.advance(timedelta(hours=1))
    assert w.gate("京A12345", "out").fee == Decimal("10.00")  # two hours at 5
    assert w.gate("沪B88888", "out").fee == Decimal("10.00")  # one hour at 10


def test_other_estates_staff_and_residents_find_nothing(w: World) -> None:
    with pytest.raises(NotFound):
        w.gate("京A12345", "in", w.manager_b)
    with pytest.raises(NotFound):
        w.gate("京A12345", "in", w.owner)
    with pytest.raises(Forbidden):  # a manager of the estate is not the gate
        w.gate("京A12345", "in", w.manager_a)
    with pytest.raises(Forbidden):  # nor does the gate keep the blocklist
        w.svc.block(c.BlockPlate(w.guard_a, w.car_park, "京A12345", "x"))
    with pytest.raises(ValidationFailed, match="plate"):
        w.gate("ABC", "in")
    with pytest.raises(InvalidTransition, match="open already"):
        w.svc.open(
            c.OpenCarPark(
                w.manager_a, w.estate_a, 5, Tariff.of(free_minutes=0, per_hour="1", daily_cap="1")
            )
        )


def test_a_general_taxpayer_books_the_fee_net_of_vat(w: World) -> None:
    settings = TaxSettings(estate_id=w.estate_a, at=w.clock.now)
    settings.set(
        taxpayer="general",
        items={},
        effective_from=date(2026, 3, 1),
        today=w.clock.now.date(),
        by=w.manager_a.user_id,
        at=w.clock.now,
    )
    w.log.save(settings)
    w.gate("京A12345", "in")
    w.clock.advance(timedelta(hours=2, minutes=30))
    owed = w.gate("京A12345", "out")
    assert owed.session_id is not None
    w.svc.pay(c.PayParking(w.guard_a, owed.session_id, PaymentMethod.CASH))
    [(_, lines)] = entries(w)
    # parking at 9 %: 15.00 = 13.76 + 1.24
    assert lines == [
        ("1001", Decimal("15.00"), 0),
        ("6001.20", 0, Decimal("13.76")),
        ("2221.01", 0, Decimal("1.24")),
    ]


def test_the_guard_releases_a_session_the_camera_lost(w: World) -> None:
    entered = w.gate("京A12345", "in")
    assert entered.session_id is not None
    with pytest.raises(InvalidTransition, match="inside already"):
        w.gate("京A12345", "in")
    with pytest.raises(Forbidden):  # the manager keeps the car park, the gate the barrier
        w.svc.release(c.ReleaseSession(w.manager_a, entered.session_id, "missed exit"))
    with pytest.raises(ValidationFailed, match="reason"):
        w.svc.release(c.ReleaseSession(w.guard_a, entered.session_id, "  "))
    w.svc.release(c.ReleaseSession(w.guard_a, entered.session_id, "camera missed the exit"))
    with pytest.raises(InvalidTransition, match="leaves once"):
        w.svc.release(c.ReleaseSession(w.guard_a, entered.session_id, "again"))
    assert w.gate("京A12345", "in").open  # it may enter again
    assert entries(w) == []  # nothing was paid
