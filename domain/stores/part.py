"""The parts catalogue (物料档案): company-wide master data, like vendors.

A part is known by its code everywhere (every estate's store counts the same
``BRK-16A`` breaker), so one catalogue serves every store and every request;
what differs per estate is the stock, its cost and the reorder level, which
the store keeps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import ValidationFailed
from domain.stores.rules import Category, Unit, code_of, part_id, text


def _enum(kind: type[Unit] | type[Category], value: str, field: str) -> str:
    try:
        return kind(value).value
    except ValueError:
        raise ValidationFailed(f"{field}: one of {', '.join(m.value for m in kind)}") from None


class Part(Aggregate):
    """One entry of the catalogue; its ID derives from its code."""

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return part_id(code)

    @classmethod
    def register(
        cls, *, code: str, name: str, name_zh: str, unit: str, category: str, by: UUID, at: datetime
    ) -> Part:
        return cls(
            code=code_of(code),
            name=text(name, "name", 200),
            name_zh=text(name_zh, "name_zh", 200),
            unit=_enum(Unit, unit, "unit"),
            category=_enum(Category, category, "category"),
            by=by,
            at=at,
        )

    @event("Registered")
    def __init__(
        self, code: str, name: str, name_zh: str, unit: str, category: str, by: UUID, at: datetime
    ) -> None:
        self.code = code
        self.name = name
        self.name_zh = name_zh
        self.unit = unit
        self.category = category
