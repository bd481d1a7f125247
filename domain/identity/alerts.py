"""Alerts for administrators, recorded in the log like everything else."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AdminAlert(Aggregate):
    """Something an administrator must look at, such as an account lockout."""

    @event("Raised")
    def __init__(
        self,
        id: UUID,
        kind: str,
        severity: Severity,
        subject_id: UUID | None,
        message: str,
        at: datetime,
    ) -> None:
        self.kind = kind
        self.severity = severity
        self.subject_id = subject_id
        self.message = message
        self.acknowledged_by: UUID | None = None

    def acknowledge(self, by: UUID, at: datetime) -> None:
        """An administrator has seen it; once for all of them (their inboxes show who)."""
        if self.acknowledged_by is not None:
            raise InvalidTransition("the alert is already acknowledged")
        self._acknowledged(by=by, at=at)

    # The event's name and fields are those the method above had when it was
    # the event itself: a stored ``Acknowledged`` reads the same.
    @event("Acknowledged")
    def _acknowledged(self, by: UUID, at: datetime) -> None:
        self.acknowledged_by = by


class UnknownUserLoginFailed(Aggregate):
    """A login attempt for a username nobody has: still an audited event (R2.5)."""

    @event("Recorded")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        username_attempted: str | None,
        at: datetime,
        client_ip: str | None,
        user_agent: str | None,
    ) -> None:
        self.username_attempted = username_attempted
