"""Request bodies and answers of the community routes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from domain.approvals.rules import Urgency
from domain.community.service_request import Category
from domain.community.survey import SubjectKind
from interfaces.http.schemas import Command
from interfaces.http.text import MultiLine, SingleLine

Text = Annotated[str, MultiLine(4000)]
Reason = Annotated[str, MultiLine(500)]


class NewServiceRequest(Command):
    estate_id: UUID
    unit_id: UUID | None = None
    category: Category
    description: Annotated[str, MultiLine(2000)]
    urgency: Urgency = Urgency.NORMAL


class Description(Command):
    description: Annotated[str, MultiLine(2000)]


class WithReason(Command):
    reason: Reason


class Schedule(Command):
    scheduled_for: datetime
    assignee_id: UUID | None = None


class Completion(Command):
    note: Annotated[str, MultiLine(2000, min_length=0)] | None = None


class NewComplaint(Command):
    estate_id: UUID
    unit_id: UUID | None = None
    subject: Annotated[str, SingleLine(200)]
    description: Text


class Assignment(Command):
    handler_id: UUID


class Response_(Command):
    response: Text


class Resolution(Command):
    resolution: Text


class SurveyAnswer(Command):
    subject_kind: SubjectKind
    subject_id: UUID
    scores: Annotated[
        dict[Annotated[str, SingleLine(50)], Annotated[int, Field(ge=1, le=5)]],
        Field(min_length=1, max_length=4),
    ]
    comment: Annotated[str, MultiLine(2000, min_length=0)] | None = None


class NewAnnouncement(Command):
    estate_id: UUID
    title: Annotated[str, SingleLine(200)]
    body: Annotated[str, MultiLine(10000)]


class AnnouncementText(Command):
    title: Annotated[str, SingleLine(200)]
    body: Annotated[str, MultiLine(10000)]


class ServiceRequestView(BaseModel):
    request_id: UUID
    estate_id: UUID
    unit_id: UUID | None
    category: str
    description: str
    urgency: str
    status: str
    requested_by: UUID
    approval_id: UUID | None
    assignee_id: UUID | None
    scheduled_for: datetime | None
    note: str | None
    submitted_at: datetime
    updated_at: datetime
    position: int


class ComplaintView(BaseModel):
    complaint_id: UUID
    estate_id: UUID
    unit_id: UUID | None
    subject: str
    description: str
    complainant_id: UUID
    status: str
    handler_id: UUID | None
    escalation_level: int
    response: str | None
    resolution: str | None
    note: str | None
    received_at: datetime
    updated_at: datetime
    position: int


class SurveyView(BaseModel):
    survey_id: UUID
    subject_kind: str
    subject_id: UUID
    estate_id: UUID
    respondent_id: UUID
    status: str
    offered_at: datetime
    answered_at: datetime | None
    overall: int | None
    scores: dict[str, int] | None
    comment: str | None
    position: int


class SurveyResult(BaseModel):
    estate_id: UUID
    subject_kind: str
    offered: int
    answered: int
    mean_overall: Decimal | None


class AnnouncementView(BaseModel):
    announcement_id: UUID
    estate_id: UUID
    title: str
    body: str
    status: str
    drafted_by: UUID
    approval_id: UUID | None
    published_at: datetime | None
    updated_at: datetime
    position: int


@dataclass(frozen=True)
class Listing:
    """The filters and the page of a list of requests, complaints or announcements."""

    status: str | None
    estate_id: UUID | None
    limit: int
    after: int | None

    @property
    def filters(self) -> dict[str, Any]:
        return {"status": self.status, "estate_id": self.estate_id, "limit": self.limit}


def listing(
    status_: Annotated[str | None, Query(alias="status", max_length=30)] = None,
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Listing:
    return Listing(status_, estate_id, limit, after)


Listed = Annotated[Listing, Depends(listing)]
