"""A temporary parking session (临停): from the barrier's entry to the car leaving.

inside -> (exit: the fee is computed from the tariff in force at entry)
awaiting_payment -> (paid: cash or an online payment's reference) paid ->
(the barrier opens) left; or released by the guard while inside or
awaiting payment (a missed exit, a waived fee: nothing is owed). A paid
car leaves within the tariff's grace after paying; later it owes the fee to
its exit less what it paid (``Overstayed``) and pays that too. A car whose
entry was never recorded is let out by the guard (``ExitedWithoutEntry``,
the session's first event: the reason and a charge, the lost-ticket fee, the
daily cap or the fee from an estimated entry), paid in the same append. A vehicle
with a valid monthly pass, or one that leaves within the free minutes, owes
nothing: its exit opens the barrier and the session is left at once. A
session is never exited twice, and nothing is paid but the fee itself.
``Paid`` posts the fee as temporary-parking revenue
(``domain/parking/postings.py``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.parking.tariff import Tariff
from domain.parking.vehicle import PaymentMethod, text, vat_of


class SessionStatus(StrEnum):
    INSIDE = "inside"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    LEFT = "left"


S = SessionStatus
MAX_ESTIMATE = timedelta(days=30)


class ExitCharge(StrEnum):
    """What a car with no recorded entry pays to be let out."""

    LOST_TICKET = "lost_ticket"  # the tariff's lost-ticket fee (丢卡费)
    DAILY_CAP = "daily_cap"  # one day's cap
    ESTIMATED_ENTRY = "estimated_entry"  # the fee from the entry the guard estimates


class ParkingSession(Aggregate):
    class_version = 2  # 2: what was paid and when (the grace after paying)

    @classmethod
    def start(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        vehicle_id: UUID,
        plate: str,
        unit_id: UUID | None,
        gate: str,
        pass_id: UUID | None,
        tariff_version: int,
        tariff: Tariff,
        at: datetime,
    ) -> ParkingSession:
        return cls(
            id=id,
            estate_id=estate_id,
            vehicle_id=vehicle_id,
            plate=plate,
            unit_id=unit_id,
            gate=text(gate, "gate", 50),
            pass_id=pass_id,
            tariff_version=tariff_version,
            tariff=tariff.as_dict(),
            at=at,
        )

    @event("Entered")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        vehicle_id: UUID,
        plate: str,
        unit_id: UUID | None,
        gate: str,
        pass_id: UUID | None,
        tariff_version: int,
        tariff: dict[str, Any],
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.vehicle_id = vehicle_id
        self.plate = plate
        self.pass_id = pass_id
        self.tariff = tariff
        self.entered_at: datetime | None = at  # None: let out with no recorded entry
        self.status = S.INSIDE
        self.fee = Decimal(0)
        self.currency = str(tariff["currency"])
        self.paid_total = Decimal(0)
        self.paid_at: datetime | None = None

    class ExitedWithoutEntry(Aggregate.Created):
        """A car at the exit with no recorded entry, let out by the guard (``by``) saying
        why, charged as ``charge`` says: ``fee`` owed, ``entered_at`` the guard's estimate
        of its entry (``estimated_entry``) or None; ``at`` is the exit."""

        estate_id: UUID
        vehicle_id: UUID
        plate: str
        unit_id: UUID | None
        gate: str
        pass_id: UUID | None
        tariff_version: int
        tariff: dict[str, Any]
        at: datetime
        entered_at: datetime | None
        charge: str
        reason: str
        minutes: int | None
        fee: Decimal
        by: UUID

        def mutate(self, aggregate: Any) -> Any:
            session = super().mutate(aggregate)  # the entry's state, from the fields it shares
            assert session is not None
            session.entered_at = self.entered_at
            session.fee = self.fee
            session.status = S.AWAITING_PAYMENT
            if self.fee == 0:  # nothing to pay (an estimated stay within the free minutes)
                session.status, session.paid_at = S.PAID, self.at
            return session

    @classmethod
    def without_entry(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        vehicle_id: UUID,
        plate: str,
        unit_id: UUID | None,
        gate: str,
        tariff_version: int,
        tariff: Tariff,
        charge: ExitCharge,
        entered_at: datetime | None,
        reason: str,
        by: UUID,
        at: datetime,
    ) -> ParkingSession:
        """The guard lets out a car whose entry was never recorded (the camera missed it,
        the record was lost): the lost-ticket fee, the daily cap, or the fee from the
        entry the guard estimates. Never silent: the reason and the guard are kept."""
        minutes: int | None = None
        if charge is ExitCharge.ESTIMATED_ENTRY:
            if entered_at is None or not at - MAX_ESTIMATE <= entered_at < at:
                raise ValidationFailed(
                    "entered_at: the estimated entry, before now and within 30 days"
                )
            fee = tariff.fee(entered_at, at)
            minutes = int((at - entered_at).total_seconds() // 60)
        elif entered_at is not None:
            raise ValidationFailed("entered_at: only with charge estimated_entry")
        elif charge is ExitCharge.DAILY_CAP:
            fee = tariff.daily_cap
        elif tariff.lost_ticket_fee is None:
            raise InvalidTransition("charge: the tariff in force sets no lost_ticket_fee")
        else:
            fee = tariff.lost_ticket_fee
        return cls._create(
            cls.ExitedWithoutEntry,
            id=id,
            estate_id=estate_id,
            vehicle_id=vehicle_id,
            plate=plate,
            unit_id=unit_id,
            gate=text(gate, "gate", 50),
            pass_id=None,
            tariff_version=tariff_version,
            tariff=tariff.as_dict(),
            at=at,
            entered_at=entered_at,
            charge=str(charge),
            reason=text(reason, "reason", 500),
            minutes=minutes,
            fee=fee,
            by=by,
        )

    def exit(self, gate: str, at: datetime) -> Decimal:
        """The car at the exit barrier: the fee it owes (nothing with a pass)."""
        if self.status is not S.INSIDE:
            raise InvalidTransition(f"the session is {self.status}: a car exits once")
        assert self.entered_at is not None
        if at < self.entered_at:
            raise ValidationFailed("at: the exit is before the entry")
        owed = Decimal(0)
        if self.pass_id is None:
            owed = Tariff.restored(self.tariff).fee(self.entered_at, at)
        minutes = int((at - self.entered_at).total_seconds() // 60)
        self._exited(
            gate=text(gate, "gate", 50), minutes=minutes, fee=owed, currency=self.currency, at=at
        )
        if owed == 0:
            self._left(gate=gate, at=at)
        return owed

    @event("Exited")
    def _exited(self, gate: str, minutes: int, fee: Decimal, currency: str, at: datetime) -> None:
        self.fee = fee
        self.status = S.AWAITING_PAYMENT

    def pay(
        self,
        method: PaymentMethod,
        reference: str | None,
        booked_on: date,
        vat_rate: Decimal,
        by: UUID,
        at: datetime,
    ) -> None:
        """The fee paid at the exit: in cash at the booth, or online (its reference).
        ``vat_rate`` is the estate's for parking on the day (prices include VAT)."""
        if self.status is not S.AWAITING_PAYMENT:
            raise InvalidTransition(f"the session is {self.status}: nothing is owed")
        if method is PaymentMethod.ONLINE and not (reference and reference.strip()):
            raise ValidationFailed("reference: an online payment's reference")
        self._paid(
            estate_id=self.estate_id,
            plate=self.plate,
            amount=self.fee,
            currency=self.currency,
            method=str(method),
            reference=text(reference, "reference", 100) if reference else None,
            booked_on=booked_on,
            vat_rate=vat_rate,
            tax=vat_of(self.fee, vat_rate, self.currency),
            by=by,
            at=at,
        )

    @event("Paid")
    def _paid(
        self,
        estate_id: UUID,
        plate: str,
        amount: Decimal,
        currency: str,
        method: str,
        reference: str | None,
        booked_on: date,
        vat_rate: Decimal,
        tax: Decimal,
        by: UUID,
        at: datetime,
    ) -> None:
        self.status = S.PAID
        self.paid_total += amount
        self.paid_at = at

    def leave(self, gate: str, at: datetime) -> Decimal:
        """A car that has paid at the exit: within the tariff's grace after paying the
        barrier opens; later it owes the fee to now less what it paid (``Overstayed``),
        unless the cap leaves nothing more. What it owes now."""
        if self.status is not S.PAID:
            raise InvalidTransition(f"the session is {self.status}: pay before leaving")
        gate = text(gate, "gate", 50)
        tariff = Tariff.restored(self.tariff)
        assert self.paid_at is not None
        if self.entered_at is not None and tariff.grace_over(self.paid_at, at):
            extra = tariff.fee(self.entered_at, at) - self.paid_total
            if extra > 0:
                minutes = int((at - self.entered_at).total_seconds() // 60)
                self._overstayed(gate=gate, minutes=minutes, fee=extra, paid=self.paid_total, at=at)
                return extra
        self._left(gate=gate, at=at)
        return Decimal(0)

    @event("Overstayed")
    def _overstayed(
        self, gate: str, minutes: int, fee: Decimal, paid: Decimal, at: datetime
    ) -> None:
        """Past the grace after paying: ``fee`` more is owed (the stay's fee less ``paid``)."""
        self.fee = fee
        self.status = S.AWAITING_PAYMENT

    @event("Left")
    def _left(self, gate: str, at: datetime) -> None:
        self.status = S.LEFT

    def release(self, reason: str, by: UUID, at: datetime) -> None:
        """The guard records that the car is gone without a recorded exit (the camera
        missed it) or lets it out without charge, saying why; nothing is owed."""
        if self.status is S.LEFT:
            raise InvalidTransition("the session is left: a car leaves once")
        if self.status is S.PAID:
            raise InvalidTransition("the session is paid: the exit opens the barrier")
        self._released(reason=text(reason, "reason", 500), by=by, at=at)

    @event("Released")
    def _released(self, reason: str, by: UUID, at: datetime) -> None:
        self.status = S.LEFT
