"""Which unit a resident's work order is for (decision 0049)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from application import errors
from domain.errors import ValidationFailed


def home_of(
    homes: Iterable[tuple[UUID, UUID]], unit_id: UUID | None, estate_id: UUID | None
) -> tuple[UUID, UUID]:
    """The (estate, unit) a resident's order is for, among the (estate, unit)
    pairs they occupy: the unit they name, or the one unit they occupy (in the
    estate they name, if any). A resident app need not ask a one-home resident
    which home; with none or several the field is missing (422 naming it), never
    a 404 for a unit nobody named. A named unit that is not theirs is missing."""
    mine = [(estate, unit) for estate, unit in homes if estate_id in (None, estate)]
    if unit_id is None:
        if len(mine) != 1:
            raise ValidationFailed(
                f"unit_id: required: name the unit the order is for (you occupy {len(mine)})"
            )
        return mine[0]
    for estate, unit in mine:
        if unit == unit_id:
            return estate, unit
    raise errors.NotFound("no such unit, or not yours")
