"""Running the checks and recording them as a review; rectifying and closing findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.actor import HIDDEN
from application.errors import Forbidden, NotFound
from application.finance.compliance.commands import CloseFinding, RectifyFinding, RunChecks
from application.finance.compliance.scope import CheckResult, Scope
from application.finance.ports import ComplianceChecks, LedgerStatements
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, load
from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.compliance import ComplianceReview, FindingNotFound, check_parameters

WAIT_SECONDS = 20.0
# Every read model a check reads; a run waits until each has reached the head.
READ_MODELS = (
    "finance_ledger",
    "finance_accounts",
    "finance_expenses",
    "finance_fund",
    "finance_renovation",
    "finance_fund_bank",
    "approvals",
)


RUN = "compliance:run"
RECTIFY = "compliance:rectify"


class ComplianceRecordNotFound(NotFound):
    """No such review or finding, or not one the actor may see."""


class ReadModelsBehind(InvalidTransition):
    title = "Read models behind"


@dataclass(frozen=True)
class ReviewRun:
    review: ComplianceReview
    position: int


class ComplianceService:
    def __init__(
        self, deps: ServiceDeps, statements: LedgerStatements, checks: ComplianceChecks
    ) -> None:
        self.deps = deps
        self.statements = statements
        self.checks = checks

    def scheduled(self) -> list[ScheduledJob]:
        return []

    def review(self, review_id: UUID) -> ComplianceReview:
        return load(
            self.deps.event_log,
            review_id,
            ComplianceReview,
            ComplianceRecordNotFound(HIDDEN),
        )

    def position(self, as_of: datetime | None, as_of_position: int | None) -> int:
        """The position a run is drawn at: given, found from a moment, or the head."""
        head = self.deps.event_log.head()
        if as_of is not None and as_of_position is not None:
            raise ValidationFailed("give as_of or as_of_position, not both")
        if as_of is not None:
            if as_of.tzinfo is None:
                raise ValidationFailed("as_of: a moment with its time zone")
            return self.statements.position_at(as_of)
        if as_of_position is not None:
            if not 0 <= as_of_position <= head:
                raise ValidationFailed(f"as_of_position: between 0 and the head ({head})")
            return as_of_position
        return head

    def check(
        self,
        *,
        estate_id: UUID | None,
        date_from: date,
        date_to: date,
        position: int,
        parameters: dict[str, Any],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Run every check; (checks, findings). Waits for the read models first."""
        if date_from > date_to:
            raise ValidationFailed("from: on or before to")
        head = self.deps.event_log.head()
        for name in READ_MODELS:
            if not self.deps.progress.wait(name, head, WAIT_SECONDS):
                raise ReadModelsBehind(f"the {name} read model is behind the log; retry shortly")
        scope = Scope(
            estate_ids=None if estate_id is None else [estate_id],
            date_from=date_from,
            date_to=date_to,
            position=position,
            threshold=parameters["large_expense_threshold"],
            currency=parameters["currency"],
        )
        results: list[CheckResult] = self.checks.run(scope)
        checks = [r.as_check() for r in results]
        findings = [{**f, "finding_id": self.deps.ids()} for r in results for f in r.findings]
        return checks, findings

    def run(self, cmd: RunChecks) -> ReviewRun:
        """Run the checks and record them, with their findings, as a review.

        Every estate at once needs ``compliance:run:any``; one estate, the
        permission for it (another estate is reported missing).
        """
        actor, estate_id = cmd.actor, cmd.estate_id
        if actor is not None and estate_id is None and not actor.reach(RUN).everything:
            raise Forbidden("checking every estate needs compliance:run:any; give estate_id")
        if actor is not None and estate_id is not None:
            actor.check(RUN, None, estate_id)
        parameters = check_parameters(cmd.large_expense_threshold, cmd.currency)
        position = self.position(cmd.as_of, cmd.as_of_position)
        checks, findings = self.check(
            estate_id=estate_id,
            date_from=cmd.date_from,
            date_to=cmd.date_to,
            position=position,
            parameters=parameters,
        )
        review = ComplianceReview.run(
            id=self.deps.ids(),
            estate_id=estate_id,
            date_from=cmd.date_from,
            date_to=cmd.date_to,
            as_of_position=position,
            parameters=parameters,
            checks=checks,
            findings=findings,
            run_by=cmd.recorded_as if actor is None else actor.user_id,
            at=self.deps.clock(),
        )
        return ReviewRun(review, self.deps.event_log.save_and_position(review))

    def _finding_of(self, review_id: UUID, finding_id: UUID) -> tuple[ComplianceReview, Any]:
        """The review, and the estate its finding belongs to (missing if either is)."""
        review = self.review(review_id)
        try:
            return review, review.finding_estate(finding_id)
        except FindingNotFound:
            raise ComplianceRecordNotFound(HIDDEN) from None

    def rectify(self, cmd: RectifyFinding) -> int:
        """The estate explains or fixes an open finding."""
        review, estate_id = self._finding_of(cmd.review_id, cmd.finding_id)
        cmd.actor.check(RECTIFY, None, estate_id)
        review.rectify(cmd.finding_id, cmd.note, cmd.actor.user_id, self.deps.clock())
        return self.deps.event_log.save_and_position(review)

    def close_finding(self, cmd: CloseFinding) -> int:
        """An auditor accepts a rectified finding (not the one who rectified it)."""
        review, estate_id = self._finding_of(cmd.review_id, cmd.finding_id)
        cmd.actor.check(RUN, None, estate_id)
        review.close_finding(cmd.finding_id, cmd.actor.user_id, cmd.note, self.deps.clock())
        return self.deps.event_log.save_and_position(review)
