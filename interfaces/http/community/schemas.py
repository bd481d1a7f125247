"""Request bodies and answers of the community routes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from domain.approvals.rules import Urgency
from domain.community.service_request import Category
from domain.community.survey import SubjectKind
from interfaces.http.cursors import decode_cursor
from interfaces.http.schemas import Command, Cursor, NumberQuery
from interfaces.http.text import MultiLine, SingleLine
from interfaces.http.views import from_view
from projections.community.queries import (
    AnnouncementRow,
    ComplaintRow,
    ServiceRequestRow,
    SurveyResultRow,
    SurveyRow,
)

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


@from_view(ServiceRequestRow, rename={"request_id": "id"})
class ServiceRequestView(BaseModel):
    pass


@from_view(ComplaintRow, rename={"complaint_id": "id"})
class ComplaintView(BaseModel):
    pass


@from_view(SurveyRow, rename={"survey_id": "id"})
class SurveyView(BaseModel):
    pass


@from_view(SurveyResultRow)
class SurveyResult(BaseModel):
    pass


@from_view(AnnouncementRow, rename={"announcement_id": "id"})
class AnnouncementView(BaseModel):
    pass


@dataclass(frozen=True)
class Listing:
    """The filters and the page of a list of requests, complaints or announcements."""

    status: str | None
    estate_id: UUID | None
    limit: int
    after: int | None
    cursor: str | None = None
    number: str | None = None  # of the numbered kinds only (NumberedListed)

    @property
    def filters(self) -> dict[str, Any]:
        said = {"number": self.number} if self.number is not None else {}
        return {
            "status": self.status,
            "estate_id": self.estate_id,
            "limit": self.limit + 1,
            "before_id": decode_cursor(self.cursor, UUID)[0] if self.cursor else None,
            **said,
        }


def listing(
    estate_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
    cursor: Cursor = None,
) -> Listing:
    """The filters but ``status=``, which each list takes as its own enum (common.py)."""
    return Listing(None, estate_id, limit, after, cursor)


Listed = Annotated[Listing, Depends(listing)]


def numbered_listing(listed: Listed, number: NumberQuery = None) -> Listing:
    return replace(listed, number=number)


#: The list of a numbered kind (requests, complaints): ``number=`` finds one (decision 0050).
NumberedListed = Annotated[Listing, Depends(numbered_listing)]
