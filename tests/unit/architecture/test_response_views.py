"""A response model derived from a read model's view (``interfaces/http/views.py``)
is the model one would write by hand: the same JSON schema, reading the view's rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NotRequired, TypedDict
from uuid import UUID, uuid4

import pytest
from pydantic import BaseModel, Field

from interfaces.http.community.schemas import SurveyResult
from interfaces.http.views import from_view


class PartRow(TypedDict):
    name: str
    qty: Decimal


class JobRow(TypedDict):
    """A row as a query returns it (this docstring is not the answer's)."""

    job_id: UUID
    title: str
    parts: list[PartRow]
    secret: str
    done_at: datetime | None
    notes: NotRequired[list[str]]


class Part(BaseModel):
    name: str
    qty: Decimal


class JobByHand(BaseModel):
    """A job."""

    id: UUID
    title: str = Field(description="what is to be done")
    parts: list[Part]
    done_at: datetime | None
    notes: list[str] | None = None  # the view may lack it
    late: bool


def _job(**extra: Any) -> type[BaseModel]:
    @from_view(
        JobRow,
        rename={"job_id": "id"},
        drop=("secret",),
        retype={"parts": list[Part]},
        describe={"title": "what is to be done"},
        **extra,
    )
    class JobByHand(BaseModel):
        """A job."""

    return JobByHand


def _answer_schema(model: type[BaseModel]) -> dict[str, Any]:
    # What the OpenAPI document publishes for a response model; validating, a
    # renamed field also reads its row's key (job_id).
    return model.model_json_schema(mode="serialization")


def test_a_derived_model_has_the_schema_of_the_written_one() -> None:
    derived = _answer_schema(_job(extra={"late": bool}))
    assert derived == _answer_schema(JobByHand)
    assert list(derived["properties"]) == ["id", "title", "parts", "done_at", "notes", "late"]


def test_a_replaced_model_kept_its_schema() -> None:
    class ByHand(BaseModel):
        estate_id: UUID
        subject_kind: str
        offered: int
        answered: int
        mean_overall: Decimal | None

    by_hand = _answer_schema(ByHand)
    by_hand["title"] = "SurveyResult"
    assert _answer_schema(SurveyResult) == by_hand


def test_a_derived_model_reads_a_row_under_the_views_keys() -> None:
    job_id, at = uuid4(), datetime(2026, 1, 2, tzinfo=UTC)
    row = {"job_id": job_id, "title": "t", "parts": [], "secret": "s", "done_at": at}

    job = _job().model_validate(row)

    assert job.model_dump() == {
        "id": job_id,
        "title": "t",
        "parts": [],
        "done_at": at,
        "notes": None,
    }
    assert issubclass(type(job), BaseModel) and type(job).__name__ == "JobByHand"


@pytest.mark.parametrize(
    ("wrong", "why"),
    [
        ({"rename": {"jobid": "id"}}, r"JobRow has no \['jobid'\]"),
        ({"drop": ("secrets",)}, r"JobRow has no \['secrets'\]"),
        # retype names the answer's field (id), not the view's key
        ({"retype": {"parts": list[Part], "job_id": UUID}}, r"JobRow has no \['job_id'\]"),
        ({"extra": {"title": str}}, r"JobRow already has \['title'\]"),
        ({"describe": {"job_id": "its ID"}}, r"JobRow has no \['job_id'\]"),
        ({"retype": {}}, "JobRow.parts holds a view"),  # it needs a response model
    ],
)
def test_a_key_the_view_lacks_or_a_nested_view_is_refused(wrong: dict[str, Any], why: str) -> None:
    options: dict[str, Any] = {"rename": {"job_id": "id"}, "retype": {"parts": list[Part]}}
    with pytest.raises(TypeError, match=why):
        from_view(JobRow, **(options | wrong))(type("Job", (BaseModel,), {}))


def test_the_view_declares_the_fields_not_the_class() -> None:
    class Declares(BaseModel):
        title: str

    with pytest.raises(TypeError, match="the view declares the fields"):
        from_view(JobRow, retype={"parts": list[Part]})(Declares)
