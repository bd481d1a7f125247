"""A temporary parking session (临停): from the barrier's entry to the car leaving.

inside -> (exit: the fee is computed from the tariff in force at entry)
awaiting_payment -> (paid: cash or an online payment's reference) paid ->
(the barrier opens) left; or released by the guard while inside or
awaiting payment (a missed exit, a waived fee: nothing is owed). A vehicle
with a valid monthly pass, or one that leaves within the free minutes, owes
nothing: its exit opens the barrier and the session is left at once. A
session is never exited twice, and nothing is paid but the fee itself.
``Paid`` posts the fee as temporary-parking revenue
(``domain/parking/postings.py``).
"""

from __future__ import annotations

from datetime import date, datetime
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


class ParkingSession(Aggregate):
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
        self.entered_at = at
        self.status = S.INSIDE
        self.fee = Decimal(0)
        self.currency = str(tariff["currency"])

    def exit(self, gate: str, at: datetime) -> Decimal:
        """The car at the exit barrier: the fee it owes (nothing with a pass)."""
        if self.status is not S.INSIDE:
            raise InvalidTransition(f"the session is {self.status}: a car exits once")
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

    def leave(self, gate: str, at: datetime) -> None:
        """The barrier opened for a car that has paid."""
        if self.status is not S.PAID:
            raise InvalidTransition(f"the session is {self.status}: pay before leaving")
        self._left(gate=text(gate, "gate", 50), at=at)

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
