"""Issuing a 物业费结清证明 (fee clearance certificate, decision 0021)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.finance.accounts.commands import IssueClearance
from application.services import ServiceDeps
from domain.finance.account import UnitAccount
from domain.finance.clearance import ClearanceCertificate, clearance_figures


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
