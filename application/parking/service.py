"""Car park handlers: load, authorize, decide, save (one append each).

Every record is loaded from the log, so the gate decides on what was just
recorded (a pass issued a second ago opens the barrier). A record of an
estate the actor does not serve answers as missing; a step the actor may
see but not take, 403.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.actor import HIDDEN, Actor
from application.errors import NotFound
from application.finance.fund.handlers import booking_day
from application.parking import commands as c
from application.parking.ports import DuePasses
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.money import exact_money
from domain.finance.tax import TaxSettings, tax_settings_id, taxes_of
from domain.parking.car_park import CarPark, car_park_id
from domain.parking.plates import normalise_plate
from domain.parking.session import ParkingSession
from domain.parking.tariff import LOCAL
from domain.parking.vehicle import PassBilling, Vehicle, vehicle_id
from domain.registry.places import ParkingSpace

MANAGE = "parking:manage"
GATE = "gate:operate"


def parking_vat_rate(deps: ServiceDeps, estate_id: UUID) -> Decimal:
    """The estate's VAT rate for parking this month (none set: no VAT)."""
    settings = find(deps.event_log, tax_settings_id(estate_id), TaxSettings)
    month = deps.clock().date().replace(day=1)
    taxes = taxes_of(None if settings is None else settings.in_force(month))
    parking = taxes.get("parking")
    return Decimal(0) if parking is None else parking.vat_rate


class ParkingNotFound(NotFound):
    """No such car park, vehicle or session, or not one the actor may see."""

    def __init__(self, detail: str = HIDDEN) -> None:
        super().__init__(detail)


class ParkingService:
    def __init__(self, deps: ServiceDeps, due: DuePasses | None = None) -> None:
        self.deps = deps
        self.due = due

    def scheduled(self) -> list[ScheduledJob]:
        """Prepaid passes' months recognised as revenue once they are over."""
        return [ScheduledJob("parking.recognise_pass_revenue", 3600, self.recognise_pass_revenue)]

    def recognise_pass_revenue(self, now: datetime) -> int:
        """Each vehicle's prepaid months over by today (Beijing), once: the vehicle
        records what it recognised, so a second run, or a racing one, adds nothing."""
        today = now.astimezone(LOCAL).date()
        recognised = 0
        for vehicle_ref in [] if self.due is None else self.due.vehicles_with_months_due(today):
            vehicle = find(self.deps.event_log, vehicle_ref, Vehicle)
            if vehicle is None:
                continue
            try:
                day = booking_day(self.deps, vehicle.estate_id, None)
            except InvalidTransition:  # today's books are closed: the next period's run
                continue
            count = vehicle.recognise_pass_revenue(today, day, now)
            if not count:
                continue
            try:
                self._save(vehicle)
            except IntegrityError:
                continue  # the gate moved the vehicle meanwhile: the next run takes it
            recognised += count
        return recognised

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    def _save(self, *aggregates: Any) -> int:
        return self.deps.event_log.save_and_position(*aggregates)

    def _car_park(self, actor: Actor, car_park: UUID, action: str) -> CarPark:
        found = find(self.deps.event_log, car_park, CarPark)
        if found is None:
            raise ParkingNotFound()
        actor.check("parking:read", None, found.estate_id)
        actor.require(action, None, found.estate_id)
        return found

    def _vehicle(self, actor: Actor, vehicle: UUID) -> Vehicle:
        found = find(self.deps.event_log, vehicle, Vehicle)
        if found is None:
            raise ParkingNotFound()
        actor.check("parking:read", None, found.estate_id)
        actor.require(MANAGE, None, found.estate_id)
        return found

    def _plate(
        self, car_park: CarPark, plate: str, unit_id: UUID | None, by: UUID | None
    ) -> Vehicle:
        """The plate's record at the car park's estate, made on first sight."""
        found = find(self.deps.event_log, vehicle_id(car_park.estate_id, plate), Vehicle)
        return found or Vehicle(
            estate_id=car_park.estate_id, plate=plate, unit_id=unit_id, by=by, at=self._now
        )

    def _vat_rate(self, estate_id: UUID) -> Decimal:
        return parking_vat_rate(self.deps, estate_id)

    # ---- the car park ----------------------------------------------------

    def open(self, cmd: c.OpenCarPark) -> tuple[UUID, int]:
        if not lookups.estate_exists(self.deps.event_log, cmd.estate_id):
            raise ParkingNotFound()
        cmd.actor.check("parking:read", None, cmd.estate_id)
        cmd.actor.require(MANAGE, None, cmd.estate_id)
        if find(self.deps.event_log, car_park_id(cmd.estate_id), CarPark) is not None:
            raise InvalidTransition("estate_id: the estate's car park is open already")
        car_park = CarPark.open(
            estate_id=cmd.estate_id,
            temporary_spaces=cmd.temporary_spaces,
            tariff=cmd.tariff,
            by=cmd.actor.user_id,
            at=self._now,
        )
        return car_park.id, self._save(car_park)

    def set_temporary_spaces(self, cmd: c.SetTemporarySpaces) -> int:
        car_park = self._car_park(cmd.actor, cmd.car_park_id, MANAGE)
        car_park.change_spaces(cmd.temporary_spaces, cmd.actor.user_id, self._now)
        return self._save(car_park)

    def change_tariff(self, cmd: c.ChangeTariff) -> tuple[int, int]:
        """The new version's number and the position."""
        car_park = self._car_park(cmd.actor, cmd.car_park_id, MANAGE)
        version = car_park.change_tariff(
            cmd.tariff, cmd.effective_from, cmd.actor.user_id, self._now
        )
        return version, self._save(car_park)

    # ---- vehicles, the blocklist, passes -----------------------------------

    def register_vehicle(self, cmd: c.RegisterVehicle) -> tuple[UUID, int]:
        car_park = self._car_park(cmd.actor, cmd.car_park_id, MANAGE)
        if lookups.unit_estate(self.deps.event_log, cmd.unit_id) != car_park.estate_id:
            raise ValidationFailed("unit_id: no such unit in the car park's estate")
        plate = normalise_plate(cmd.plate)
        vehicle = find(self.deps.event_log, vehicle_id(car_park.estate_id, plate), Vehicle)
        if vehicle is None:
            vehicle = Vehicle(
                estate_id=car_park.estate_id,
                plate=plate,
                unit_id=cmd.unit_id,
                by=cmd.actor.user_id,
                at=self._now,
            )
        else:
            vehicle.register(cmd.unit_id, cmd.actor.user_id, self._now)
        return vehicle.id, self._save(vehicle)

    def block(self, cmd: c.BlockPlate) -> tuple[UUID, int]:
        car_park = self._car_park(cmd.actor, cmd.car_park_id, MANAGE)
        vehicle = self._plate(car_park, normalise_plate(cmd.plate), None, cmd.actor.user_id)
        vehicle.block(cmd.reason, cmd.actor.user_id, self._now)
        return vehicle.id, self._save(vehicle)

    def unblock(self, cmd: c.UnblockVehicle) -> int:
        vehicle = self._vehicle(cmd.actor, cmd.vehicle_id)
        vehicle.unblock(cmd.actor.user_id, self._now)
        return self._save(vehicle)

    def issue_pass(self, cmd: c.IssuePass) -> tuple[UUID, int]:
        vehicle = self._vehicle(cmd.actor, cmd.vehicle_id)
        if cmd.space_id is not None:
            space = find(self.deps.event_log, cmd.space_id, ParkingSpace)
            if space is None or space.estate_id != vehicle.estate_id:
                raise ValidationFailed("space_id: no such parking space in the estate")
            if space.unit_id is None or space.unit_id != vehicle.unit_id:
                raise ValidationFailed("space_id: the space is not assigned to the vehicle's unit")
        car_park = find(self.deps.event_log, car_park_id(vehicle.estate_id), CarPark)
        if car_park is None:
            raise InvalidTransition("the estate's car park is not open")
        currency = car_park.tariff_at(self._now)[1].currency
        amount = None if cmd.amount is None else exact_money(cmd.amount, currency)
        pass_id = self.deps.ids()
        vehicle.issue_pass(
            pass_id=pass_id,
            space_id=cmd.space_id,
            starts_on=cmd.starts_on,
            billing=PassBilling(cmd.billing),
            months=cmd.months,
            amount=amount,
            currency=currency,
            method=cmd.method,
            reference=cmd.reference,
            booked_on=booking_day(self.deps, vehicle.estate_id, None),
            vat_rate=self._vat_rate(vehicle.estate_id),
            by=cmd.actor.user_id,
            at=self._now,
        )
        return pass_id, self._save(vehicle)

    def cancel_pass(self, cmd: c.CancelPass) -> int:
        vehicle = self._vehicle(cmd.actor, cmd.vehicle_id)
        vehicle.cancel_pass(cmd.pass_id, cmd.actor.user_id, self._now)
        return self._save(vehicle)

    # ---- the barrier -------------------------------------------------------

    def gate(self, cmd: c.GateEvent) -> c.GateDecision:
        """A plate at a barrier: in (refused if blocklisted; free with a pass) or out."""
        car_park = self._car_park(cmd.actor, cmd.car_park_id, GATE)
        plate = normalise_plate(cmd.plate)
        vehicle = self._plate(car_park, plate, None, None)
        if cmd.direction is c.Direction.IN:
            return self._entry(car_park, vehicle, cmd.gate)
        return self._exit(vehicle, cmd.gate)

    def _entry(self, car_park: CarPark, vehicle: Vehicle, gate: str) -> c.GateDecision:
        now = self._now
        version, tariff = car_park.tariff_at(now)
        if vehicle.blocked is not None:
            reason = vehicle.refuse(gate, now)
            position = self._save(vehicle)
            return _decision(vehicle, None, position, refused=reason, currency=tariff.currency)
        pass_id = vehicle.pass_at(now)
        session = ParkingSession.start(
            id=self.deps.ids(),
            estate_id=car_park.estate_id,
            vehicle_id=vehicle.id,
            plate=vehicle.plate,
            unit_id=vehicle.unit_id,
            gate=gate,
            pass_id=pass_id,
            tariff_version=version,
            tariff=tariff,
            at=now,
        )
        vehicle.enter(session.id, now)
        return _decision(vehicle, session, self._save(vehicle, session))

    def _exit(self, vehicle: Vehicle, gate: str) -> c.GateDecision:
        now = self._now
        if vehicle.inside is None:  # the guard lets it out (``let_out_without_entry``)
            vehicle.refuse_exit(gate, now)
            position = self._save(vehicle)
            return _decision(vehicle, None, position, status="no_entry")
        session = find(self.deps.event_log, vehicle.inside, ParkingSession)
        assert session is not None
        if str(session.status) == "inside":
            session.exit(gate, now)
        elif str(session.status) == "paid":
            session.leave(gate, now)  # past the grace after paying: more is owed
        else:  # still owed: the barrier stays down, nothing new is recorded
            return _decision(vehicle, session, None)
        if str(session.status) == "left":
            vehicle.leave(session.id, now)
        return _decision(vehicle, session, self._save(vehicle, session))

    def let_out_without_entry(self, cmd: c.LetOutWithoutEntry) -> tuple[UUID, int]:
        """A car at the exit with no recorded entry, let out by the guard: the session is
        recorded exited without entry, paid (when its charge is above zero) and left,
        in one append; it is on the day's exceptions."""
        car_park = self._car_park(cmd.actor, cmd.car_park_id, GATE)
        vehicle = self._plate(car_park, normalise_plate(cmd.plate), None, None)
        if vehicle.inside is not None:
            raise InvalidTransition(
                f"plate: {vehicle.plate} is inside (session {vehicle.inside}): "
                "its exit is the gate's"
            )
        now = self._now
        version, tariff = car_park.tariff_at(cmd.entered_at or now)
        session = ParkingSession.without_entry(
            id=self.deps.ids(),
            estate_id=car_park.estate_id,
            vehicle_id=vehicle.id,
            plate=vehicle.plate,
            unit_id=vehicle.unit_id,
            gate=cmd.gate,
            tariff_version=version,
            tariff=tariff,
            charge=cmd.charge,
            entered_at=cmd.entered_at,
            reason=cmd.reason,
            by=cmd.actor.user_id,
            at=now,
        )
        if session.fee > 0:
            if cmd.method is None:
                raise ValidationFailed(f"method: how the {session.fee} {session.currency} was paid")
            day = booking_day(self.deps, session.estate_id, None)
            rate = self._vat_rate(session.estate_id)
            session.pay(cmd.method, cmd.reference, day, rate, cmd.actor.user_id, now)
        session.leave(cmd.gate, now)
        return session.id, self._save(vehicle, session)

    def _session(self, actor: Actor, session_id: UUID) -> ParkingSession:
        session = find(self.deps.event_log, session_id, ParkingSession)
        if session is None:
            raise ParkingNotFound()
        actor.check("parking:read", None, session.estate_id)
        actor.require(GATE, None, session.estate_id)
        return session

    def release(self, cmd: c.ReleaseSession) -> int:
        """Close a session the barrier cannot: the car may enter again."""
        session = self._session(cmd.actor, cmd.session_id)
        vehicle = find(self.deps.event_log, session.vehicle_id, Vehicle)
        assert vehicle is not None
        now = self._now
        session.release(cmd.reason, cmd.actor.user_id, now)
        vehicle.leave(session.id, now)
        return self._save(vehicle, session)

    def pay(self, cmd: c.PayParking) -> tuple[int, str]:
        session = self._session(cmd.actor, cmd.session_id)
        now = self._now
        day = booking_day(self.deps, session.estate_id, None)
        rate = self._vat_rate(session.estate_id)
        session.pay(cmd.method, cmd.reference, day, rate, cmd.actor.user_id, now)
        return self._save(session), str(session.status)


def _decision(
    vehicle: Vehicle,
    session: ParkingSession | None,
    position: int | None,
    *,
    refused: str | None = None,
    currency: str = "CNY",
    status: str = "refused",
) -> c.GateDecision:
    if session is None:
        return c.GateDecision(
            open=False,
            position=position,
            session_id=None,
            vehicle_id=vehicle.id,
            plate=vehicle.plate,
            fee=exact_money(0, currency),
            currency=currency,
            pass_id=None,
            refused=refused,
            status=status,
        )
    status = str(session.status)
    return c.GateDecision(
        open=status in ("inside", "left"),
        position=position,
        session_id=session.id,
        vehicle_id=vehicle.id,
        plate=vehicle.plate,
        fee=session.fee,
        currency=session.currency,
        pass_id=session.pass_id,
        refused=None,
        status=status,
    )
