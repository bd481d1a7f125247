"""A payment's reference (bank line, online transaction, cash receipt), unique per
estate and receiving account: claimed in the payment's append, freed by its
reversal (``domain/finance/references.py``, issue 14, defect 9)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.services import ServiceDeps, find
from domain.finance.account import UnitAccount
from domain.finance.accounts import PAYMENT_ACCOUNTS
from domain.finance.references import PaymentReference, reference_id


def _reference(account: UnitAccount, payment_id: UUID) -> tuple[UUID, str, str] | None:
    payment = account.payments[payment_id]
    if payment["reference"] is None:
        return None
    ledger_account = PAYMENT_ACCOUNTS[payment["method"]]
    claim_id = reference_id(account.estate_id, ledger_account, payment["reference"])
    return claim_id, ledger_account, payment["reference"]


def claimed(
    deps: ServiceDeps, account: UnitAccount, payment_id: UUID, *, fresh: bool, at: datetime
) -> list[PaymentReference]:
    """The payment's reference claimed for it, to save with it (none without one).

    A first attempt takes the reference as new without reading it: the
    append conflicts if it is not, and the retry reads it fresh.
    """
    found = _reference(account, payment_id)
    if found is None:
        return []
    claim_id, ledger_account, reference = found
    claim = find(deps.event_log, claim_id, PaymentReference) if fresh else None
    if claim is None:
        claim = PaymentReference(
            estate_id=account.estate_id, account=ledger_account, reference=reference, at=at
        )
    claim.claim(payment_id=payment_id, unit_id=account.unit_id, at=at)
    return [claim]


def released(
    deps: ServiceDeps, account: UnitAccount, payment_id: UUID, *, at: datetime
) -> list[PaymentReference]:
    """The reference a reversed payment held, freed (none if it held none)."""
    found = _reference(account, payment_id)
    claim = None if found is None else find(deps.event_log, found[0], PaymentReference)
    if claim is None or not claim.release(payment_id=payment_id, at=at):
        return []
    return [claim]
