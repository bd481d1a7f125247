"""Request bodies and answers of the gate routes (visitors, the gate, controllers)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from domain.gate.access import AccessEvent
from domain.gate.token import LONGEST_TOKEN
from domain.gate.visitor_pass import MOST_ENTRIES, PLATE_LENGTH
from interfaces.http.equipment.schemas import Rejected
from interfaces.http.schemas import Command, Moment, Phone, Reason
from interfaces.http.text import SingleLine
from interfaces.http.views import from_view
from projections.gate.queries import MovementRow, PassRow

Token = Annotated[str, SingleLine(LONGEST_TOKEN)]
PassStatus = Literal["inside", "revoked", "expired", "used_up", "not_yet_valid", "valid"]


def _aware(*moments: datetime) -> None:
    if any(m.tzinfo is None for m in moments):
        raise ValueError("times need a timezone, e.g. 2026-01-01T09:00:00+08:00")


class NewPass(Command):
    estate_id: UUID
    unit_id: UUID
    visitor_name: Annotated[str, SingleLine(100)]
    visitor_phone: Phone | None = None
    plate: Annotated[str, SingleLine(PLATE_LENGTH)] | None = None
    valid_from: Moment
    valid_until: Moment
    entries_allowed: Annotated[int, Field(ge=1, le=MOST_ENTRIES)] = 1
    visitor_user_id: UUID | None = Field(
        default=None, description="the visitor's own account (role visitor), who then reads it"
    )

    @model_validator(mode="after")
    def _zoned(self) -> NewPass:
        _aware(self.valid_from, self.valid_until)
        return self


class Revocation(Command):
    reason: Reason | None = None


class Scan(Command):
    token: Token
    controller_id: UUID | None = Field(
        default=None, description="the gate's controller (equipment of kind gate or door)"
    )


class Scanned(Command):
    token: Token


class AccessEventIn(Command):
    equipment_id: UUID
    at: Moment
    event: AccessEvent
    open_seconds: Annotated[int, Field(ge=0, le=86_400)] | None = Field(
        default=None, description="how long a held-open door has been open"
    )
    token: Token | None = Field(default=None, description="the pass of an opening by pass")

    @model_validator(mode="after")
    def _zoned(self) -> AccessEventIn:
        _aware(self.at)
        return self


class AccessBatch(Command):
    events: Annotated[list[AccessEventIn], Field(min_length=1, max_length=1000)]


class PassCreated(BaseModel):
    id: UUID
    position: int
    token: str = Field(description="the QR code's text: EVP1.<claims>.<Ed25519 signature>")


class PassToken(BaseModel):
    id: UUID
    token: str


class PassCheck(BaseModel):
    """What the gate shows for a scanned pass, and the position of the step taken."""

    id: UUID
    estate_id: UUID
    unit_id: UUID
    plate: str | None
    status: PassStatus
    entries_used: int
    entries_allowed: int
    valid_from: datetime
    valid_until: datetime
    position: int | None = None


class PassKey(BaseModel):
    """The public key gate devices verify pass tokens with, offline."""

    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="base64 of the 32 raw bytes")


class AccessAnswer(BaseModel):
    received: int
    rejected: list[Rejected]
    alarms_raised: list[UUID]
    alarms_returned_to_normal: list[UUID]
    passes_recorded: list[UUID]
    position: int


@from_view(PassRow, rename={"pass_id": "id"})
class PassView(BaseModel):
    """A visitor pass; the visitor's name and phone are masked."""


@from_view(MovementRow)
class GateMovementView(BaseModel):
    """A line of the gate's log: in, out, or a door opened by the pass."""
