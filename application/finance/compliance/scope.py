"""What a compliance run looks at (:class:`Scope`) and what a check yields
(:class:`CheckResult`); the checks themselves are queries over the read
models (``projections/finance/checks/``), reached through the
:class:`~application.finance.ports.ComplianceChecks` port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

CAP = 100


@dataclass(frozen=True)
class Scope:
    """What one run looks at: estates (None: all), the period, the position, parameters."""

    estate_ids: list[UUID] | None
    date_from: date
    date_to: date
    position: int
    threshold: Decimal
    currency: str


@dataclass
class CheckResult:
    """One check's outcome: a summary when clean, and its findings (capped)."""

    name: str
    summary: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        detail: str,
        *,
        subject_id: Any = None,
        subject: str = "",
        estate_id: Any = None,
        severity: str = "error",
    ) -> None:
        self.count += 1
        if len(self.findings) < CAP:
            self.findings.append(
                {
                    "check": self.name,
                    "severity": severity,
                    "subject_id": subject_id,
                    "subject": subject,
                    "estate_id": estate_id,
                    "detail": detail,
                }
            )

    @property
    def passed(self) -> bool:
        return not any(f["severity"] == "error" for f in self.findings)

    def as_check(self) -> dict[str, Any]:
        if self.count == 0:
            detail = self.summary
        else:
            kept = "" if self.count <= CAP else f", the first {CAP} recorded"
            detail = f"{self.count} finding(s){kept}; the first: {self.findings[0]['detail']}"
        return {"name": self.name, "passed": self.passed, "detail": detail, "count": self.count}
