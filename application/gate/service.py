"""Gate handlers: visitor passes, the gate's check-in and check-out, and the
events door and gate controllers report.

Each handler loads the pass once, authorizes the command's actor against it
(``actor.check``: a pass of another estate is missing, 404; the gate of
another estate is refused, 403), lets the aggregate decide and saves. The
pass's QR token is signed with the service's pass key (``PassSigner``); a
token whose signature does not verify names no pass (422).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.community.residence import RegistryResidence, Residence
from application.equipment.telemetry import MAX_CLOCK_SKEW, IngestResult
from application.errors import NotFound
from application.gate import commands as c
from application.gate.ports import PassSigner, ReadingsIngest
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.equipment.equipment import Equipment
from domain.equipment.rules import EquipmentKind, Metric, Reading
from domain.errors import ValidationFailed
from domain.gate import token as tokens
from domain.gate.access import AccessEvent, state_of
from domain.gate.visitor_pass import PassOfAnotherEstate, VisitorPass
from domain.identity.policy import Role
from domain.identity.user import User

#: How a visitor's phone may be written: digits, with ``+``, spaces and dashes.
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")
#: The fields sealed under the pass's key (docs/personal-data.md).
NAME, PHONE_FIELD = "visitor_name", "visitor_phone"
CONTROLLERS = {EquipmentKind.DOOR, EquipmentKind.GATE}


class PassNotFound(NotFound):
    """No such pass, or not the actor's to see."""

    def __init__(self, detail: str = HIDDEN) -> None:
        super().__init__(detail)


def owners(visitor_pass: VisitorPass) -> set[UUID]:
    """Who holds the pass as their own: who issued it, and its visitor's account."""
    held = {visitor_pass.issued_by}
    if visitor_pass.visitor_user_id is not None:
        held.add(visitor_pass.visitor_user_id)
    return held


@dataclass
class AccessResult:
    received: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    alarms_raised: list[UUID] = field(default_factory=list)
    alarms_returned_to_normal: list[UUID] = field(default_factory=list)
    passes_recorded: list[UUID] = field(default_factory=list)
    position: int = 0


class GateService:
    def __init__(
        self,
        deps: ServiceDeps,
        signer: PassSigner,
        readings: ReadingsIngest,
        residence: Residence | None = None,
    ) -> None:
        self.deps = deps
        self.signer = signer
        self.readings = readings
        self.residence: Residence = residence or RegistryResidence(deps.registry, deps.event_log)

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context: none (expiry is the clock's)."""
        return []

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    # ---- passes ----------------------------------------------------------------

    def issue_pass(self, cmd: c.IssuePass) -> tuple[UUID, int, str]:
        """A pass for a unit: the resident's own, or one of the front desk's estate."""
        self._check_where(cmd.actor, cmd.estate_id, cmd.unit_id)
        name = cmd.visitor_name.strip()
        if not 1 <= len(name) <= 100:
            raise ValidationFailed("visitor_name: 1-100 characters")
        phone = cmd.visitor_phone.strip() if cmd.visitor_phone else None
        if phone is not None and not PHONE.match(phone):
            raise ValidationFailed("visitor_phone: digits, optionally with + - and spaces")
        if cmd.visitor_user_id is not None:
            visitor = find(self.deps.event_log, cmd.visitor_user_id, User)
            if visitor is None or Role.VISITOR not in visitor.roles:
                raise ValidationFailed("visitor_user_id: no visitor account")
        pass_id = self.deps.ids()
        visitor_pass = VisitorPass.issue(
            id=pass_id,
            estate_id=cmd.estate_id,
            unit_id=cmd.unit_id,
            issued_by=cmd.actor.user_id,
            visitor_user_id=cmd.visitor_user_id,
            name_enc=self.deps.vault.encrypt(pass_id, NAME, name),
            phone_enc=self.deps.vault.encrypt(pass_id, PHONE_FIELD, phone) if phone else None,
            plate=cmd.plate,
            valid_from=cmd.valid_from,
            valid_until=cmd.valid_until,
            entries_allowed=cmd.entries_allowed,
            at=self._now,
        )
        position = self.deps.event_log.save_and_position(visitor_pass)
        return pass_id, position, self.token(visitor_pass)

    def _check_where(self, actor: Actor, estate_id: UUID, unit_id: UUID) -> None:
        """Staff name a unit of an estate they serve; a resident a unit they occupy."""
        if actor.may("visitors:invite", owner_id=None, estate_id=estate_id):
            if not self.residence.estate_exists(estate_id) or (
                lookups.unit_estate(self.deps.event_log, unit_id) != estate_id
            ):
                raise PassNotFound()
        elif not actor.may("visitors:invite", owner_id=actor.user_id) or (
            (estate_id, unit_id) not in self.residence.units_of_user(actor.user_id)
        ):
            raise PassNotFound()

    def visible(self, actor: Actor, pass_id: UUID) -> VisitorPass:
        """The pass, if the actor reads the passes of its estate or it is their own."""
        visitor_pass = load(self.deps.event_log, pass_id, VisitorPass, PassNotFound())
        actor.check("visitors:read", owners(visitor_pass), visitor_pass.estate_id)
        return visitor_pass

    def token_of(self, actor: Actor, pass_id: UUID) -> str:
        """The pass's QR token, for whoever may read the pass (the same every time)."""
        return self.token(self.visible(actor, pass_id))

    def token(self, visitor_pass: VisitorPass) -> str:
        return self.token_for(
            visitor_pass.id,
            visitor_pass.estate_id,
            visitor_pass.valid_from,
            visitor_pass.valid_until,
        )

    def token_for(
        self, pass_id: UUID, estate_id: UUID, valid_from: datetime, valid_until: datetime
    ) -> str:
        """The token of the pass these are of (a read model's row gives them too)."""
        claims = tokens.PassClaims(pass_id, estate_id, valid_from, valid_until)
        return tokens.written(claims, self.signer.sign(claims.encoded()))

    def revoke_pass(self, cmd: c.RevokePass) -> int:
        """Whoever issued the pass, or staff who invite for its estate."""
        visitor_pass = self.visible(cmd.actor, cmd.pass_id)
        cmd.actor.require(
            "visitors:invite",
            visitor_pass.issued_by,
            visitor_pass.estate_id,
            refused="only whoever issued the pass, or staff of its estate, revoke it",
        )
        visitor_pass.revoke(cmd.actor.user_id, cmd.reason, self._now)
        return self.deps.event_log.save_and_position(visitor_pass)

    # ---- the gate --------------------------------------------------------------

    def scanned(self, actor: Actor, token: str) -> VisitorPass:
        """The pass a token names, for a gate of its estate (422: no token of ours)."""
        claims, data, signature = tokens.read(token)
        if not self.signer.verifies(data, signature):
            raise ValidationFailed("token: the signature does not verify")
        visitor_pass = load(self.deps.event_log, claims.pass_id, VisitorPass, PassNotFound())
        if not actor.may("gate:operate", None, visitor_pass.estate_id):
            raise PassOfAnotherEstate("this pass is for another estate's gate")
        return visitor_pass

    def verify(self, actor: Actor, token: str) -> tuple[VisitorPass, str]:
        """The pass a token names and its status now (the gate asks before opening)."""
        visitor_pass = self.scanned(actor, token)
        return visitor_pass, visitor_pass.status(self._now)

    def check_in(self, cmd: c.CheckIn) -> tuple[VisitorPass, int]:
        visitor_pass = self.scanned(cmd.actor, cmd.token)
        visitor_pass.check_in(cmd.actor.user_id, self._now, self._controller(cmd))
        return visitor_pass, self.deps.event_log.save_and_position(visitor_pass)

    def check_out(self, cmd: c.CheckOut) -> tuple[VisitorPass, int]:
        visitor_pass = self.scanned(cmd.actor, cmd.token)
        visitor_pass.check_out(cmd.actor.user_id, self._now, self._controller(cmd))
        return visitor_pass, self.deps.event_log.save_and_position(visitor_pass)

    def _controller(self, cmd: c.GateStep) -> UUID | None:
        """The gate's controller: equipment of kind door or gate that the actor sees."""
        if cmd.controller_id is None:
            return None
        equipment = find(self.deps.event_log, cmd.controller_id, Equipment)
        if (
            equipment is None
            or EquipmentKind(equipment.kind) not in CONTROLLERS
            or not cmd.actor.may("gate:operate", None, equipment.estate_id)
        ):
            raise ValidationFailed("controller_id: no door or gate controller of this estate")
        return equipment.id

    # ---- access control --------------------------------------------------------

    def report_access(self, cmd: c.ReportAccess) -> AccessResult:
        """Controllers' events: each a state reading of its equipment (forced and
        held-open raise alarms), and an opening by pass recorded against the pass.
        Events of unknown, invisible or other equipment are rejected one by one."""
        actor = cmd.actor
        result = AccessResult(received=len(cmd.events))
        readings: list[tuple[int, Reading]] = []
        passes: dict[UUID, VisitorPass] = {}
        for index, report in enumerate(cmd.events):
            equipment = find(self.deps.event_log, report.equipment_id, Equipment)
            why = None
            if equipment is None or not actor.may("telemetry:ingest", None, equipment.estate_id):
                why = "no such equipment"
            elif EquipmentKind(equipment.kind) not in CONTROLLERS:
                why = "not a door or gate controller"
            elif report.at > self._now + MAX_CLOCK_SKEW:
                # As telemetry rejects it; before the pass, which would record it.
                why = "at: in the future"
            elif report.event is AccessEvent.OPENED_BY_PASS:
                why = self._pass_opened(report, equipment, passes)
            if why:
                result.rejected.append(
                    {"index": index, "equipment_id": str(report.equipment_id), "reason": why}
                )
                continue
            state = state_of(report.event, report.open_seconds)
            readings.append(
                (index, Reading(report.equipment_id, report.at, Metric.STATE, state=state))
            )
        if passes:
            result.position = self.deps.event_log.save_and_position(*passes.values())
            result.passes_recorded = list(passes)
        ingested = self._ingest([r for _, r in readings])
        for rejected in ingested.rejected:
            index = readings[int(rejected["index"])][0]
            result.rejected.append({**rejected, "index": index})
        result.rejected.sort(key=lambda r: int(r["index"]))
        result.alarms_raised = ingested.alarms_raised
        result.alarms_returned_to_normal = ingested.alarms_returned_to_normal
        result.position = max(result.position, ingested.position)
        return result

    def _ingest(self, readings: list[Reading]) -> IngestResult:
        if not readings:
            return IngestResult()
        return self.readings.ingest(readings, lambda _estate: True)

    def _pass_opened(
        self, report: c.AccessReport, equipment: Equipment, passes: dict[UUID, VisitorPass]
    ) -> str | None:
        """Record the opening against the pass the token names (why not, if not)."""
        if report.token is None:
            return "token: an opening by pass names its token"
        try:
            claims, data, signature = tokens.read(report.token)
        except ValidationFailed as refused:
            return refused.detail
        if not self.signer.verifies(data, signature):
            return "token: the signature does not verify"
        visitor_pass = passes.get(claims.pass_id) or find(
            self.deps.event_log, claims.pass_id, VisitorPass
        )
        if visitor_pass is None or visitor_pass.estate_id != equipment.estate_id:
            return "the pass is for another estate"
        visitor_pass.used_at_controller(equipment.id, report.at)
        passes[visitor_pass.id] = visitor_pass
        return None
