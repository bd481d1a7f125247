"""Request and response bodies shared by the routers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.responses import Response


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


# A money amount or a quantity in a request: a decimal string or an integer.
Amount = Annotated[
    Decimal, BeforeValidator(_no_float), Field(max_digits=18, decimal_places=4, ge=0)
]
CurrencyCode = Annotated[str, Field(pattern="^[A-Z]{3}$")]


class Accepted(BaseModel):
    """A command's answer: the global position of its last event."""

    position: int


class Created(Accepted):
    """A creating command's answer: the new record's ID and the position."""

    id: UUID


def accepted(position: int) -> Response:
    """The :class:`Accepted` answer, ready to send.

    Routes that return it declare ``response_model=Accepted`` for the OpenAPI
    document. Returning a response rather than the model spares a sync route
    a third trip to the threadpool: FastAPI validates a sync route's model
    result in a worker thread, and this one has nothing to validate.
    """
    return Response(b'{"position":%d}' % position, media_type="application/json")
