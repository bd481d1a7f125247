"""Patrol routes (巡检路线): the points a guard or technician walks, in order.

Each point carries a ``code``: an unguessable token the estate prints as a QR
label at the place. A check-in must present it, so a point is checked where
it is, not from the guard room. Each point has a checklist; an item is a
yes/no look (``normal``/``abnormal``) or a reading with a unit and the range
it should lie in. Nested records are stored as plain JSON (strings for IDs
and numbers) so the events read the same in every tool.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed

MAX_POINTS = 100
MAX_ITEMS = 30


def _text(value: Any, field: str, limit: int, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    text = str(value or "").strip()
    if not text and optional:
        return None
    if not 1 <= len(text) <= limit:
        raise ValidationFailed(f"{field}: 1-{limit} characters")
    return text


def _number(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed(f"{field}: a number") from exc
    if not number.is_finite():
        raise ValidationFailed(f"{field}: a number")
    return str(number)


def checked_item(item: dict[str, Any], where: str, index: int) -> dict[str, Any]:
    """One checklist item, cleaned: label, and for a reading its unit and range."""
    label = _text(item.get("label"), f"{where}.label", 200)
    unit = _text(item.get("unit"), f"{where}.unit", 20, optional=True)
    low = _number(item.get("low"), f"{where}.low")
    high = _number(item.get("high"), f"{where}.high")
    if (low is not None or high is not None) and unit is None:
        raise ValidationFailed(f"{where}.unit: a reading with a range needs its unit")
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        raise ValidationFailed(f"{where}.low: above high")
    return {"item_id": str(index + 1), "label": label, "unit": unit, "low": low, "high": high}


def checked_point(point: dict[str, Any], point_id: UUID, code: str, index: int) -> dict[str, Any]:
    """One point, cleaned, under the ID and the code its handler minted."""
    where = f"points[{index}]"
    items = point.get("checklist") or []
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ValidationFailed(f"{where}.checklist: 1-{MAX_ITEMS} items")
    return {
        "point_id": str(point_id),
        "name": _text(point.get("name"), f"{where}.name", 100),
        "place": _text(point.get("place"), f"{where}.place", 200, optional=True),
        "code": code,
        "checklist": [checked_item(it, f"{where}.checklist[{i}]", i) for i, it in enumerate(items)],
    }


class PatrolRoute(Aggregate):
    """A route of one estate: its points in walking order."""

    @event("Created")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        name: str,
        points: list[dict[str, Any]],
        created_by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.name = name
        self.points = points
        self.retired = False

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        name: str,
        points: list[dict[str, Any]],
        created_by: UUID,
        at: datetime,
    ) -> PatrolRoute:
        """``points`` are cleaned already (:func:`checked_point`)."""
        if not 1 <= len(points) <= MAX_POINTS:
            raise ValidationFailed(f"points: 1-{MAX_POINTS}")
        names = [p["name"] for p in points]
        if len(set(names)) != len(names):
            raise ValidationFailed("points: each point's name once")
        title = _text(name, "name", 100)
        assert title is not None
        return cls(
            id=id, estate_id=estate_id, name=title, points=points, created_by=created_by, at=at
        )

    def add_point(self, point: dict[str, Any], at: datetime) -> None:
        """A point at the end of the walk; tasks already generated keep their points."""
        if self.retired:
            raise InvalidTransition("the route is retired")
        if len(self.points) >= MAX_POINTS:
            raise ValidationFailed(f"points: at most {MAX_POINTS}")
        if point["name"] in {p["name"] for p in self.points}:
            raise ValidationFailed("name: the route has a point of that name")
        self._point_added(point=point, at=at)

    @event("PointAdded")
    def _point_added(self, point: dict[str, Any], at: datetime) -> None:
        self.points = [*self.points, point]

    def retire(self, reason: str, at: datetime) -> None:
        if self.retired:
            raise InvalidTransition("already retired")
        self._retired(reason=reason, at=at)

    @event("Retired")
    def _retired(self, reason: str, at: datetime) -> None:
        self.retired = True
