"""Pure rules of a work order that need none of its state machine: the text
and parts a command may carry, its categories and channels, and which SLA
deadlines have passed. Plain functions over values, so ``order.py`` keeps
only the aggregate and its table."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.errors import ValidationFailed


class Source(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    ALARM = "alarm"
    PLAN = "plan"
    PATROL = "patrol"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Category(StrEnum):
    PLUMBING = "plumbing"
    ELECTRICAL = "electrical"
    HVAC = "hvac"
    ELEVATOR = "elevator"
    FIRE_SAFETY = "fire_safety"
    SECURITY = "security"
    STRUCTURAL = "structural"
    APPLIANCE = "appliance"
    CLEANING = "cleaning"
    LANDSCAPING = "landscaping"
    PREVENTIVE = "preventive"
    OTHER = "other"


class Channel(StrEnum):
    """How a resident's request reached the estate."""

    APP = "app"  # they submitted it themselves
    PHONE = "phone"  # they phoned and a clerk logged it
    VISIT = "visit"  # they came to the service desk


class SlaKind(StrEnum):
    RESPOND = "respond"  # the technician has started work on site
    RESOLVE = "resolve"  # the work is completed


def text(name: str, value: str, limit: int) -> str:
    """The value, stripped: 1 to ``limit`` characters."""
    value = value.strip()
    if not value or len(value) > limit:
        raise ValidationFailed(f"{name}: 1-{limit} characters")
    return value


def clean_parts(given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts used, each named, with a positive quantity and a unit cost of 0 or more."""
    clean = []
    for part in given:
        name = text("part name", str(part.get("name", "")), 200)
        qty = Decimal(str(part.get("qty", "0")))
        unit_cost = Decimal(str(part.get("unit_cost", "0")))
        if qty <= 0 or unit_cost < 0:
            raise ValidationFailed("a part needs a positive qty and a non-negative unit cost")
        clean.append({"name": name, "qty": qty, "unit_cost": unit_cost})
    return clean


def passed_deadlines(
    respond_by: datetime | None,
    resolve_by: datetime | None,
    started_at: datetime | None,
    recorded: Collection[str],
    now: datetime,
) -> list[tuple[SlaKind, datetime]]:
    """The deadlines passed at ``now`` and not yet recorded: respond until work
    has started on site, resolve until the work is completed."""
    due: list[tuple[SlaKind, datetime]] = []
    if (
        respond_by is not None
        and started_at is None
        and now > respond_by
        and SlaKind.RESPOND not in recorded
    ):
        due.append((SlaKind.RESPOND, respond_by))
    if resolve_by is not None and now > resolve_by and SlaKind.RESOLVE not in recorded:
        due.append((SlaKind.RESOLVE, resolve_by))
    return due
