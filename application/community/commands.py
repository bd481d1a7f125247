"""The commands of the community context: each carries the actor who issues it.

A handler (``application/community/service.py``) authorizes the actor
against the record it loads, so HTTP, the CLI and the demo loader share one
rule for who may take each step. A record the actor may not see answers as
missing.
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
    """A resident asks for a service for a unit they occupy; staff for an estate they serve."""

    actor: Actor
    estate_id: UUID
    unit_id: UUID | None
    category: Category
    description: str
    urgency: Urgency = Urgency.NORMAL


@dataclass(frozen=True)
class RequestStep:
    """A step on one service request. Staff who handle requests of its estate
    (``services:handle``) take every step but resubmitting and cancelling, which
    are the requester's (``services:request``; staff of its estate may act for them)."""

    actor: Actor
    request_id: UUID


class AcceptServiceRequest(RequestStep):
    """Accept a submitted request and open its approval (kind ``service_request``)."""


@dataclass(frozen=True)
class DeclineServiceRequest(RequestStep):
    """Decline a submitted request, saying why."""

    reason: str


@dataclass(frozen=True)
class ScheduleServiceRequest(RequestStep):
    """Schedule (or reschedule) an approved request; an assignee must serve its estate."""

    scheduled_for: datetime
    assignee_id: UUID | None = None


@dataclass(frozen=True)
class CompleteServiceRequest(RequestStep):
    """The scheduled work is done."""

    note: str | None = None


class CloseServiceRequest(RequestStep):
    """Close a done request; its requester is offered a satisfaction survey."""


@dataclass(frozen=True)
class ResubmitServiceRequest(RequestStep):
    """The requester revises a request returned for changes and resubmits it to its
    approval."""

    description: str


@dataclass(frozen=True)
class CancelServiceRequest(RequestStep):
    """The requester cancels their own request; one awaiting approval withdraws it."""

    reason: str


@dataclass(frozen=True)
class FileComplaint:
    """A resident complains for a unit they occupy; staff record one for an estate they serve."""

    actor: Actor
    estate_id: UUID
    unit_id: UUID | None
    subject: str
    description: str


@dataclass(frozen=True)
class TakeComplaintStep:
    """One step of a complaint's handling; ``fields`` are the step's inputs
    (``handler_id``, ``response``, ``resolution`` or ``reason``). Staff of its
    estate assign, respond, resolve, escalate and close; the complainant
    confirms or reopens."""

    actor: Actor
    complaint_id: UUID
    step: ComplaintStepName
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerSurvey:
    """Only the subject's requester answers, once, after the subject is closed."""

    actor: Actor
    subject_kind: SubjectKind
    subject_id: UUID
    scores: Mapping[str, int]
    comment: str | None = None


@dataclass(frozen=True)
class DraftAnnouncement:
    """Staff who publish for the estate (``announcements:publish``) draft one."""

    actor: Actor
    estate_id: UUID
    title: str
    body: str


@dataclass(frozen=True)
class AnnouncementStep:
    """A step on one announcement: by staff who publish for its estate."""

    actor: Actor
    announcement_id: UUID


@dataclass(frozen=True)
class ReviseAnnouncement(AnnouncementStep):
    """Revise a draft; one returned for changes is revised and resubmitted at once."""

    title: str
    body: str


class SubmitAnnouncement(AnnouncementStep):
    """Submit a draft for approval (kind ``announcement``)."""


class PublishAnnouncement(AnnouncementStep):
    """Put an approved announcement on its estate's board."""


@dataclass(frozen=True)
class WithdrawAnnouncement(AnnouncementStep):
    """Take a published announcement off the board, saying why."""

    reason: str
