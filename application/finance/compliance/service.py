"""Running the checks and recording them as a review; rectifying and closing findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.finance.compliance.scope import CheckResult, Scope
from application.finance.ports import ComplianceChecks, LedgerStatements
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, load
from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.finance.compliance import ComplianceReview, check_parameters

WAIT_SECONDS = 20.0
# Every read model a check reads; a run waits until each has reached the head.
READ_MODELS = (
    "finance_ledger",
    "finance_accounts",
    "finance_expenses",
    "finance_fund",
    "approvals",
)


class ComplianceRecordNotFound(DomainError):
    title = "No such record"


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
            ComplianceRecordNotFound("no such compliance review"),
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
        findings = [f for r in results for f in r.findings]
        return checks, findings

    def run(
        self,
        *,
        estate_id: UUID | None,
        date_from: date,
        date_to: date,
        as_of: datetime | None = None,
        as_of_position: int | None = None,
        large_expense_threshold: Decimal | None = None,
        currency: str | None = None,
        run_by: UUID | None,
    ) -> ReviewRun:
        """Run the checks and record them, with their findings, as a review."""
        parameters = check_parameters(large_expense_threshold, currency)
        position = self.position(as_of, as_of_position)
        checks, findings = self.check(
            estate_id=estate_id,
            date_from=date_from,
            date_to=date_to,
            position=position,
            parameters=parameters,
        )
        review = ComplianceReview.run(
            estate_id=estate_id,
            date_from=date_from,
            date_to=date_to,
            as_of_position=position,
            parameters=parameters,
            checks=checks,
            findings=findings,
            run_by=run_by,
            at=self.deps.clock(),
        )
        return ReviewRun(review, self.deps.event_log.save_and_position(review))

    def rectify(self, review_id: UUID, finding_id: UUID, note: str, by: UUID) -> int:
        review = self.review(review_id)
        review.rectify(finding_id, note, by, self.deps.clock())
        return self.deps.event_log.save_and_position(review)

    def close_finding(self, review_id: UUID, finding_id: UUID, note: str, by: UUID) -> int:
        review = self.review(review_id)
        review.close_finding(finding_id, by, note, self.deps.clock())
        return self.deps.event_log.save_and_position(review)
