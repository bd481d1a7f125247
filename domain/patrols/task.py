"""A patrol task (巡检任务): one shift's walk of a route by one person.

The task copies the route's points as they were when it was generated, each
with the moment it is due by: the shift's span shared out over the points
in walking order (the first third of a three-point shift for the first
point ...). Points may be checked in any order; each at most once; only
within the shift, with the point's code (the QR label at the place) and an
answer to every item of its checklist.

- ``CheckedIn``: a point is checked; ``late`` when after its due time; the
  abnormal items named (an answer said so, or a reading was out of range),
  and the work order opened for them in the same append, if any.
- ``PointLate``: a point's due time passed and it was not checked: the
  supervisor is told while the shift still runs. Once per point.
- ``PointMissed``: the shift ended and the point was never checked.
- ``Closed``: the shift ended: no check-in is taken after it.

Completion rate = checked points / points.
"""

from __future__ import annotations

import hmac
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed


class Result(StrEnum):
    NORMAL = "normal"
    ABNORMAL = "abnormal"


class TaskStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def due_times(starts: datetime, ends: datetime, count: int) -> list[datetime]:
    """When each of ``count`` points is due by: the shift shared out in order."""
    span = ends - starts
    return [starts + span * (k + 1) / count for k in range(count)]


def _limited(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > limit:
        raise ValidationFailed(f"{field}: at most {limit} characters")
    return text or None


def checked_answers(
    checklist: list[dict[str, Any]], answers: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every item answered once: the answers cleaned, and the abnormal items' IDs.

    A reading outside its item's range is abnormal whatever the answer said;
    an item with a unit needs its reading."""
    items = {item["item_id"]: item for item in checklist}
    seen: set[str] = set()
    cleaned: list[dict[str, Any]] = []
    abnormal: list[str] = []
    for i, answer in enumerate(answers):
        where = f"answers[{i}]"
        item_id = str(answer.get("item_id", ""))
        item = items.get(item_id)
        if item is None:
            raise ValidationFailed(f"{where}.item_id: not an item of this point's checklist")
        if item_id in seen:
            raise ValidationFailed(f"{where}.item_id: answered twice")
        seen.add(item_id)
        try:
            result = Result(str(answer.get("result")))
        except ValueError as exc:
            raise ValidationFailed(f"{where}.result: normal or abnormal") from exc
        value = answer.get("value")
        if value is not None:
            try:
                number = Decimal(str(value))
            except InvalidOperation as exc:
                raise ValidationFailed(f"{where}.value: a number") from exc
            if not number.is_finite():
                raise ValidationFailed(f"{where}.value: a number")
            low, high = item.get("low"), item.get("high")
            if (low is not None and number < Decimal(low)) or (
                high is not None and number > Decimal(high)
            ):
                result = Result.ABNORMAL
            value = str(number)
        elif item.get("unit") is not None:
            raise ValidationFailed(f"{where}.value: the reading in {item['unit']}")
        note = _limited(answer.get("note"), f"{where}.note", 1000)
        if result is Result.ABNORMAL and note is None and value is None:
            raise ValidationFailed(f"{where}.note: say what is abnormal")
        cleaned.append(
            {
                "item_id": item_id,
                "result": result.value,
                "value": value,
                "note": note,
                "photo_ref": _limited(answer.get("photo_ref"), f"{where}.photo_ref", 300),
            }
        )
        if result is Result.ABNORMAL:
            abnormal.append(item_id)
    missing = [i for i in items if i not in seen]
    if missing:
        raise ValidationFailed(f"answers: items {', '.join(missing)} not answered")
    return cleaned, abnormal


class PatrolTask(Aggregate):
    """One shift's patrol of a route."""

    @event("Generated")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        plan_id: UUID,
        route_id: UUID,
        route_name: str,
        assignee_id: UUID,
        shift_on: date,
        starts_at: datetime,
        ends_at: datetime,
        points: list[dict[str, Any]],
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.plan_id = plan_id
        self.route_id = route_id
        self.route_name = route_name
        self.assignee_id = assignee_id
        self.shift_on = shift_on
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.points = points
        self.status = TaskStatus.OPEN
        self.checked: dict[str, datetime] = {}
        self.late: set[str] = set()
        self.missed: list[str] = []

    @classmethod
    def generate(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        plan_id: UUID,
        route_id: UUID,
        route_name: str,
        assignee_id: UUID,
        shift_on: date,
        starts_at: datetime,
        ends_at: datetime,
        points: list[dict[str, Any]],
        at: datetime,
    ) -> PatrolTask:
        """``points`` are the route's, each given the time it is due by."""
        if not starts_at < ends_at:
            raise ValidationFailed("a shift ends after it starts")
        if not points:
            raise ValidationFailed("a route without points")
        dues = due_times(starts_at, ends_at, len(points))
        return cls(
            id=id,
            estate_id=estate_id,
            plan_id=plan_id,
            route_id=route_id,
            route_name=route_name,
            assignee_id=assignee_id,
            shift_on=shift_on,
            starts_at=starts_at,
            ends_at=ends_at,
            points=[{**p, "due_by": due.isoformat()} for p, due in zip(points, dues, strict=True)],
            at=at,
        )

    # ---- queries ---------------------------------------------------------

    def point(self, point_id: UUID | str) -> dict[str, Any]:
        for point in self.points:
            if point["point_id"] == str(point_id):
                return point
        raise ValidationFailed("point_id: not a point of this task's route")

    @property
    def completion_rate(self) -> Decimal:
        return Decimal(len(self.checked)) / Decimal(len(self.points))

    def answered(
        self, point_id: UUID | str, code: str, answers: list[dict[str, Any]], at: datetime
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The answers as they will be recorded, and the labels of the items
        they make abnormal; refuses what :meth:`check_in` would refuse, in its order."""
        point = self._scanned(point_id, code, at)
        cleaned, abnormal = checked_answers(point["checklist"], answers)
        labels = {item["item_id"]: item["label"] for item in point["checklist"]}
        return cleaned, [labels[i] for i in abnormal]

    def _scanned(self, point_id: UUID | str, code: str, at: datetime) -> dict[str, Any]:
        """The point, if a check-in at ``at`` with ``code`` may be taken."""
        if self.status is TaskStatus.CLOSED or at >= self.ends_at:
            raise InvalidTransition("the shift is over: no check-in after it")
        if at < self.starts_at:
            raise InvalidTransition("the shift has not started")
        point = self.point(point_id)
        if point["point_id"] in self.checked:
            raise InvalidTransition(f"{point['name']} is checked already")
        if not hmac.compare_digest(str(code).encode(), str(point["code"]).encode()):
            raise ValidationFailed("code: not this point's code: scan the label at the point")
        return point

    # ---- the walk --------------------------------------------------------

    def check_in(
        self,
        point_id: UUID,
        code: str,
        answers: list[dict[str, Any]],
        by: UUID,
        at: datetime,
        work_order_id: UUID | None = None,
    ) -> None:
        """Check a point: within the shift, once, with its code and every item answered.

        ``work_order_id`` is the order opened for its abnormal items (none if all normal)."""
        point = self._scanned(point_id, code, at)
        cleaned, abnormal = checked_answers(point["checklist"], answers)
        if abnormal and work_order_id is None:
            raise ValidationFailed("an abnormal answer opens a work order: none given")
        if not abnormal and work_order_id is not None:
            raise ValidationFailed("a work order is opened only for an abnormal answer")
        self._checked_in(
            point_id=point["point_id"],
            point_name=point["name"],
            estate_id=self.estate_id,
            assignee_id=self.assignee_id,
            by=by,
            answers=cleaned,
            abnormal=abnormal,
            late=at > datetime.fromisoformat(point["due_by"]),
            work_order_id=work_order_id,
            at=at,
        )

    @event("CheckedIn")
    def _checked_in(
        self,
        point_id: str,
        point_name: str,
        estate_id: UUID,
        assignee_id: UUID,
        by: UUID,
        answers: list[dict[str, Any]],
        abnormal: list[str],
        late: bool,
        work_order_id: UUID | None,
        at: datetime,
    ) -> None:
        self.checked = {**self.checked, point_id: at}
        if late:
            self.late = self.late | {point_id}

    def watch(self, now: datetime) -> int:
        """Record what ``now`` makes late or missed; close the task when its shift
        is over. Answers how many events were recorded (0: nothing to do)."""
        if self.status is TaskStatus.CLOSED:
            return 0
        recorded = 0
        if now >= self.ends_at:
            for point in self.points:
                if point["point_id"] not in self.checked:
                    self._point_missed(
                        point_id=point["point_id"],
                        point_name=point["name"],
                        estate_id=self.estate_id,
                        assignee_id=self.assignee_id,
                        route_name=self.route_name,
                        at=now,
                    )
                    recorded += 1
            self._closed(
                checked=len(self.checked), missed=len(self.missed), points=len(self.points), at=now
            )
            return recorded + 1
        for point in self.points:
            pid = point["point_id"]
            if pid in self.checked or pid in self.late:
                continue
            if now > datetime.fromisoformat(point["due_by"]):
                self._point_late(
                    point_id=pid,
                    point_name=point["name"],
                    estate_id=self.estate_id,
                    assignee_id=self.assignee_id,
                    route_name=self.route_name,
                    due_by=datetime.fromisoformat(point["due_by"]),
                    at=now,
                )
                recorded += 1
        return recorded

    @event("PointLate")
    def _point_late(
        self,
        point_id: str,
        point_name: str,
        estate_id: UUID,
        assignee_id: UUID,
        route_name: str,
        due_by: datetime,
        at: datetime,
    ) -> None:
        self.late = self.late | {point_id}

    @event("PointMissed")
    def _point_missed(
        self,
        point_id: str,
        point_name: str,
        estate_id: UUID,
        assignee_id: UUID,
        route_name: str,
        at: datetime,
    ) -> None:
        self.missed = [*self.missed, point_id]

    @event("Closed")
    def _closed(self, checked: int, missed: int, points: int, at: datetime) -> None:
        self.status = TaskStatus.CLOSED
