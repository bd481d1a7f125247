"""The commands of the community context: each carries the actor who issues it.

A handler (``application/community/handlers.py``) authorizes the actor
against the record it loads, so HTTP, the CLI and the demo loader share one
rule for who may take each step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from application.actor import Actor
from domain.approvals.rules import Urgency
from domain.community.service_request import Category
from domain.community.survey import SubjectKind

#: Steps the complainant takes (``services:request`` on their own complaint).
COMPLAINANT_STEPS = ("confirm", "reopen")
ComplaintStepName = Literal[
    "assign", "respond", "resolve", "escalate", "close", "confirm", "reopen"
]


@dataclass(frozen=True)
class SubmitServiceRequest:
    actor: Actor
    estate_id: UUID
    unit_id: UUID | None
    category: Category
    description: str
    urgency: Urgency = Urgency.NORMAL


@dataclass(frozen=True)
class AcceptServiceRequest:
    actor: Actor
    request_id: UUID


@dataclass(frozen=True)
class DeclineServiceRequest:
    actor: Actor
    request_id: UUID
    reason: str


@dataclass(frozen=True)
class ScheduleServiceRequest:
    actor: Actor
    request_id: UUID
    scheduled_for: datetime
    assignee_id: UUID | None = None


@dataclass(frozen=True)
class CompleteServiceRequest:
    actor: Actor
    request_id: UUID
    note: str | None = None


@dataclass(frozen=True)
class CloseServiceRequest:
    actor: Actor
    request_id: UUID


@dataclass(frozen=True)
class ResubmitServiceRequest:
    actor: Actor
    request_id: UUID
    description: str


@dataclass(frozen=True)
class CancelServiceRequest:
    actor: Actor
    request_id: UUID
    reason: str


@dataclass(frozen=True)
class FileComplaint:
    actor: Actor
    estate_id: UUID
    unit_id: UUID | None
    subject: str
    description: str


@dataclass(frozen=True)
class TakeComplaintStep:
    """One step of a complaint's handling; ``fields`` are the step's inputs
    (``handler_id``, ``response``, ``resolution`` or ``reason``)."""

    actor: Actor
    complaint_id: UUID
    step: ComplaintStepName
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerSurvey:
    actor: Actor
    subject_kind: SubjectKind
    subject_id: UUID
    scores: Mapping[str, int]
    comment: str | None = None


@dataclass(frozen=True)
class DraftAnnouncement:
    actor: Actor
    estate_id: UUID
    title: str
    body: str


@dataclass(frozen=True)
class ReviseAnnouncement:
    actor: Actor
    announcement_id: UUID
    title: str
    body: str


@dataclass(frozen=True)
class SubmitAnnouncement:
    actor: Actor
    announcement_id: UUID


@dataclass(frozen=True)
class PublishAnnouncement:
    actor: Actor
    announcement_id: UUID


@dataclass(frozen=True)
class WithdrawAnnouncement:
    actor: Actor
    announcement_id: UUID
    reason: str
