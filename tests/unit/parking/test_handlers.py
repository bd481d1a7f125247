"""The car park's handlers on the in-memory log: the gate, passes, the blocklist,
the tariff's versions, payment and its posting; another estate's staff find nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from application.errors import Forbidden, NotFound
from application.parking import commands as c
from application.parking.service import ParkingService
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.postings import entry_for
from domain.finance.tax import TaxSettings
from domain.parking.session import ExitCharge, ParkingSession
from domain.parking.tariff import Tariff
from domain.parking.vehicle import PassBilling, PaymentMethod, vehicle_id
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


def general_taxpayer(w: World) -> None:
    """Estate A a general taxpayer from March: parking at 9 %."""
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
    again = w.gate("京A12345", "out")  # no entry recorded: down, and that is recorded
    assert (again.open, again.status, again.session_id) == (False, "no_entry", None)
    assert again.position is not None
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


def test_a_prepaid_pass_is_owed_service_until_its_months_are_over(w: World) -> None:
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
            [("1001", Decimal("900.00"), 0), ("2204", 0, Decimal("900.00"))],
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
    general_taxpayer(w)
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


def test_a_car_that_paid_leaves_within_the_grace_and_pays_the_overstay_after_it(
    w: World,
) -> None:
    w.gate("京A12345", "in")
    w.clock.advance(timedelta(hours=1, minutes=50))
    owed = w.gate("京A12345", "out")
    assert owed.fee == Decimal("10.00") and owed.session_id is not None
    w.svc.pay(c.PayParking(w.guard_a, owed.session_id, PaymentMethod.CASH))
    w.clock.advance(timedelta(minutes=15))  # the grace (15 minutes): nothing more
    w.gate("沪B88888", "in")  # another car, to show the clock
    w.clock.advance(timedelta(minutes=1))  # 16 minutes after paying: 2 h 6 min, 3 hours
    later = w.gate("京A12345", "out")
    assert (later.open, later.status, later.fee) == (False, "awaiting_payment", Decimal("5.00"))
    w.svc.pay(c.PayParking(w.guard_a, owed.session_id, PaymentMethod.CASH))
    w.clock.advance(timedelta(minutes=14))
    assert w.gate("京A12345", "out").status == "left"
    credits = [line[2] for _, lines in entries(w) for line in lines if line[0] == "6001.20"]
    assert credits == [Decimal("10.00"), Decimal("5.00")]


def test_the_overstay_is_never_above_the_cap(w: World) -> None:
    w.gate("京A12345", "in")
    w.clock.advance(timedelta(hours=20))
    owed = w.gate("京A12345", "out")
    assert owed.fee == Decimal("40.00") and owed.session_id is not None
    w.svc.pay(c.PayParking(w.guard_a, owed.session_id, PaymentMethod.CASH))
    w.clock.advance(timedelta(hours=1))  # past the grace, but still within the day's cap
    assert w.gate("京A12345", "out").status == "left"


def test_a_car_with_no_recorded_entry_is_let_out_by_the_guard_and_charged(w: World) -> None:
    missed = w.gate("京A12345", "out")
    assert (missed.open, missed.status) == (False, "no_entry")
    let_out = c.LetOutWithoutEntry(
        w.guard_a, w.car_park, "京A12345", "East 1", "camera missed the entry", ExitCharge.DAILY_CAP
    )
    with pytest.raises(ValidationFailed, match="method"):
        w.svc.let_out_without_entry(let_out)
    with pytest.raises(Forbidden):
        w.svc.let_out_without_entry(replace(let_out, actor=w.manager_a, method=PaymentMethod.CASH))
    with pytest.raises(InvalidTransition, match="lost_ticket_fee"):
        w.svc.let_out_without_entry(
            replace(let_out, charge=ExitCharge.LOST_TICKET, method=PaymentMethod.CASH)
        )
    session_id, _ = w.svc.let_out_without_entry(replace(let_out, method=PaymentMethod.CASH))
    session: ParkingSession = w.log.repository.get(session_id)
    assert (session.status, session.fee, session.entered_at) == ("left", Decimal("40.00"), None)
    assert w.gate("京A12345", "in").open  # it may come back
    credits = [line[2] for _, lines in entries(w) for line in lines if line[0] == "6001.20"]
    assert credits == [Decimal("40.00")]


def test_an_estimated_entry_is_charged_by_the_tariff(w: World) -> None:
    let_out = c.LetOutWithoutEntry(
        w.guard_a,
        w.car_park,
        "沪B88888",
        "East 1",
        "the driver says 07:50",
        ExitCharge.ESTIMATED_ENTRY,
        method=PaymentMethod.ONLINE,
        reference="WX-1",
    )
    with pytest.raises(ValidationFailed, match="entered_at"):
        w.svc.let_out_without_entry(let_out)
    with pytest.raises(ValidationFailed, match="entered_at"):
        w.svc.let_out_without_entry(replace(let_out, entered_at=w.clock.now + timedelta(hours=1)))
    entered_at = w.clock.now - timedelta(hours=1, minutes=10)  # 07:50 Beijing: 2 hours
    session_id, _ = w.svc.let_out_without_entry(replace(let_out, entered_at=entered_at))
    session: ParkingSession = w.log.repository.get(session_id)
    assert session.fee == Decimal("10.00") and session.status == "left"
    w.gate("沪B88888", "in")
    with pytest.raises(InvalidTransition, match="inside"):
        w.svc.let_out_without_entry(replace(let_out, entered_at=entered_at))


def test_a_lost_ticket_fee_comes_from_the_tariff(w: World) -> None:
    tariff = Tariff.of(free_minutes=30, per_hour="5.00", daily_cap="40.00", lost_ticket_fee="60")
    effective = w.clock.now + timedelta(minutes=1)
    w.svc.change_tariff(c.ChangeTariff(w.manager_a, w.car_park, tariff, effective))
    w.clock.advance(timedelta(minutes=2))
    session_id, _ = w.svc.let_out_without_entry(
        c.LetOutWithoutEntry(
            w.guard_a,
            w.car_park,
            "京A12345",
            "East 1",
            "no entry record, ticket lost",
            ExitCharge.LOST_TICKET,
            method=PaymentMethod.CASH,
        )
    )
    assert w.log.repository.get(session_id).fee == Decimal("60.00")


def test_a_manager_sets_the_temporary_spaces(w: World) -> None:
    w.svc.set_temporary_spaces(c.SetTemporarySpaces(w.manager_a, w.car_park, 35))
    assert w.log.repository.get(w.car_park).temporary_spaces == 35
    with pytest.raises(InvalidTransition, match="already"):
        w.svc.set_temporary_spaces(c.SetTemporarySpaces(w.manager_a, w.car_park, 35))
    with pytest.raises(ValidationFailed, match="temporary_spaces"):
        w.svc.set_temporary_spaces(c.SetTemporarySpaces(w.manager_a, w.car_park, -1))
    with pytest.raises(Forbidden):
        w.svc.set_temporary_spaces(c.SetTemporarySpaces(w.guard_a, w.car_park, 30))
    with pytest.raises(NotFound):
        w.svc.set_temporary_spaces(c.SetTemporarySpaces(w.manager_b, w.car_park, 30))


class _Due:
    def __init__(self, w: World) -> None:
        self.w = w

    def vehicles_with_months_due(self, today: date) -> list[UUID]:
        return [vehicle_id(self.w.estate_a, "京A12345")]


def test_a_prepaid_passs_months_are_recognised_once_each_as_they_end(w: World) -> None:
    general_taxpayer(w)
    vehicle, _ = w.svc.register_vehicle(
        c.RegisterVehicle(w.manager_a, w.car_park, "京A12345", w.unit_a)
    )
    w.svc.issue_pass(
        c.IssuePass(
            w.manager_a,
            vehicle,
            PassBilling.PREPAID,
            date(2026, 3, 2),
            None,
            3,
            Decimal("1000"),
            PaymentMethod.ONLINE,
            "WX-9",
        )
    )
    # 1000.00 at 9 %: 917.43 net, 82.57 VAT, due on the advance
    [(_, sold)] = entries(w)
    assert sold == [
        ("1012", Decimal("1000.00"), 0),
        ("2204", 0, Decimal("917.43")),
        ("2221.01", 0, Decimal("82.57")),
    ]
    svc = ParkingService(w.svc.deps, due=_Due(w))
    assert svc.recognise_pass_revenue(w.clock.now) == 0  # the first month runs to 04-01
    w.clock.set(2026, 4, 1, 16)  # 04-02 00:00 in Beijing: March 2 - April 1 is over
    assert svc.recognise_pass_revenue(w.clock.now) == 1
    assert svc.recognise_pass_revenue(w.clock.now) == 0  # again: nothing
    w.clock.set(2026, 7, 1, 1)  # all three are over
    assert svc.recognise_pass_revenue(w.clock.now) == 2
    assert svc.recognise_pass_revenue(w.clock.now) == 0
    months = [lines for memo, lines in entries(w) if "month 1" in memo or " of 3" in memo]
    assert [lines[1][2] for lines in months] == [
        Decimal("305.81"),
        Decimal("305.81"),
        Decimal("305.81"),
    ]
    assert all(lines[0][0] == "2204" and lines[1][0] == "6001.02" for lines in months)
    liability = sum(
        (line[2] - line[1] for _, lines in entries(w) for line in lines if line[0] == "2204"),
        Decimal(0),
    )
    assert liability == 0
