"""The commands of the gate context (访客/门禁): each carries the actor who sends it.

A handler (``application/gate/service.py``) authorizes the actor against
the pass it loads: a pass the actor may not see answers as missing, a gate
of another estate is refused with ``PassOfAnotherEstate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.actor import Actor
from domain.gate.access import AccessEvent


@dataclass(frozen=True)
class IssuePass:
    """A resident lets a visitor in to a unit they occupy (``visitors:invite:own``);
    the front desk for a unit of an estate they serve (``visitors:invite:estate``).
    ``visitor_user_id``: the visitor's own account (role ``visitor``), who then
    reads the pass."""

    actor: Actor
    estate_id: UUID
    unit_id: UUID
    visitor_name: str
    valid_from: datetime
    valid_until: datetime
    entries_allowed: int = 1
    visitor_phone: str | None = None
    plate: str | None = None
    visitor_user_id: UUID | None = None


@dataclass(frozen=True)
class RevokePass:
    """Whoever issued the pass, or staff who invite for its estate, revoke it."""

    actor: Actor
    pass_id: UUID
    reason: str | None = None


@dataclass(frozen=True)
class GateStep:
    """The gate (``gate:operate`` for the pass's estate) scans a pass's token:
    in, out; ``controller_id``: the gate's controller, if it reports."""

    actor: Actor
    token: str
    controller_id: UUID | None = None


class CheckIn(GateStep):
    """The visitor enters: refused when the pass is expired, revoked or used up."""


class CheckOut(GateStep):
    """The visitor leaves."""


@dataclass(frozen=True)
class AccessReport:
    """One event a door or gate controller reports."""

    equipment_id: UUID
    at: datetime
    event: AccessEvent
    open_seconds: int | None = None
    token: str | None = None


@dataclass(frozen=True)
class ReportAccess:
    """Controllers' events (``telemetry:ingest`` for their estates): states of the
    controller's equipment, and openings by pass recorded against the pass."""

    actor: Actor
    events: list[AccessReport]
