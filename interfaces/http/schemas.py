"""Request and response bodies shared by the routers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError
from starlette.responses import Response

from domain.errors import ValidationFailed
from domain.finance.money import Money
from domain.finance.periods import check_period
from interfaces.http.cursors import Key, encode_cursor
from interfaces.http.text import MultiLine, SingleLine, ascii_decimal


class Command(BaseModel):
    """Every request body refuses fields it does not know.

    Strings are taken as sent: stripping would silently change passwords.
    """

    model_config = ConfigDict(extra="forbid")


def _no_float(value: Any) -> Any:
    # A JSON number with a fraction arrives as a float, already rounded in
    # binary: money must be sent as a decimal string (integers are exact).
    if isinstance(value, float):
        raise ValueError('send amounts as decimal strings, e.g. "12.30", never as floats')
    return value


# Every Decimal of a request is read through this: a string of ASCII digits
# (the walk in tests/e2e/api/test_input_rules.py checks). Measurements may also
# come as JSON numbers; money may not (Amount).
DecimalInput = Annotated[Decimal, BeforeValidator(ascii_decimal)]

# A money amount or a quantity in a request: a decimal string or an integer.
Amount = Annotated[
    DecimalInput, BeforeValidator(_no_float), Field(max_digits=18, decimal_places=4, ge=0)
]
CurrencyCode = Annotated[str, SingleLine(3, pattern="^[A-Z]{3}$")]
# A position in the log, as PostgreSQL's bigint holds it (and orjson writes it).
Position = Annotated[int, Field(ge=0, le=2**63 - 1)]
# A count of people or things in a body: bounded, so it fits an event.
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Reason = Annotated[str, MultiLine(500)]
Phone = Annotated[str, SingleLine(20, pattern=r"^\+?[0-9][0-9 -]{4,19}$")]
NationalId = Annotated[str, SingleLine(32, pattern=r"^[0-9A-Za-z]{6,32}$")]


def _period(value: str) -> str:
    # The domain's own check, so the HTTP edge and the handlers agree on
    # what a month is.
    try:
        return check_period(value)
    except ValidationFailed as e:
        raise ValueError(e.detail) from None


# An accounting month 'YYYY-MM', in a body, a query or a path.
Period = Annotated[
    str, SingleLine(7, pattern="^[0-9]{4}-(0[1-9]|1[0-2])$"), AfterValidator(_period)
]

_Dated = TypeVar("_Dated", bound=date)


def _in_calendar(value: _Dated) -> _Dated:
    # A day or moment near year 1 or 9999 has no day after it, or none in UTC
    # (an offset moves it out of range): arithmetic on it was a 500.
    if not 1900 <= value.year <= 2999:
        raise ValueError("a date between the years 1900 and 2999")
    return value


# A day or a moment in a body or a query, in the years a period has (1900-2999).
Day = Annotated[date, AfterValidator(_in_calendar)]
Moment = Annotated[datetime, AfterValidator(_in_calendar)]


def priced(body: BaseModel) -> dict[str, Any]:
    """A body's fields for its command: ``amount`` and ``currency`` become one
    :class:`Money` under ``amount``.

    The wire keeps the two fields. ``Money.of`` refuses an amount below the
    currency's minor unit and a currency no books are kept in, with the same
    ``ValidationFailed`` (422) the domain gives, so the answer does not change.
    """
    fields = body.model_dump()
    fields["amount"] = Money.of(fields["amount"], fields.pop("currency"))
    return fields


class Patch(Command):
    """A body of a PATCH: a field left out is kept, a field sent as null is cleared.

    Only the fields named in ``clearable`` may be cleared; null for any other
    is refused with 422 naming the field, rather than reaching the domain as
    a value it never expects.
    """

    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name in cls.model_fields and name not in cls.clearable:
                    raise PydanticCustomError(
                        "not_clearable",
                        "{field} cannot be cleared: leave it out to keep it",
                        {"field": name},
                    )
        return data


class Accepted(BaseModel):
    """A command's answer: the global position of its last event."""

    position: int


class OpensApproval(BaseModel):
    """The answer of a command that opened an approval: its ID and its number."""

    approval_id: UUID
    approval_number: str = Field(
        description="the approval's number people say (decision 0050): "
        "<estate code>-AP-<year>-<serial>",
        examples=["HVG-AP-2026-000001"],
    )


class ApprovalAsked(Accepted, OpensApproval):
    """A command's answer that opened an approval: the position, its ID and number."""


class Created(Accepted):
    """A creating command's answer: the new record's ID and the position."""

    id: UUID


class NumberedCreated(Created):
    """A numbered record's creation (decision 0050): its number too."""

    number: str = Field(
        description="the number people say: <estate code>-<kind>-<year>-<serial>",
        examples=["HVG-WO-2026-000123"],
    )


def accepted(position: int) -> Response:
    """The :class:`Accepted` answer, ready to send.

    Routes that return it declare ``response_model=Accepted`` for the OpenAPI
    document. Returning a response rather than the model spares a sync route
    a third trip to the threadpool: FastAPI validates a sync route's model
    result in a worker thread, and this one has nothing to validate.
    """
    return Response(b'{"position":%d}' % position, media_type="application/json")


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list (decision 0042): pass ``next_cursor`` as ``cursor``
    for the next page; it is null on the last one."""

    items: list[T]
    next_cursor: str | None


# A numbered kind's search (decision 0050): exact, any case; a number of another
# kind, estate or year, or no number at all, finds nothing.
NumberQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="the record numbered so (HVG-WO-2026-000123; any case), if yours to see",
    ),
]

# The one paging parameter of every list: opaque, made by the server.
Cursor = Annotated[
    str | None,
    Query(max_length=400, description="next_cursor of the previous page; none for the first"),
]


def paged(
    rows: Sequence[Any], limit: int, view: Callable[[Any], T], key: Callable[[Any], tuple[Key, ...]]
) -> Page[T]:
    """The page of ``rows``, read with ``limit + 1``: the extra row only says
    that a next page exists, so the last page has no cursor and no client asks
    for an empty page. ``key`` gives a row's sort keys, the cursor's content."""
    more = len(rows) > limit
    shown = rows[:limit]
    cursor = encode_cursor(*key(shown[-1])) if more else None
    return Page[T](items=[view(r) for r in shown], next_cursor=cursor)
