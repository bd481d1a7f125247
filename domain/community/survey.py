"""A satisfaction survey's answer, one per closed service request, complaint or
work order. The survey is offered by the read model when its subject closes;
answering records ``Answered``. Its ID derives from the subject, so a second
answer to the same survey is a version conflict and cannot be stored.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed

SURVEY_NAMESPACE = uuid5(NAMESPACE_URL, "https://estatelog/surveys")
ASPECTS = ("overall", "timeliness", "attitude", "quality")


class SubjectKind(StrEnum):
    SERVICE_REQUEST = "service_request"
    COMPLAINT = "complaint"
    WORK_ORDER = "work_order"


def survey_id(subject_kind: SubjectKind | str, subject_id: UUID) -> UUID:
    return uuid5(SURVEY_NAMESPACE, f"{SubjectKind(subject_kind).value}:{subject_id}")


def check_scores(scores: dict[str, int]) -> dict[str, int]:
    if "overall" not in scores:
        raise ValidationFailed("scores: an overall score is required")
    for aspect, score in scores.items():
        if aspect not in ASPECTS:
            raise ValidationFailed(f"scores: {aspect!r} is not one of {list(ASPECTS)}")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationFailed(f"scores: {aspect} is a whole number from 1 to 5")
    return dict(scores)


class Survey(Aggregate):
    @staticmethod
    def create_id(subject_kind: SubjectKind, subject_id: UUID, **_: Any) -> UUID:
        return survey_id(subject_kind, subject_id)

    @classmethod
    def answer(
        cls,
        *,
        subject_kind: SubjectKind,
        subject_id: UUID,
        estate_id: UUID,
        respondent_id: UUID,
        scores: dict[str, int],
        comment: str | None,
        at: datetime,
    ) -> Survey:
        if comment is not None and len(comment) > 2000:
            raise ValidationFailed("comment: at most 2000 characters")
        return cls(
            subject_kind=SubjectKind(subject_kind),
            subject_id=subject_id,
            estate_id=estate_id,
            respondent_id=respondent_id,
            scores=check_scores(scores),
            comment=comment.strip() if comment else None,
            at=at,
        )

    @event("Answered")
    def __init__(
        self,
        subject_kind: SubjectKind,
        subject_id: UUID,
        estate_id: UUID,
        respondent_id: UUID,
        scores: dict[str, int],
        comment: str | None,
        at: datetime,
    ) -> None:
        self.subject_kind = subject_kind
        self.subject_id = subject_id
        self.estate_id = estate_id
        self.respondent_id = respondent_id
        self.scores = scores
        self.comment = comment
