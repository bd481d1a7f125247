"""Request and response bodies shared by the routers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Command(BaseModel):
    """Every request body refuses fields it does not know.

    Strings are taken as sent: stripping would silently change passwords.
    """

    model_config = ConfigDict(extra="forbid")


class Accepted(BaseModel):
    """A command's answer: the global position of its last event."""

    position: int
