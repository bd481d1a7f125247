"""The commands of the meters context (抄表): each carries the actor who issues it.

Managers (``meters:manage``) install meters, record replacements and plan
reading rounds; staff who record readings (``meters:record`` for the
estate: technicians, customer service) enter, import, confirm and reject
them; an occupant (``meters:record:own``) submits a reading of their unit's
meter with a photo, which staff confirm or reject. A record the actor may not
see answers as missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class InstallMeter:
    """A meter of a unit (``unit_id``) or a shared one of a common ``area``."""

    actor: Actor
    estate_id: UUID
    kind: str
    serial: str
    initial_reading: Decimal
    installed_on: date
    unit_id: UUID | None = None
    area: str | None = None


@dataclass(frozen=True)
class ReplaceMeter:
    """The meter was replaced (``replaced``, a new serial) or reset (``reset``):
    the old meter's final reading and the new initial reading."""

    actor: Actor
    meter_id: UUID
    final_reading: Decimal
    initial_reading: Decimal
    changed_on: date
    reason: str
    new_serial: str | None = None


@dataclass(frozen=True)
class EnterReading:
    """Staff enter one reading of a meter for a billing period, on a round
    (``round_id``: the round notes it) or at the desk."""

    actor: Actor
    meter_id: UUID
    reading: Decimal
    read_on: date
    period: str | None = None
    round_id: UUID | None = None


@dataclass(frozen=True)
class SubmitReading:
    """An occupant submits a reading of their unit's meter with a photo reference."""

    actor: Actor
    meter_id: UUID
    reading: Decimal
    read_on: date
    period: str
    photo_ref: str


@dataclass(frozen=True)
class ConfirmReading:
    """Staff confirm a held or submitted reading: it is recorded and billed."""

    actor: Actor
    meter_id: UUID
    reading_id: UUID


@dataclass(frozen=True)
class RejectReading:
    """Staff reject a held or submitted reading, saying why."""

    actor: Actor
    meter_id: UUID
    reading_id: UUID
    reason: str


@dataclass(frozen=True)
class ImportedReading:
    """One row of an import file: 房号 (and 楼栋 where numbers repeat), 表类型, 读数, 抄表日期."""

    row: int
    unit_number: str
    building_code: str | None
    kind: str
    reading: str
    read_on: str


@dataclass(frozen=True)
class ImportReadings:
    """Staff import a period's readings of an estate's unit meters, all or none."""

    actor: Actor
    estate_id: UUID
    period: str
    rows: list[ImportedReading]


@dataclass(frozen=True)
class PlanRound:
    """A reading round: the meters a technician reads for a period, in route order."""

    actor: Actor
    estate_id: UUID
    period: str
    technician_id: UUID
    meter_ids: list[UUID]
    due_on: date


@dataclass(frozen=True)
class CloseRound:
    """Close a round, read or not (what is unread stays listed as unread)."""

    actor: Actor
    round_id: UUID


@dataclass(frozen=True)
class SetJumpRule:
    """A manager sets when the estate's readings are held as jumps: usage above
    ``factor`` times the average of the meter's last ``window`` usages."""

    actor: Actor
    estate_id: UUID
    factor: Decimal
    window: int
