"""What administrators do with incidents and alerts, by whom.

Administrators (``incidents:manage``, ``alerts:manage``: company-wide) take
an incident on, resolve it with its cause and the action taken, and
acknowledge an alert of their inbox. Auditors read incidents, never act.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.actor import Actor


@dataclass(frozen=True)
class AcknowledgeIncident:
    """An administrator takes the incident on (409 if it is not newly recorded)."""

    actor: Actor
    incident_id: UUID


@dataclass(frozen=True)
class ResolveIncident:
    """An administrator records what caused the incident and what was done (422
    without a cause or an action, 409 if it is already resolved)."""

    actor: Actor
    incident_id: UUID
    cause: str
    action: str


@dataclass(frozen=True)
class AcknowledgeAlert:
    """An administrator has seen an alert (409 the second time)."""

    actor: Actor
    alert_id: UUID
