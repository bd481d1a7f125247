"""What can be asked of the equipment context, by whom.

Each command carries the :class:`~application.actor.Actor` who issues it;
the handler (``application/equipment/service.py``) authorizes against the
equipment or alarm it loaded, so a record of another estate is missing (404)
whatever the caller: HTTP, the CLI or a job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.actor import Actor
from domain.equipment.rules import Reading


@dataclass(frozen=True)
class RegisterEquipment:
    """Staff who manage equipment of the estate (``equipment:manage``) register a piece
    of it; a building or unit it names must be of that estate."""

    actor: Actor
    estate_id: UUID
    kind: str
    name: str
    model: str | None = None
    serial_number: str | None = None
    location: str | None = None
    building_id: UUID | None = None
    unit_id: UUID | None = None
    installed_on: date | None = None
    vendor: str | None = None
    warranty_until: date | None = None


@dataclass(frozen=True)
class ChangeDetails:
    """Staff who manage the equipment's estate correct its specification: ``changes``
    holds only the fields to change; a None removes the value."""

    actor: Actor
    equipment_id: UUID
    changes: dict[str, Any]


@dataclass(frozen=True)
class ChangeStatus:
    """Staff who manage the equipment's estate take it out of service, back in, or
    decommission it (final)."""

    actor: Actor
    equipment_id: UUID
    status: str
    reason: str


@dataclass(frozen=True)
class IngestReadings:
    """A batch of readings; those of equipment the actor may not feed are rejected."""

    actor: Actor
    readings: list[Reading]


@dataclass(frozen=True)
class HandleAlarm:
    """Acknowledge or clear an alarm: staff who handle alarms of its estate."""

    actor: Actor
    alarm_id: UUID


@dataclass(frozen=True)
class OpenAlarmWorkOrder:
    """Staff who handle the alarm open a repair order for its equipment, saved with it."""

    actor: Actor
    alarm_id: UUID
    title: str | None = None
    description: str | None = None
