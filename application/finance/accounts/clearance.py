"""Issuing a 物业费结清证明 (fee clearance certificate, decision 0021) and printing
it again from its event (decision 0029)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.actor import Actor
from application.errors import NotFound
from application.finance.accounts.commands import IssueClearance
from application.services import ServiceDeps, find
from domain.finance.account import UnitAccount
from domain.finance.clearance import ClearanceCertificate, clearance_figures
from domain.registry.person import Person


def issue_clearance(
    deps: ServiceDeps,
    command: IssueClearance,
    estate_id: UUID,
    account: UnitAccount | None,
    currency: str,
) -> tuple[ClearanceCertificate, int]:
    """Decide from the unit's account and record the certificate; nothing on a refusal."""
    now = deps.clock()
    as_of = command.as_of or now.date()
    figures: dict[str, Any] = clearance_figures(account, command.person_id, as_of, now.date())
    certificate = ClearanceCertificate(
        id=deps.ids(),
        estate_id=estate_id,
        unit_id=command.unit_id,
        person_id=command.person_id,
        as_of=as_of,
        currency=currency,
        issued_by=command.actor.user_id,
        at=now,
        **figures,
    )
    return certificate, deps.event_log.save_and_position(certificate)


@dataclass(frozen=True)
class PrintedCertificate:
    """A certificate as printed again from its event, with the name it is issued to."""

    certificate: ClearanceCertificate
    name: str | None  # in clear for the person and for the estate's finance:manage staff


def certificate_to_print(
    deps: ServiceDeps,
    actor: Actor,
    unit_id: UUID,
    person_id: UUID,
    certificate_id: UUID,
    position: int | None = None,
) -> PrintedCertificate:
    """The recorded certificate, for its person (their linked login) or the staff who
    read the estate's finance; anyone else, and a certificate of another unit or
    person, is told there is none. Nothing is recorded by printing it."""
    certificate = find(deps.event_log, certificate_id, ClearanceCertificate, position)
    if certificate is None or (certificate.unit_id, certificate.person_id) != (unit_id, person_id):
        raise NotFound("no such certificate")
    person = find(deps.event_log, person_id, Person)
    holder = person.user_id if person else None
    actor.check("finance:read", holder, certificate.estate_id, hidden="no such certificate")
    # It is issued to the person by name: the person and the staff who issue
    # certificates (and hand them over) print the name; readers see it masked.
    in_clear = holder == actor.user_id or actor.may("finance:manage", None, certificate.estate_id)
    return PrintedCertificate(certificate, _name(deps, person) if in_clear else None)


def own_name(deps: ServiceDeps, actor: Actor, person_id: UUID) -> str | None:
    """The person's name in clear when the actor is that person (their linked login)."""
    person = find(deps.event_log, person_id, Person)
    return _name(deps, person) if person and person.user_id == actor.user_id else None


def _name(deps: ServiceDeps, person: Person | None) -> str | None:
    if person is None or not person.name_enc:
        return None  # erased: the key is gone, and so is the name
    name: str | None = deps.vault.decrypt(person.id, "name", person.name_enc)
    return name
