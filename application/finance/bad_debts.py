"""Bad debts (坏账): write-offs of receivables and the provision, by two people.

A write-off (decision 0024, kind ``write_off``): the maker's
:class:`WriteOffRequest` holds the bill and the amount it owed when asked;
when a person other than the maker approves, in the same append, the unit
account records ``BillWrittenOff`` (Dr 1231 / Cr 1122) if the bill still
owes exactly that (else 409, the checker rejects). Levels: finance, then an
administrator, as for waivers. A provision is computed from the aging at a
date and asked as a manual journal (kind ``journal``, through the
:class:`LedgerService`), so its checker is the journal's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.approvals.service import ApprovalRequest, ApprovalService
from application.finance.accounts.service import UnitNotFound
from application.finance.bad_debt_commands import ProvideForBadDebts, RequestWriteOff
from application.finance.ledger import CLOSE, LEDGER, WAIT_SECONDS, LedgerBehind, LedgerService
from application.finance.ledger_commands import PostJournal
from application.finance.ports import LedgerStatements
from application.registry import lookups
from application.services import ServiceDeps, find
from domain.approvals.approval import Approval, ApprovalStatus
from domain.approvals.rules import Level, PolicyTerms
from domain.errors import InvalidTransition
from domain.finance.account import UnitAccount, account_id_for
from domain.finance.accounts import BAD_DEBT_ALLOWANCE
from domain.finance.bills import clean_reason
from domain.finance.money import currency_of
from domain.finance.provision import Provision, provision, provision_rates
from domain.finance.write_offs import WriteOffRequest

# A chief accountant's clerk proposes, finance checks and management approves.
WRITE_OFF_LEVELS = (Level("finance", "finance"), Level("manager", "admin"))


class NoSuchAccount(InvalidTransition):
    title = "No such account"


@dataclass(frozen=True)
class ProvisionAsked:
    provision: Provision
    journal_id: UUID
    approval_id: UUID
    position: int


class BadDebtService:
    def __init__(
        self,
        deps: ServiceDeps,
        approvals: ApprovalService,
        ledger: LedgerService,
        statements: LedgerStatements,
    ) -> None:
        self.deps = deps
        self.approvals = approvals
        self.ledger = ledger
        self.statements = statements
        approvals.subscribe(
            "write_off", self._on_write_off_decided, default_terms=PolicyTerms(WRITE_OFF_LEVELS)
        )

    # ---- write-offs -----------------------------------------------------------------

    def request_write_off(self, cmd: RequestWriteOff) -> tuple[UUID, UUID, int]:
        """Ask a second person to write a bill's debt off: the request's id, the
        approval's id and the position."""
        estate_id = lookups.unit_estate(self.deps.event_log, cmd.unit_id)
        if estate_id is None:
            raise UnitNotFound("no such unit")
        cmd.actor.check(CLOSE, None, estate_id)
        account = find(self.deps.event_log, account_id_for(cmd.unit_id), UnitAccount)
        if account is None:
            raise NoSuchAccount("the unit has no account: nothing to write off")
        amount = account.check_write_off(cmd.bill_id, cmd.amount.amount, cmd.amount.currency)
        reason = clean_reason(cmd.reason)
        now = self.deps.clock()
        approval_id = self.deps.ids()
        request = WriteOffRequest(
            id=self.deps.ids(),
            estate_id=estate_id,
            unit_id=cmd.unit_id,
            bill_id=cmd.bill_id,
            amount=amount,
            currency=account.currency,
            reason=reason,
            approval_id=approval_id,
            requested_by=cmd.actor.user_id,
            at=now,
        )
        period = account.bills[cmd.bill_id].period
        position = self.approvals.open(
            ApprovalRequest(
                kind="write_off",
                subject_id=request.id,
                subject_type="write_off_request",
                estate_id=estate_id,
                requested_by=cmd.actor.user_id,
                summary=f"Write off {amount} {account.currency} of the {period} bill: {reason}"[
                    :200
                ],
                amount=amount,
                currency=account.currency,
                approval_id=approval_id,
            ),
            along_with=[request],
        )
        return request.id, approval_id, position

    def _on_write_off_decided(
        self, approval: Approval, load: Callable[[UUID], Any]
    ) -> Iterable[Any]:
        """Write the bill off once a person approved (a rule alone is no second person);
        otherwise record the decline and leave the account alone."""
        request = load(approval.subject_id)
        assert isinstance(request, WriteOffRequest)
        now = self.deps.clock()
        approved = approval.status is ApprovalStatus.APPROVED and bool(approval.approved_levels)
        outcome = str(approval.status)
        if approval.status is ApprovalStatus.APPROVED and not approved:
            outcome = "approved by a rule alone: a write-off needs a second person"
        if not approved:
            request.decline(outcome=outcome, at=now)
            return [request]
        account = load(account_id_for(request.unit_id))
        account.write_off(
            request_id=request.id,
            bill_id=request.bill_id,
            amount=request.amount,
            currency=request.currency,
            reason=request.reason,
            approval_id=approval.id,
            today=now.date(),
            at=now,
        )
        return [account]

    # ---- the provision ----------------------------------------------------------------

    def provide(self, cmd: ProvideForBadDebts) -> ProvisionAsked:
        """Compute the provision at ``as_of`` from the aging and the allowance, and ask
        for it as a manual journal booked that day (409 when nothing is to be booked)."""
        cmd.actor.check(CLOSE, None, cmd.estate_id)
        currency = currency_of(cmd.currency)
        rates = provision_rates(cmd.rates)
        head = self.deps.event_log.head()
        if not self.deps.progress.wait(LEDGER, head, WAIT_SECONDS):
            raise LedgerBehind("the ledger read model is behind the log; retry shortly")
        aging = self.statements.aging(cmd.estate_id, cmd.as_of, head).get(currency, {})
        balance = self.statements.balances(cmd.estate_id, cmd.as_of, head).get(
            (BAD_DEBT_ALLOWANCE, currency), Decimal(0)
        )
        result = provision(aging, -balance, rates, currency)
        if not result.lines:
            raise InvalidTransition(
                f"the allowance already holds {result.required_total} {currency}: nothing to book"
            )
        memo = (
            f"计提坏账准备 {cmd.as_of} (账龄分析法): required {result.required_total}, "
            f"allowance {result.allowance} {currency}"
        )
        journal_id, approval_id, position = self.ledger.post_manual(
            PostJournal(cmd.actor, cmd.estate_id, cmd.as_of, memo, result.lines)
        )
        return ProvisionAsked(result, journal_id, approval_id, position)
