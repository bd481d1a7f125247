"""Approval commands over the event log, and the subscription other contexts use.

A context that needs approval for its subjects (community: service requests
and announcements; finance: rate changes, refunds, waivers, large expenses)

1. subscribes once per kind: ``approvals.subscribe("refund", on_outcome)``;
   ``on_outcome(approval, load)`` is called when an approval of that kind
   becomes final (approved, rejected or withdrawn) and returns the aggregates
   it changed; ``load(id)`` gives the aggregate being saved in the same
   command if there is one (else a fresh copy from the log);
2. opens an approval with :meth:`ApprovalService.open`, passing the subject's
   changed aggregates as ``along_with``.

Every decision is saved in one ``save_and_position`` together with whatever
the handler returned, so the subject and its approval never disagree.
Subscriptions are kept on the shared :class:`ServiceDeps`, so every
``ApprovalService`` built from the same deps (the container's, and those other
services build for themselves) sees the same handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.actor import Actor
from application.approvals.commands import (
    Approve,
    ConfigurePolicy,
    Decision,
    Delegate,
    Reject,
    ReturnForChanges,
)
from application.errors import Forbidden, NotFound
from application.numbers import Numbers
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.approvals.approval import Approval, Decider
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.rules import PolicyTerms, Urgency, policy_id
from domain.errors import DomainError
from domain.identity.policy import Permission, Scope, widest_scope
from domain.identity.user import User
from domain.numbering import number, year_of

Loader = Callable[[UUID], Any]
OutcomeHandler = Callable[[Approval, Loader], Iterable[Any]]


class ApprovalNotFound(NotFound):
    """No such approval, or not the actor's to see."""

    def __init__(self, detail: str = "no such approval, or not yours to see") -> None:
        super().__init__(detail)


@dataclass(frozen=True)
class Opened:
    """A command that opened an approval: the approval's ID and the position."""

    approval_id: UUID
    position: int


@dataclass(frozen=True)
class ApprovalRequest:
    """What a context asks approval for."""

    kind: str
    subject_id: UUID
    estate_id: UUID
    requested_by: UUID
    summary: str
    approval_id: UUID  # minted by the context, which records it on the subject first
    amount: Decimal | None = None
    currency: str | None = None
    urgency: Urgency = Urgency.NORMAL
    subject_type: str | None = None


class ApprovalService:
    """Open, screen and decide approvals; tell the subscribed context the outcome."""

    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps
        self._numbers = Numbers(deps.event_log)
        # One service per container: every context that needs approvals is
        # given this instance and subscribes to it (see bootstrap.py).
        self.handlers: dict[str, OutcomeHandler] = {}
        self.defaults: dict[str, PolicyTerms] = {}

    def scheduled(self) -> list[ScheduledJob]:
        """Jobs the scheduler runs for this context."""
        return []

    def subscribe(
        self, kind: str, handler: OutcomeHandler, default_terms: PolicyTerms | None = None
    ) -> None:
        """Call ``handler`` when an approval of ``kind`` becomes final (one per kind).

        ``default_terms`` are the levels and rules in force until an
        administrator configures the kind (finance: who approves a refund).
        """
        self.handlers[kind] = handler
        if default_terms is not None:
            self.defaults[kind] = default_terms

    # ---- queries ---------------------------------------------------------

    def get(self, approval_id: UUID) -> Approval:
        """The approval as of the log (a private copy)."""
        return load(self.deps.event_log, approval_id, Approval, ApprovalNotFound())

    def number_of(self, approval_id: UUID) -> str:
        """``HVG-AP-2026-000001``: the number the log gave an approval (decision
        0050), read back after the command that opened it, since approvals open
        inside other contexts' appends."""
        approval = self.get(approval_id)
        serial = self.deps.event_log.serial_of(approval_id)
        if serial is None:  # every append numbers an Opened event: never
            raise RuntimeError(f"approval {approval_id} has no serial in the log")
        code = self._numbers.code_of(approval.estate_id)
        return number(code, "AP", year_of(approval.opened_at), serial)

    def policy_in_force(
        self, actor: Actor, kind: str, position: int | None = None
    ) -> tuple[PolicyTerms, ApprovalPolicy | None]:
        """The terms of ``kind`` and its configured policy (None: the defaults), as
        they stood at ``position`` if given.

        Company configuration for the staff who take part in approvals: its
        thresholds say which claims pass unseen, so residents do not read it.
        """
        if widest_scope(actor.permissions, "approvals:read") not in (Scope.ANY, Scope.ESTATE):
            raise Forbidden("this needs the permission approvals:read:estate")
        self.known(kind)
        policy = self.policy(kind, position)
        return (policy.terms if policy else self.terms(kind)), policy

    def kinds(self) -> list[str]:
        """The kinds some context opens approvals of (each subscribed once)."""
        return sorted(self.handlers)

    def known(self, kind: str) -> str:
        """``kind`` if a context opens approvals of it; a policy of any other
        kind would never be read (a misspelt one once was configured and
        silently ignored), so it is missing (404), naming the kinds there are."""
        if kind not in self.handlers:
            raise NotFound(f"no approval kind {kind!r}; one of {', '.join(self.kinds())}")
        return kind

    def terms(self, kind: str) -> PolicyTerms:
        """The policy in force for ``kind``: configured, the default it was given, or 3 levels."""
        policy = self.policy(kind)
        if policy is not None:
            return policy.terms
        return self.defaults.get(kind, PolicyTerms())

    def decider(self, user_id: UUID) -> Decider:
        """The user as the workflow sees them: roles, estates, decide scope."""
        user = load(self.deps.event_log, user_id, User, DomainError("no such user"))
        permissions = user.permissions
        return Decider(
            user_id=user.id,
            roles=frozenset(str(r) for r in user.roles),
            estates=frozenset(user.estates),
            any_estate=Permission.APPROVALS_DECIDE in permissions,
            estate_scope=Permission.APPROVALS_DECIDE_ESTATE in permissions,
        )

    # ---- commands --------------------------------------------------------

    def decide(self, cmd: Decision) -> int:
        """A user's step on the current level. An approval of an estate the actor
        does not decide for is missing, unless it was handed to them; the
        aggregate judges the rest (their role at this level, their own request)."""
        approval = self.get(cmd.approval_id)
        if cmd.actor.user_id != approval.delegate_id:
            cmd.actor.check(
                "approvals:decide",
                owner_id=None,
                estate_id=approval.estate_id,
                hidden="no such approval, or not yours to see",
            )
        decider, now = self.decider(cmd.actor.user_id), self.deps.clock()
        match cmd:
            case Approve():
                approval.approve(decider, cmd.comment, now)
            case Reject():
                approval.reject(decider, cmd.reason, now)
            case ReturnForChanges():
                approval.return_for_changes(decider, cmd.reason, now)
            case Delegate():
                approval.delegate(decider, self.decider(cmd.to), now)
        return self._save(approval, was_final=False)

    def configure_policy(self, cmd: ConfigurePolicy) -> int:
        """An administrator sets the terms of a kind (company configuration)."""
        cmd.actor.require("approvals:configure", owner_id=None, estate_id=None)
        self.known(cmd.kind)
        levels = [dict(level) for level in cmd.levels]
        return self.configure(cmd.kind, levels, [dict(rule) for rule in cmd.rules])

    def configure(
        self, kind: str, levels: list[dict[str, Any]], rules: list[dict[str, Any]]
    ) -> int:
        """Set the levels and rules of ``kind`` (admins: approvals:configure)."""
        terms = PolicyTerms.from_dicts(levels, rules)
        policy = self.policy(kind)
        if policy is None:
            policy = ApprovalPolicy.configure(kind, terms, self.deps.clock())
        else:
            policy.reconfigure(terms, self.deps.clock())
        return self.deps.event_log.save_and_position(policy)

    def open(self, request: ApprovalRequest, *, along_with: Sequence[Any] = ()) -> int:
        """Open (and pre-screen) an approval, saved with ``along_with`` atomically.

        If the rules decide at once, the kind's handler runs in the same save.
        """
        approval = Approval.open(
            approval_id=request.approval_id,
            kind=request.kind,
            subject_id=request.subject_id,
            subject_type=request.subject_type,
            estate_id=request.estate_id,
            requested_by=request.requested_by,
            summary=request.summary,
            amount=request.amount,
            currency=request.currency,
            urgency=request.urgency,
            terms=self.terms(request.kind),
            at=self.deps.clock(),
        )
        return self._save(approval, was_final=False, along_with=along_with)

    def resubmit(
        self,
        approval_id: UUID,
        by: UUID,
        *,
        summary: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        along_with: Sequence[Any] = (),
    ) -> int:
        """The requester resubmits a returned request, with the subject's changes."""
        approval = self.get(approval_id)
        approval.resubmit(by, self.deps.clock(), summary, amount, currency)
        return self._save(approval, was_final=False, along_with=along_with)

    def withdraw(
        self,
        approval: UUID | Approval,
        by: UUID,
        reason: str,
        *,
        along_with: Sequence[Any] = (),
    ) -> int:
        """Withdraw the request; its subject's handler withdraws the subject in ``along_with``.

        A handler that already loaded the approval (to see whether it is still
        open) passes it, so one command loads each aggregate once.
        """
        if not isinstance(approval, Approval):
            approval = self.get(approval)
        approval.withdraw(by, reason, self.deps.clock())
        return self._save(approval, was_final=False, along_with=along_with)

    # ---- the one save ----------------------------------------------------

    def _save(self, approval: Approval, *, was_final: bool, along_with: Sequence[Any] = ()) -> int:
        pending = {a.id: a for a in along_with}
        extra: list[Any] = []
        handler = self.handlers.get(approval.kind)
        if approval.is_final and not was_final and handler is not None:

            def load(aggregate_id: UUID) -> Any:
                if aggregate_id not in pending:
                    pending[aggregate_id] = self.deps.event_log.repository.get(aggregate_id)
                    extra.append(pending[aggregate_id])
                return pending[aggregate_id]

            for changed in handler(approval, load):
                if changed.id not in pending:
                    pending[changed.id] = changed
                    extra.append(changed)
        return self.deps.event_log.save_and_position(approval, *along_with, *extra)

    def policy(self, kind: str, position: int | None = None) -> ApprovalPolicy | None:
        """The configured policy of ``kind`` (at ``position``, if given); None if
        never configured (by then)."""
        return find(self.deps.event_log, policy_id(kind), ApprovalPolicy, position)
