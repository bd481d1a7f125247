"""Plates are normalised or refused; the tariff's fee holds its bounds for any stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidTransition, ValidationFailed
from domain.parking.plates import is_new_energy, normalise_plate
from domain.parking.session import ExitCharge, ParkingSession
from domain.parking.tariff import Tariff, days_started
from domain.parking.vehicle import PaymentMethod

TARIFF = Tariff.of(
    free_minutes=30,
    per_hour="5.00",
    daily_cap="40.00",
    night_per_hour="1.00",
    night_from="22:00",
    night_until="07:00",
)
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


@pytest.mark.parametrize(
    ("raw", "plate"),
    [
        ("京A12345", "京A12345"),
        (" 沪a·12345 ", "沪A12345"),
        ("粤\uff22-\uff24\uff26\uff11\uff12\uff13\uff14", "粤BDF1234"),  # full width, new energy
        ("粤BD12345", "粤BD12345"),
        ("浙A12345F", "浙A12345F"),  # new energy (large car)
        ("苏E1234学", "苏E1234学"),
    ],
)
def test_a_plate_is_written_one_way(raw: str, plate: str) -> None:
    assert normalise_plate(raw) == plate


@pytest.mark.parametrize(
    "raw", ["", "A12345", "京12345", "京A1234", "京I12345", "京A1234567", "X京A12345"]
)
def test_what_is_no_plate_is_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed, match="plate"):
        normalise_plate(raw)


def test_new_energy_plates_have_six_characters_after_the_letter() -> None:
    assert is_new_energy(normalise_plate("粤BD12345"))
    assert not is_new_energy(normalise_plate("京A12345"))


def test_worked_example() -> None:
    at = START
    assert TARIFF.fee(at, at + timedelta(minutes=30)) == 0  # within the free minutes
    assert TARIFF.fee(at, at + timedelta(minutes=31)) == Decimal("5.00")  # one started hour
    assert TARIFF.fee(at, at + timedelta(hours=2, minutes=1)) == Decimal("15.00")
    assert TARIFF.fee(at, at + timedelta(hours=12)) == Decimal("40.00")  # capped
    # 21:00-23:30 Beijing: 21-22 day, 22-23 and 23-24 night.
    evening = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert TARIFF.fee(evening, evening + timedelta(hours=2, minutes=30)) == Decimal("7.00")
    # Two days and an hour: two capped days and one more hour.
    assert TARIFF.fee(at, at + timedelta(days=2, minutes=50)) == Decimal("85.00")


def test_a_tariff_states_its_rules() -> None:
    with pytest.raises(ValidationFailed, match="per_hour"):
        Tariff.of(free_minutes=0, per_hour="-1", daily_cap="10")
    with pytest.raises(ValidationFailed, match="per_hour"):
        Tariff.of(free_minutes=0, per_hour="1.234", daily_cap="10")
    with pytest.raises(ValidationFailed, match="night"):
        Tariff.of(free_minutes=0, per_hour="1", daily_cap="10", night_per_hour="1")
    with pytest.raises(ValidationFailed, match="free_minutes"):
        Tariff.of(free_minutes=-1, per_hour="1", daily_cap="10")
    with pytest.raises(ValidationFailed, match="grace_minutes"):
        Tariff.of(free_minutes=0, per_hour="1", daily_cap="10", grace_minutes=121)
    with pytest.raises(ValidationFailed, match="lost_ticket_fee"):
        Tariff.of(free_minutes=0, per_hour="1", daily_cap="10", lost_ticket_fee="-5")


def test_a_version_recorded_before_the_grace_restores_with_none() -> None:
    stored = TARIFF.as_dict()
    del stored["grace_minutes"], stored["lost_ticket_fee"]
    old = Tariff.restored(stored)
    assert (old.grace_minutes, old.lost_ticket_fee) == (0, None)
    assert TARIFF.grace_minutes == 15  # a tariff stated now has the usual grace


money = st.decimals(min_value=0, max_value=100, places=2)
tariffs = st.builds(
    lambda free, hour, cap, night, window, grace: Tariff.of(
        grace_minutes=grace,
        free_minutes=free,
        per_hour=hour,
        daily_cap=cap,
        night_per_hour=night if window else None,
        night_from=window[0] if window else None,
        night_until=window[1] if window else None,
    ),
    st.integers(0, 180),
    money,
    money,
    money,
    st.one_of(
        st.none(), st.sampled_from([("22:00", "07:00"), ("00:00", "06:00"), ("19:30", "23:00")])
    ),
    st.integers(0, 120),
)
starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
)
stays = st.integers(0, 5 * 24 * 60 + 7)


@given(tariffs, starts, stays, stays)
def test_the_fee_is_bounded_and_never_falls_as_the_stay_grows(
    tariff: Tariff, start: datetime, a: int, b: int
) -> None:
    short, long = sorted((a, b))
    left_early, left_late = start + timedelta(minutes=short), start + timedelta(minutes=long)
    early, late = tariff.fee(start, left_early), tariff.fee(start, left_late)
    assert Decimal(0) <= early <= late
    assert late <= tariff.daily_cap * days_started(start, left_late)
    if long <= tariff.free_minutes:
        assert late == 0
    assert late == late.quantize(Decimal("0.01"))
    assert Tariff.restored(tariff.as_dict()) == tariff


@given(tariffs, starts, stays, stays)
def test_a_car_that_paid_owes_nothing_in_the_grace_and_the_rest_of_its_stay_after(
    tariff: Tariff, start: datetime, stay: int, after: int
) -> None:
    """Entered at ``start``, paid at the exit after ``stay`` minutes, at the barrier
    ``after`` minutes later: within the grace it leaves; past it, it owes the whole
    stay's fee less what it paid, so all it pays is the fee of the stay to the barrier."""
    session = ParkingSession.start(
        id=uuid4(),
        estate_id=uuid4(),
        vehicle_id=uuid4(),
        plate="京A12345",
        unit_id=None,
        gate="E",
        pass_id=None,
        tariff_version=1,
        tariff=tariff,
        at=start,
    )
    paid_at, barrier = start + timedelta(minutes=stay), start + timedelta(minutes=stay + after)
    first = session.exit("E", paid_at)
    if first == 0:
        assert session.status == "left"
        return
    session.pay(PaymentMethod.CASH, None, paid_at.date(), Decimal(0), uuid4(), paid_at)
    more = session.leave("E", barrier)
    if after <= tariff.grace_minutes:
        assert more == 0 and session.status == "left"
    else:
        assert more == tariff.fee(start, barrier) - first >= 0
        assert session.status == ("awaiting_payment" if more else "left")
    assert first + more <= tariff.daily_cap * days_started(start, barrier)


@given(tariffs, starts, st.sampled_from(ExitCharge), stays)
def test_a_car_let_out_without_entry_pays_its_charge_and_never_a_negative_one(
    tariff: Tariff, now: datetime, charge: ExitCharge, back: int
) -> None:
    entered = now - timedelta(minutes=back + 1) if charge is ExitCharge.ESTIMATED_ENTRY else None
    try:
        session = ParkingSession.without_entry(
            id=uuid4(),
            estate_id=uuid4(),
            vehicle_id=uuid4(),
            plate="京A12345",
            unit_id=None,
            gate="E",
            tariff_version=1,
            tariff=tariff,
            charge=charge,
            entered_at=entered,
            reason="camera missed it",
            by=uuid4(),
            at=now,
        )
    except InvalidTransition:
        assert charge is ExitCharge.LOST_TICKET and tariff.lost_ticket_fee is None
        return
    expected = {
        ExitCharge.DAILY_CAP: tariff.daily_cap,
        ExitCharge.LOST_TICKET: tariff.lost_ticket_fee,
    }.get(charge) or (tariff.fee(entered, now) if entered else Decimal(0))
    assert session.fee == expected >= 0
    assert session.status == ("awaiting_payment" if expected else "paid")
