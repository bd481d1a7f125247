"""Actors of the finance handler tests: a role's permissions, serving some estates;
a maker and a checker reversing a payment or posting a manual journal."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from application.actor import Actor
from application.approvals.commands import Approve
from application.finance.accounts import AccountService
from application.finance.accounts.commands import ReversePayment
from application.finance.ledger import LedgerService
from domain.identity.policy import ROLE_PERMISSIONS, Role
from tests.support.actors import registered


def actor(role: Role, *estates: UUID) -> Actor:
    return Actor(
        user_id=uuid4(),
        username=f"a-{role}",
        role=str(role),
        permissions=ROLE_PERMISSIONS[role],
        session_id="s",
        estates=frozenset(estates),
    )


def reversed_by_two(accounts: AccountService, log: Any, command: ReversePayment) -> int:
    """The maker asks (``command``); a registered administrator, a second person,
    approves: the position where the reversal was recorded."""
    approval_id, _ = accounts.reverse(command)
    checker = registered(log, f"checker-{uuid4().hex[:8]}", Role.ADMIN)
    return accounts.approvals.decide(Approve(checker, approval_id))


def journal_by_two(ledger: LedgerService, log: Any, asked: tuple[UUID, UUID, int]) -> UUID:
    """A manual journal (or its reversal) the maker asked (``asked``: the answer of
    ``post_manual`` or ``reverse_manual``) approved by a registered administrator,
    a second person: the journal's id."""
    journal_id, approval_id, _ = asked
    checker = registered(log, f"checker-{uuid4().hex[:8]}", Role.ADMIN)
    ledger.approvals.decide(Approve(checker, approval_id))
    return journal_id
