"""The commands of the car park: each carries the actor who issues it.

Staff who manage parking for the estate (``parking:manage``) open the car
park, change its tariff, register vehicles, keep the blocklist and issue
passes; the gate (``gate:operate``: the gate guard, or the barrier
controller's account, which holds that role) reports a plate at a barrier
and takes the fee at the exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from application.actor import Actor
from domain.parking.session import ExitCharge
from domain.parking.tariff import Tariff
from domain.parking.vehicle import PassBilling, PaymentMethod


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


@dataclass(frozen=True)
class OpenCarPark:
    """Open the estate's car park with its temporary spaces and first tariff."""

    actor: Actor
    estate_id: UUID
    temporary_spaces: int
    tariff: Tariff


@dataclass(frozen=True)
class ChangeTariff:
    """A new version of the tariff from ``effective_from``; the old stays as it was."""

    actor: Actor
    car_park_id: UUID
    tariff: Tariff
    effective_from: datetime


@dataclass(frozen=True)
class RegisterVehicle:
    """A plate registered to a unit of the estate (a resident's car)."""

    actor: Actor
    car_park_id: UUID
    plate: str
    unit_id: UUID


@dataclass(frozen=True)
class BlockPlate:
    """Put a plate on the blocklist: the barrier refuses it at the entry."""

    actor: Actor
    car_park_id: UUID
    plate: str
    reason: str


@dataclass(frozen=True)
class UnblockVehicle:
    """Take a vehicle off the blocklist."""

    actor: Actor
    vehicle_id: UUID


@dataclass(frozen=True)
class IssuePass:
    """A monthly pass for a registered vehicle (``domain/parking/vehicle.py``)."""

    actor: Actor
    vehicle_id: UUID
    billing: PassBilling
    starts_on: date
    space_id: UUID | None = None
    months: int | None = None
    amount: Decimal | None = None
    method: PaymentMethod | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CancelPass:
    """End a pass early; the vehicle then pays as a temporary one."""

    actor: Actor
    vehicle_id: UUID
    pass_id: UUID


@dataclass(frozen=True)
class GateEvent:
    """The barrier saw ``plate`` at ``gate`` going in or out."""

    actor: Actor
    car_park_id: UUID
    plate: str
    gate: str
    direction: Direction


@dataclass(frozen=True)
class PayParking:
    """The fee of a session paid at the exit (cash, or online with its reference)."""

    actor: Actor
    session_id: UUID
    method: PaymentMethod
    reference: str | None = None


@dataclass(frozen=True)
class ReleaseSession:
    """The guard closes a session without a paid exit (a missed exit, a waived fee)."""

    actor: Actor
    session_id: UUID
    reason: str


@dataclass(frozen=True)
class SetTemporarySpaces:
    """The count of spaces for temporary parking, as the manager sets it from now."""

    actor: Actor
    car_park_id: UUID
    temporary_spaces: int


@dataclass(frozen=True)
class LetOutWithoutEntry:
    """The guard lets out a car with no recorded entry: why, the charge (and the
    estimated entry for ``estimated_entry``), and how the fee was paid."""

    actor: Actor
    car_park_id: UUID
    plate: str
    gate: str
    reason: str
    charge: ExitCharge
    entered_at: datetime | None = None
    method: PaymentMethod | None = None
    reference: str | None = None


@dataclass(frozen=True)
class GateDecision:
    """What the barrier does: open or stay down, and why."""

    open: bool
    position: int | None
    session_id: UUID | None
    vehicle_id: UUID
    plate: str
    fee: Decimal
    currency: str
    pass_id: UUID | None
    refused: str | None  # the blocklist's reason
    status: str  # the session's, "refused", or "no_entry" (an exit with no entry recorded)
