"""Compliance reviews (R5.5): the checks an auditor runs over the books, and their findings.

A :class:`ComplianceReview` records one run of the checks over a scope (one
estate or all), a period and a log position: every check with whether it
passed, and one finding per offending record. The checks themselves are
queries (``application/finance/compliance.py``); the review keeps what they
found and tracks each finding to its end:

* ``open`` -> ``rectified``: the estate's staff explain or fix it
  (:meth:`ComplianceReview.rectify`). A fix of the books is a new
  correcting or reversing event elsewhere; the note says which.
* ``rectified`` -> ``closed``: an auditor verifies the rectification
  (:meth:`ComplianceReview.close_finding`), never the person who rectified.

A finding is never edited or deleted: the review is evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.finance.money import currency_of, decimal_of

CHECK_NAMES: tuple[str, ...] = (
    "entries_balance",
    "trial_balance_zero",
    "accounting_equation",
    "aging_equals_control",
    "subledgers_equal_control",
    "payments_matched",
    "reversals_by_a_second_person",
    "approvals_present",
    "budgets_within",
    "fund_bank_reconciled",
    "closed_periods_unchanged",
    "event_chain_verifies",
)
DEFAULT_LARGE_EXPENSE = Decimal("10000")
DEFAULT_CURRENCY = "CNY"
LONGEST_NOTE = 2000
LONGEST_DETAIL = 2000


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class FindingStatus(StrEnum):
    OPEN = "open"
    RECTIFIED = "rectified"
    CLOSED = "closed"


class FindingNotFound(DomainError):
    title = "No such finding"


def _note(value: str | None, what: str = "note") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"{what}: required")
    if len(text) > LONGEST_NOTE:
        raise ValidationFailed(f"{what}: at most {LONGEST_NOTE} characters")
    return text


def check_parameters(threshold: object | None, currency: str | None) -> dict[str, Any]:
    """The run's parameters: the large-expense threshold (>= 0) and its currency."""
    code = currency_of(currency or DEFAULT_CURRENCY)
    value = (
        DEFAULT_LARGE_EXPENSE
        if threshold is None
        else decimal_of(threshold, "large_expense_threshold")
    )
    if value < 0:
        raise ValidationFailed("large_expense_threshold: a non-negative amount")
    return {"large_expense_threshold": value, "currency": code}


def _check(data: Mapping[str, Any]) -> dict[str, Any]:
    name = str(data.get("name") or "")
    if name not in CHECK_NAMES:
        raise ValidationFailed(f"checks: unknown check {name!r}")
    return {
        "name": name,
        "passed": bool(data.get("passed")),
        "detail": str(data.get("detail") or "")[:LONGEST_DETAIL],
        "count": int(data.get("count") or 0),
    }


def _finding(data: Mapping[str, Any], checks: set[str]) -> dict[str, Any]:
    check = str(data.get("check") or "")
    if check not in checks:
        raise ValidationFailed(f"findings: {check!r} is not a check of this run")
    try:
        severity = Severity(str(data.get("severity") or Severity.ERROR))
    except ValueError:
        raise ValidationFailed("findings: severity is error or warning") from None
    detail = str(data.get("detail") or "").strip()
    if not detail:
        raise ValidationFailed("findings: every finding says what is wrong")
    finding_id = data.get("finding_id")
    if not isinstance(finding_id, UUID):
        raise ValidationFailed("findings: every finding has its own ID")
    return {
        "finding_id": finding_id,
        "check": check,
        "severity": severity.value,
        "subject_id": data.get("subject_id"),
        "subject": str(data.get("subject") or "")[:200],
        "estate_id": data.get("estate_id"),
        "detail": detail[:LONGEST_DETAIL],
    }


class ComplianceReview(Aggregate):
    """One run of the compliance checks and the life of each finding it recorded."""

    @classmethod
    def run(
        cls,
        *,
        id: UUID,
        estate_id: UUID | None,
        date_from: date,
        date_to: date,
        as_of_position: int,
        parameters: Mapping[str, Any],
        checks: Sequence[Mapping[str, Any]],
        findings: Sequence[Mapping[str, Any]],
        run_by: UUID | None,
        at: datetime,
    ) -> ComplianceReview:
        """Record what the checks found; a failed check must leave at least one finding."""
        if date_from > date_to:
            raise ValidationFailed("from: on or before to")
        if as_of_position < 0:
            raise ValidationFailed("as_of_position: not negative")
        checked = [_check(c) for c in checks]
        names = [c["name"] for c in checked]
        if not checked or len(set(names)) != len(names):
            raise ValidationFailed("checks: each check once, at least one")
        found = [_finding(f, set(names)) for f in findings]
        ids = [f["finding_id"] for f in found]
        if len(set(ids)) != len(ids):
            raise ValidationFailed("findings: each finding has its own ID")
        failed_without = [
            c["name"]
            for c in checked
            if not c["passed"] and c["name"] not in {f["check"] for f in found}
        ]
        if failed_without:
            raise ValidationFailed(f"checks failed without a finding: {', '.join(failed_without)}")
        return cls(
            id=id,
            estate_id=estate_id,
            date_from=date_from,
            date_to=date_to,
            as_of_position=as_of_position,
            parameters=check_parameters(
                parameters.get("large_expense_threshold"), parameters.get("currency")
            ),
            checks=checked,
            findings=found,
            run_by=run_by,
            at=at,
        )

    @event("ChecksRun")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID | None,
        date_from: date,
        date_to: date,
        as_of_position: int,
        parameters: dict[str, Any],
        checks: list[dict[str, Any]],
        findings: list[dict[str, Any]],
        run_by: UUID | None,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.date_from = date_from
        self.date_to = date_to
        self.as_of_position = as_of_position
        self.parameters = parameters
        self.checks = checks
        self.run_by = run_by
        self.run_at = at
        self.findings: dict[UUID, dict[str, Any]] = {
            f["finding_id"]: {**f, "status": FindingStatus.OPEN, "rectified_by": None}
            for f in findings
        }

    @property
    def passed(self) -> bool:
        return all(c["passed"] for c in self.checks)

    def finding(self, finding_id: UUID) -> dict[str, Any]:
        found = self.findings.get(finding_id)
        if found is None:
            raise FindingNotFound("no such finding on this review")
        return found

    def finding_estate(self, finding_id: UUID) -> UUID | None:
        """The estate a finding belongs to: its record's, else the review's."""
        return self.finding(finding_id).get("estate_id") or self.estate_id

    def rectify(self, finding_id: UUID, note: str, by: UUID, at: datetime) -> None:
        """The estate's explanation or fix of an open finding."""
        status = self.finding(finding_id)["status"]
        if status is not FindingStatus.OPEN:
            raise InvalidTransition(f"only an open finding is rectified; this one is {status}")
        self._rectified(finding_id=finding_id, note=_note(note), by=by, at=at)

    @event("FindingRectified")
    def _rectified(self, finding_id: UUID, note: str, by: UUID, at: datetime) -> None:
        finding = self.findings[finding_id]
        finding["status"] = FindingStatus.RECTIFIED
        finding["rectified_by"] = by

    def close_finding(self, finding_id: UUID, by: UUID, note: str, at: datetime) -> None:
        """The auditor accepts a rectification: only of a rectified finding, and only
        by someone other than who rectified it."""
        finding = self.finding(finding_id)
        if finding["status"] is not FindingStatus.RECTIFIED:
            raise InvalidTransition(
                f"only a rectified finding is closed; this one is {finding['status']}"
            )
        if finding["rectified_by"] == by:
            raise InvalidTransition("who rectified a finding does not close it")
        self._closed(finding_id=finding_id, by=by, note=_note(note), at=at)

    @event("FindingClosed")
    def _closed(self, finding_id: UUID, by: UUID, note: str, at: datetime) -> None:
        self.findings[finding_id]["status"] = FindingStatus.CLOSED
