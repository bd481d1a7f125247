"""Compliance checks (R5.5): what an auditor runs over the books, and the findings' life.

A run covers a scope (one estate, or every estate), a period
[``date_from``, ``date_to``] and a log position: only events at or before it
count, so a check "as of" a past moment (``projections/moments.py``) sees
the books as they stood then. Before checking, the service waits for every
read model it reads to reach the head of the log. Each check yields one
finding per offending record (at most :data:`CAP` kept, the count in the
check's detail); the run, its checks and findings are recorded as a
:class:`ComplianceReview`, whose findings the estate rectifies and an auditor
closes.

The read models are current state; where a check must see the past it joins
them to the ledger's entries, whose number is their log position, and keeps
from the current rows only what never changes after the record is created
(a claim's approval, a spending's basis).
"""

from application.finance.compliance.commands import CloseFinding, RectifyFinding, RunChecks
from application.finance.compliance.service import (
    ComplianceRecordNotFound,
    ComplianceService,
    ReadModelsBehind,
    ReviewRun,
)

__all__ = [
    "CloseFinding",
    "ComplianceRecordNotFound",
    "ComplianceService",
    "ReadModelsBehind",
    "RectifyFinding",
    "ReviewRun",
    "RunChecks",
]
