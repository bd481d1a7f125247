"""Unit-account handlers: payments, reversals, waivers and refunds (R5.2-R5.4).

Each handler loads the unit's account once, authorizes the actor against
the estate the account belongs to, lets the :class:`UnitAccount` decide and
saves it. Waivers and refunds go through the approval workflow: the account
changes in the same append as the final decision.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.actor import Actor
from application.approvals.service import ApprovalRequest, ApprovalService
from application.errors import NotFound
from application.finance.accounts.arrears import Arrears
from application.finance.accounts.billing import BillingRuns, RunResult
from application.finance.accounts.claims import claimed, released
from application.finance.accounts.clearance import (
    PrintedCertificate,
    certificate_to_print,
    issue_clearance,
    own_name,
)
from application.finance.accounts.commands import (
    IssueClearance,
    RecordPayment,
    RequestRefund,
    RequestWaiver,
    ReversePayment,
    RunBilling,
)
from application.finance.ports import OverdueBills
from application.finance.rates import RateService
from application.finance.receipts import Paid, Receipts
from application.registry import lookups
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find
from domain.approvals.approval import Approval, ApprovalStatus
from domain.approvals.rules import Level, PolicyTerms
from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.finance.account import UnitAccount, account_id_for
from domain.finance.clearance import ClearanceCertificate
from domain.registry.unit import Relation, Unit

# A payment racing others for the same account is retried against the new state.
PAYMENT_ATTEMPTS = 60
FINANCE_LEVELS = (Level("finance", "finance"), Level("manager", "admin"))
# Maker-checker: one second person of finance (or an administrator) puts a
# reversal into effect; the workflow never lets the maker decide their own.
CHECKER_LEVELS = (Level("checker", "finance"),)


class UnitNotFound(NotFound, DomainError):
    """No such unit: 404 over HTTP, and still a refusal to callers that count them."""

    title = "No such unit"

    def __init__(self, detail: str) -> None:
        DomainError.__init__(self, detail)


class AccountNotFound(UnitNotFound):
    """The unit exists (and the actor may see it) but has no account yet."""

    title = "No such account"


class AccountService:
    def __init__(
        self,
        deps: ServiceDeps,
        approvals: ApprovalService,
        rates: RateService,
        overdue: OverdueBills,
    ) -> None:
        self.deps = deps
        self.approvals = approvals
        self.rates = rates
        self.billing = BillingRuns(deps, rates)
        self.arrears = Arrears(deps, rates, overdue)
        self.receipts = Receipts(deps)
        terms = PolicyTerms(levels=FINANCE_LEVELS)
        approvals.subscribe("waiver", self._on_waiver_decided, default_terms=terms)
        approvals.subscribe("refund", self._on_refund_decided, default_terms=terms)
        approvals.subscribe(
            "reversal",
            self._on_reversal_decided,
            default_terms=PolicyTerms(levels=CHECKER_LEVELS),
        )

    def scheduled(self) -> list[ScheduledJob]:
        return [
            ScheduledJob("finance.late_fees", 3600, self.arrears.charge_late_fees),
            ScheduledJob("finance.dunning", 3600, self.arrears.send_reminders),
        ]

    # ---- loading and authorizing ---------------------------------------------------

    def account(self, unit_id: UUID) -> UnitAccount | None:
        return find(self.deps.event_log, account_id_for(unit_id), UnitAccount)

    def _authorized(
        self, actor: Actor, action: str, unit_id: UUID, *, fresh: bool = True
    ) -> tuple[UUID, UnitAccount | None]:
        """The unit's estate and account (None if it has none yet), once the actor may act.

        The account knows its estate, so the unit itself is loaded only when
        there is no account. ``fresh=False`` takes this process's last saved
        copy without a round trip: the append's version check catches a stale
        one and the retry loads fresh.
        """
        account_id = account_id_for(unit_id)
        recalled = None if fresh else self.deps.event_log.recall(account_id)
        account = recalled if isinstance(recalled, UnitAccount) else self.account(unit_id)
        estate_id = (
            account.estate_id if account else lookups.unit_estate(self.deps.event_log, unit_id)
        )
        if estate_id is None:
            raise UnitNotFound("no such unit")
        actor.check(action, None, estate_id)
        return estate_id, account

    def _existing(self, actor: Actor, action: str, unit_id: UUID) -> UnitAccount:
        _, account = self._authorized(actor, action, unit_id)
        if account is None:
            raise AccountNotFound("this unit has no account yet")
        return account

    def _retrying(self, attempt: Callable[[bool], int]) -> int:
        """Run ``attempt(fresh)`` (load, decide, save) again when another command saved first.

        The first attempt decides on this process's last saved copy. A copy
        that is behind (a reversal, a waiver or a billing run saved since
        without remembering it) may refuse what the account allows now (a
        bill paid and reversed, a bill issued since): only a refusal on a
        fresh load is the answer, so a refusal on the copy is tried again fresh.
        """
        for tries in range(PAYMENT_ATTEMPTS):
            fresh = tries > 0
            try:
                return attempt(fresh)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * (tries + 1)))  # noqa: S311 (jitter)
            except (DomainError, NotFound):
                if fresh:
                    raise
        raise InvalidTransition("the account is busy; try again")

    # ---- handlers ----------------------------------------------------------------------

    def bill(self, command: RunBilling) -> RunResult:
        return self.billing.run(command)

    def pay(self, command: RecordPayment) -> tuple[UUID, int]:
        return self.record_payment(command)[:2]

    def record_payment(self, command: RecordPayment) -> tuple[UUID, int, str]:
        """Receive money for a unit from its payer: the named bill, then the payer's oldest
        bills, the rest as the payer's credit (decision 0021); (id, position, receipt number)."""
        pid = command.payment_id or self.deps.ids()
        owners: dict[UUID, list[UUID]] = {}
        numbered: list[str] = []  # the receipt's number, once its append committed

        def attempt(fresh: bool) -> int:
            now = self.deps.clock()
            estate_id, account = self._authorized(
                command.actor, "payments:record", command.unit_id, fresh=fresh
            )
            if account is None:
                if command.bill_id is not None:
                    raise ValidationFailed("bill_id: no such bill on this unit's account")
                account = UnitAccount.open(estate_id, command.unit_id, command.amount.currency, now)
            named = command.payer_id is not None and command.payer_id in account.debtors
            if not named and estate_id not in owners:
                owners[estate_id] = self._owners_now(command.unit_id)
            account.receive_payment(
                payment_id=pid,
                method=command.method,
                amount=command.amount.amount,
                currency=command.amount.currency,
                reference=command.reference,
                bill_id=command.bill_id,
                recorded_by=command.actor.user_id,
                on=now.date(),
                at=now,
                payer_id=command.payer_id,
                owners_now=owners.get(estate_id, []),
                received_on=command.received_on,
                # Only an account with an overdue bill can owe a late fee: an on-time
                # payment reads no terms (no round trip more; decision 0022).
                terms=self.rates.terms(estate_id) if account.overdue(now.date()) else None,
            )
            claim = claimed(self.deps, account, pid, fresh=fresh, at=now)
            paid = Paid(
                pid,
                estate_id,
                command.unit_id,
                str(command.method),
                command.reference,
                command.amount.amount,
                command.amount.currency,
                now.date(),
                command.actor.user_id,
            )
            receipt, number = self.receipts.issued(paid, at=now)
            position = self.deps.event_log.save_numbered(account, *claim, receipt, numbers=[number])
            self.deps.event_log.remember(account)
            assert number.serial is not None  # set by the committed append
            numbered.append(receipt.numbered(number.serial))
            return position

        position = self._retrying(attempt)
        return pid, position, numbered[-1]

    def certify(self, command: IssueClearance) -> tuple[ClearanceCertificate, int]:
        """Certify a person owes nothing on the unit (物业费结清证明), or 409 naming bills."""
        estate_id, account = self._authorized(command.actor, "finance:manage", command.unit_id)
        unit = find(self.deps.event_log, command.unit_id, Unit)
        records = unit.occupancies.values() if unit else []
        owners = {o["person_id"] for o in records if o["relation"] is Relation.OWNER}
        if command.person_id not in owners | (account.debtors if account else set()):
            raise ValidationFailed("person_id: this person never owned nor owed on this unit")
        terms = self.billing.rates.terms(estate_id)
        currency = account.currency if account else terms.currency
        return issue_clearance(self.deps, command, estate_id, account, currency)

    def certificate(
        self, actor: Actor, unit_id: UUID, person_id: UUID, cert_id: UUID, at: int | None = None
    ) -> PrintedCertificate:
        """An issued certificate to print again (decision 0029); 404 outside the reach,
        and as of position ``at`` if it was not issued by then."""
        return certificate_to_print(self.deps, actor, unit_id, person_id, cert_id, at)

    def own_name(self, actor: Actor, person_id: UUID) -> str | None:
        """The person's name in clear for the person themself; None for anyone else."""
        return own_name(self.deps, actor, person_id)

    def _owners_now(self, unit_id: UUID) -> list[UUID]:
        """The unit's owners now (persons), first registered first, from the unit itself
        (one read of the log, no read model to wait for: a sale a moment ago counts)."""
        unit = find(self.deps.event_log, unit_id, Unit)
        if unit is None:
            return []
        now = sorted(
            unit.current(Relation.OWNER).values(),
            key=lambda r: (r["moved_in_on"], str(r["person_id"])),
        )
        return [r["person_id"] for r in now]

    def reverse(self, command: ReversePayment) -> tuple[UUID, int]:
        """Ask a second person to reverse a payment; the approval's decision reverses it."""
        approval_id, by = self.deps.ids(), command.actor.user_id

        def attempt(fresh: bool) -> int:
            account = self._existing(command.actor, "finance:manage", command.unit_id)
            account.request_reversal(
                command.payment_id, command.reason, approval_id, by, self.deps.clock()
            )
            payment = account.payments[command.payment_id]
            request = ApprovalRequest(
                kind="reversal",
                subject_id=account.id,
                subject_type="unit_account",
                estate_id=account.estate_id,
                requested_by=by,
                summary=f"Reverse payment {command.payment_id}: {command.reason.strip()[:150]}",
                amount=payment["amount"],
                currency=account.currency,
                approval_id=approval_id,
            )
            return self.approvals.open(request, along_with=[account])

        return approval_id, self._retrying(attempt)

    def _on_reversal_decided(
        self, approval: Approval, load: Callable[[UUID], Any]
    ) -> Iterable[Any]:
        """Reverse the payment once a person approved; a rule alone is no second person."""
        account = load(approval.subject_id)
        now = self.deps.clock()
        approved = approval.status is ApprovalStatus.APPROVED and bool(approval.approved_levels)
        outcome = str(approval.status)
        if approval.status is ApprovalStatus.APPROVED and not approved:
            outcome = "approved by a rule alone: a reversal needs a second person"
        # Asked before it is decided: a decided reversal leaves the open ones (decision 0033).
        asked_for = [
            (payment_id, asked)
            for payment_id, asked in account.reversals.open.items()
            if asked["approval_id"] == approval.id
        ]
        account.settle_reversal(approval.id, approved, outcome, now.date(), now)
        freed: list[Any] = []
        for payment_id, asked in asked_for:
            if approved:
                freed = released(self.deps, account, payment_id, at=now)
                reason = f"payment reversed: {asked.get('reason', '')}".strip()
                freed += self.receipts.voided(payment_id, reason, now)
        return [account, *freed]

    def waive(self, command: RequestWaiver) -> tuple[UUID, UUID, int]:
        """Ask to waive part of a bill; the approval's final decision waives it."""
        account = self._existing(command.actor, "finance:manage", command.unit_id)
        waiver_id, approval_id = self.deps.ids(), self.deps.ids()
        by = command.actor.user_id
        account.request_waiver(
            waiver_id=waiver_id,
            bill_id=command.bill_id,
            amount=command.amount.amount,
            currency=command.amount.currency,
            reason=command.reason,
            approval_id=approval_id,
            requested_by=by,
            at=self.deps.clock(),
            part=command.part,
        )
        period = account.bills[command.bill_id].period
        what = f"late fee of the {period}" if command.part == "late_fee" else period
        summary = f"Waive {command.amount} of the {what} bill: {command.reason.strip()[:150]}"
        position = self._open_approval("waiver", account, approval_id, by, summary, command)
        return waiver_id, approval_id, position

    def refund(self, command: RequestRefund) -> tuple[UUID, UUID, int]:
        """Ask to refund credit: it is held until the approval decides."""
        account = self._existing(command.actor, "finance:manage", command.unit_id)
        refund_id, approval_id = self.deps.ids(), self.deps.ids()
        by = command.actor.user_id
        account.request_refund(
            refund_id=refund_id,
            amount=command.amount.amount,
            currency=command.amount.currency,
            method=command.method,
            reason=command.reason,
            approval_id=approval_id,
            requested_by=by,
            at=self.deps.clock(),
            payer_id=command.payer_id,
        )
        summary = (
            f"Refund {command.amount} of credit ({command.method}): {command.reason.strip()[:150]}"
        )
        position = self._open_approval("refund", account, approval_id, by, summary, command)
        return refund_id, approval_id, position

    def _open_approval(
        self,
        kind: str,
        account: UnitAccount,
        approval_id: UUID,
        by: UUID,
        summary: str,
        command: RequestWaiver | RequestRefund,
    ) -> int:
        request = ApprovalRequest(
            kind=kind,
            subject_id=account.id,
            subject_type="unit_account",
            estate_id=account.estate_id,
            requested_by=by,
            summary=summary,
            amount=command.amount.amount,
            currency=command.amount.currency,
            approval_id=approval_id,
        )
        return self.approvals.open(request, along_with=[account])

    def _on_waiver_decided(self, approval: Approval, load: Callable[[UUID], Any]) -> Iterable[Any]:
        account = load(approval.subject_id)
        for waiver_id, waiver in list(account.waivers.open.items()):  # the pending ones
            if waiver["approval_id"] == approval.id:
                now = self.deps.clock()
                approved = approval.status is ApprovalStatus.APPROVED
                account.settle_waiver(waiver_id, approved, str(approval.status), now.date(), now)
        return [account]

    def _on_refund_decided(self, approval: Approval, load: Callable[[UUID], Any]) -> Iterable[Any]:
        account = load(approval.subject_id)
        for refund_id, refund in list(account.refunds.open.items()):  # the pending ones
            if refund["approval_id"] == approval.id:
                now = self.deps.clock()
                approved = approval.status is ApprovalStatus.APPROVED
                account.settle_refund(refund_id, approved, str(approval.status), now.date(), now)
        return [account]

    # ---- the scheduler's jobs, which are not one caller's command ------------------------

    def charge_late_fees(self, now: datetime) -> int:
        return self.arrears.charge_late_fees(now)

    def send_reminders(self, now: datetime) -> int:
        return self.arrears.send_reminders(now)
