"""The handlers of the operations context: load, authorize, decide, save."""

from __future__ import annotations

from uuid import UUID

from application.errors import NotFound
from application.operations.commands import AcknowledgeAlert, AcknowledgeIncident, ResolveIncident
from application.services import ServiceDeps, load
from domain.identity.alerts import AdminAlert
from domain.operations.incidents import Incident


class OperationsService:
    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps

    def acknowledge_incident(self, cmd: AcknowledgeIncident) -> int:
        incident = self._incident(cmd.incident_id)
        cmd.actor.check("incidents:read", None)
        cmd.actor.require("incidents:manage", None)
        incident.acknowledge(cmd.actor.user_id, at=self.deps.clock())
        return self.deps.event_log.save_and_position(incident)

    def resolve_incident(self, cmd: ResolveIncident) -> int:
        incident = self._incident(cmd.incident_id)
        cmd.actor.check("incidents:read", None)
        cmd.actor.require("incidents:manage", None)
        incident.resolve(cmd.actor.user_id, cmd.cause, cmd.action, at=self.deps.clock())
        return self.deps.event_log.save_and_position(incident)

    def acknowledge_alert(self, cmd: AcknowledgeAlert) -> int:
        alert = load(self.deps.event_log, cmd.alert_id, AdminAlert, NotFound("no such alert"))
        cmd.actor.check("alerts:read", None)
        cmd.actor.require("alerts:manage", None)
        alert.acknowledge(cmd.actor.user_id, at=self.deps.clock())
        return self.deps.event_log.save_and_position(alert)

    def _incident(self, incident_id: UUID) -> Incident:
        return load(self.deps.event_log, incident_id, Incident, NotFound("no such incident"))
