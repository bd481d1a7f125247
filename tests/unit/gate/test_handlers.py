"""Gate handlers on the in-memory log: who issues, reads, revokes and scans a
pass, what each step saves, and what the gate refuses (with nothing saved);
controllers' events raising alarms and being recorded against a pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.actor import Actor
from application.equipment.telemetry import TelemetryIngest
from application.errors import Forbidden, NotFound
from application.gate import commands as c
from application.gate.service import GateService, PassNotFound
from domain.equipment.equipment import Equipment
from domain.errors import ValidationFailed
from domain.gate.access import AccessEvent
from domain.gate.visitor_pass import PassOfAnotherEstate, PassRefused, VisitorPass
from domain.identity.policy import Role
from domain.identity.user import User
from infrastructure.crypto.passes import PassKey
from tests.support.memory import MemoryEventLog
from tests.unit.equipment.test_handlers import Readings
from tests.unit.workorders.given import World as Given
from tests.unit.workorders.given import actor
from tests.unit.workorders.given import world as given

NOW = datetime(2026, 1, 1, 8, tzinfo=UTC)


class Vault:
    """Seals as the vault does, in the open: only what a handler's decision reads."""

    def encrypt(self, subject: UUID, field: str, value: str) -> str:
        return f"{subject}:{field}:{value}"


@dataclass
class World:
    gate: GateService
    given: Given
    log: MemoryEventLog
    guard_a: Actor
    guard_b: Actor
    desk_a: Actor
    visitor: Actor
    now: list[datetime]

    def refused(self, error: type[Exception], command: Callable[[], Any]) -> Any:
        head = self.log.head()
        with pytest.raises(error) as raised:
            command()
        assert self.log.head() == head
        return raised.value

    def controller(self, estate: UUID, kind: str = "door") -> UUID:
        equipment = Equipment(
            id=uuid4(),
            estate_id=estate,
            kind=kind,
            name="Lobby door",
            model=None,
            serial_number=None,
            location=None,
            building_id=None,
            unit_id=None,
            installed_on=None,
            vendor=None,
            warranty_until=None,
            at=NOW,
        )
        self.log.save(equipment)
        return equipment.id


@pytest.fixture
def w() -> World:
    g = given()
    deps = g.svc.deps
    deps.vault = Vault()
    clock = [NOW]
    deps.clock = lambda: clock[0]
    users = {
        name: User(username=name, roles=[role], password_hash="x")
        for name, role in (
            ("guard.a", Role.GATE_GUARD),
            ("guard.b", Role.GATE_GUARD),
            ("desk.a", Role.CUSTOMER_SERVICE),
            ("guest", Role.VISITOR),
        )
    }
    g.log.save(*users.values())
    signer = PassKey(Ed25519PrivateKey.generate())
    return World(
        gate=GateService(deps, signer, TelemetryIngest(deps, Readings())),
        given=g,
        log=g.log,
        guard_a=actor(users["guard.a"], g.estate_a),
        guard_b=actor(users["guard.b"], g.estate_b),
        desk_a=actor(users["desk.a"], g.estate_a),
        visitor=actor(users["guest"]),
        now=clock,
    )


def issue(w: World, by: Actor | None = None, **changes: Any) -> tuple[UUID, str]:
    fields: dict[str, Any] = {
        "actor": by or w.given.resident_a,
        "estate_id": w.given.estate_a,
        "unit_id": w.given.unit_a,
        "visitor_name": "王小明",
        "visitor_phone": "13812345678",
        "plate": "沪A 12345",
        "valid_from": NOW,
        "valid_until": NOW + timedelta(hours=4),
        "entries_allowed": 2,
        **changes,
    }
    pass_id, position, token = w.gate.issue_pass(c.IssuePass(**fields))
    assert position > 0
    return pass_id, token


def test_a_resident_issues_a_signed_pass_with_the_visitor_s_phone_sealed(w: World) -> None:
    pass_id, token = issue(w)
    [issued] = w.log.domain_events(pass_id)
    assert type(issued).__name__ == "Issued"
    assert "13812345678" not in str(issued.phone_enc).split(":")[0]
    assert issued.phone_enc == f"{pass_id}:visitor_phone:13812345678"
    assert issued.plate == "沪A12345"
    assert token.startswith("EVP1.") and w.gate.token_of(w.given.resident_a, pass_id) == token


def test_a_resident_issues_only_for_their_own_unit_and_the_desk_for_its_estate(
    w: World,
) -> None:
    w.refused(PassNotFound, lambda: issue(w, w.given.resident_b))
    w.refused(PassNotFound, lambda: issue(w, w.given.manager_b))
    pass_id, _ = issue(w, w.desk_a)
    assert w.gate.visible(w.desk_a, pass_id).issued_by == w.desk_a.user_id
    w.refused(PassNotFound, lambda: issue(w, w.desk_a, unit_id=uuid4()))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"visitor_name": " "}, "visitor_name"),
        ({"visitor_phone": "call me"}, "visitor_phone"),
        ({"valid_until": NOW - timedelta(hours=1)}, "valid_until"),
        ({"valid_until": NOW + timedelta(days=40)}, "valid_until"),
        ({"entries_allowed": 0}, "entries_allowed"),
        ({"visitor_user_id": uuid4()}, "visitor_user_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    w: World, changes: dict[str, Any], field: str
) -> None:
    error = w.refused(ValidationFailed, lambda: issue(w, **changes))
    assert error.detail.startswith(field)


def test_the_gate_checks_a_visitor_in_and_out_until_the_entries_are_used(w: World) -> None:
    pass_id, token = issue(w)
    w.gate.check_in(c.CheckIn(w.guard_a, token))
    refused = w.refused(PassRefused, lambda: w.gate.check_in(c.CheckIn(w.guard_a, token)))
    assert refused.reason == "inside"
    w.gate.check_out(c.CheckOut(w.guard_a, token))
    w.gate.check_in(c.CheckIn(w.guard_a, token))
    w.gate.check_out(c.CheckOut(w.guard_a, token))
    refused = w.refused(PassRefused, lambda: w.gate.check_in(c.CheckIn(w.guard_a, token)))
    assert (refused.reason, refused.title) == ("used_up", "Pass used up")
    names = [type(e).__name__ for e in w.log.domain_events(pass_id)]
    assert names == ["Issued", "CheckedIn", "CheckedOut", "CheckedIn", "CheckedOut"]


def test_the_gate_refuses_an_expired_a_revoked_or_another_estate_s_pass(w: World) -> None:
    _, token = issue(w)
    w.refused(PassOfAnotherEstate, lambda: w.gate.check_in(c.CheckIn(w.guard_b, token)))
    w.now[0] = NOW + timedelta(hours=5)
    refused = w.refused(PassRefused, lambda: w.gate.check_in(c.CheckIn(w.guard_a, token)))
    assert (refused.reason, refused.title) == ("expired", "Pass expired")
    w.now[0] = NOW
    pass_id, token = issue(w)
    w.gate.revoke_pass(c.RevokePass(w.given.resident_a, pass_id, "plans changed"))
    refused = w.refused(PassRefused, lambda: w.gate.check_in(c.CheckIn(w.guard_a, token)))
    assert refused.reason == "revoked"
    assert w.gate.verify(w.guard_a, token)[1] == "revoked"


def test_a_token_that_does_not_verify_names_no_pass(w: World) -> None:
    _, token = issue(w)
    head, claims, signature = token.split(".")
    forged = ".".join(
        [head, claims, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
    )
    error = w.refused(ValidationFailed, lambda: w.gate.check_in(c.CheckIn(w.guard_a, forged)))
    assert error.detail.startswith("token")
    w.refused(ValidationFailed, lambda: w.gate.check_in(c.CheckIn(w.guard_a, "not a token")))


def test_whoever_issued_it_or_staff_revoke_a_pass_and_its_visitor_reads_it(w: World) -> None:
    pass_id, _ = issue(w, visitor_user_id=w.visitor.user_id)
    assert w.gate.visible(w.visitor, pass_id).id == pass_id
    w.refused(Forbidden, lambda: w.gate.revoke_pass(c.RevokePass(w.visitor, pass_id)))
    w.refused(Forbidden, lambda: w.gate.revoke_pass(c.RevokePass(w.guard_a, pass_id)))
    w.refused(NotFound, lambda: w.gate.revoke_pass(c.RevokePass(w.given.resident_b, pass_id)))
    w.refused(NotFound, lambda: w.gate.visible(w.given.manager_b, pass_id))
    w.gate.revoke_pass(c.RevokePass(w.desk_a, pass_id))
    assert w.gate.visible(w.given.resident_a, pass_id).revoked


def test_a_forced_door_raises_an_alarm_and_closing_returns_it_to_normal(w: World) -> None:
    door = w.controller(w.given.estate_a)
    events = [
        c.AccessReport(door, NOW, AccessEvent.OPENED_BY_CARD),
        c.AccessReport(door, NOW + timedelta(minutes=1), AccessEvent.HELD_OPEN, open_seconds=20),
        c.AccessReport(door, NOW + timedelta(minutes=2), AccessEvent.FORCED_OPEN),
    ]
    result = w.gate.report_access(c.ReportAccess(w.given.manager_a, events))
    assert not result.rejected and len(result.alarms_raised) == 1
    alarm = w.log.repository.get(result.alarms_raised[0])
    assert (alarm.code, str(alarm.severity)) == ("forced_open", "major")
    closed = [c.AccessReport(door, NOW + timedelta(minutes=3), AccessEvent.CLOSED)]
    result = w.gate.report_access(c.ReportAccess(w.given.manager_a, closed))
    assert result.alarms_returned_to_normal == [alarm.id]
    held = [c.AccessReport(door, NOW + timedelta(minutes=4), AccessEvent.HELD_OPEN, 90)]
    [raised] = w.gate.report_access(c.ReportAccess(w.given.manager_a, held)).alarms_raised
    assert w.log.repository.get(raised).code == "held_open"


def test_an_opening_by_pass_is_recorded_against_the_pass(w: World) -> None:
    pass_id, token = issue(w)
    door, other = w.controller(w.given.estate_a), w.controller(w.given.estate_b)
    pump = w.given.equipment(w.given.estate_a)
    events = [
        c.AccessReport(door, NOW, AccessEvent.OPENED_BY_PASS, token=token),
        c.AccessReport(other, NOW, AccessEvent.OPENED_BY_PASS, token=token),
        c.AccessReport(pump, NOW, AccessEvent.OPENED_BY_CARD),
        c.AccessReport(door, NOW, AccessEvent.OPENED_BY_PASS, token="EVP1.x.y"),
    ]
    admin = w.given.admin
    result = w.gate.report_access(c.ReportAccess(admin, events))
    assert result.passes_recorded == [pass_id]
    assert [(r["index"], r["reason"]) for r in result.rejected] == [
        (1, "the pass is for another estate"),
        (2, "not a door or gate controller"),
        (3, "token: not a visitor pass token"),
    ]
    [*_, used] = w.log.domain_events(pass_id)
    assert (type(used).__name__, used.controller_id, used.refusal) == (
        "UsedAtController",
        door,
        None,
    )
    stranger = w.gate.report_access(c.ReportAccess(w.given.manager_b, events[:1]))
    assert stranger.rejected[0]["reason"] == "no such equipment"
    assert isinstance(w.log.repository.get(pass_id), VisitorPass)
