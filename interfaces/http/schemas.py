"""Request and response bodies shared by the routers."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict
from starlette.responses import Response


class Command(BaseModel):
    """Every request body refuses fields it does not know.

    Strings are taken as sent: stripping would silently change passwords.
    """

    model_config = ConfigDict(extra="forbid")


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
