"""A reading round (抄表任务): the meters of an estate a technician reads for a
billing period, in route order.

The round notes each meter's reading as it is entered (recorded or held);
it closes when staff close it, read or not: what is unread is listed by the
unread-meters query for the period.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.finance.periods import check_period, period_bounds

MAX_METERS = 2000
#: A round is due within this of its period (before it starts or after it ends).
DUE_SLACK = timedelta(days=92)


class ReadingRound(Aggregate):
    @classmethod
    def plan(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        period: str,
        technician_id: UUID,
        meter_ids: list[UUID],
        due_on: date,
        by: UUID,
        at: datetime,
    ) -> ReadingRound:
        if not 1 <= len(meter_ids) <= MAX_METERS:
            raise ValidationFailed(f"meter_ids: 1-{MAX_METERS} meters in route order")
        if len(set(meter_ids)) != len(meter_ids):
            raise ValidationFailed("meter_ids: a meter appears twice on the route")
        first, last = period_bounds(period)
        earliest, latest = first - DUE_SLACK, last + DUE_SLACK
        if not earliest <= due_on <= latest:
            raise ValidationFailed(f"due_on: between {earliest} and {latest}, near the period")
        return cls(
            id=id,
            estate_id=estate_id,
            period=check_period(period),
            technician_id=technician_id,
            meter_ids=list(meter_ids),
            due_on=due_on,
            by=by,
            at=at,
        )

    @event("Planned")
    def __init__(
        self,
        id: UUID,
        estate_id: UUID,
        period: str,
        technician_id: UUID,
        meter_ids: list[UUID],
        due_on: date,
        by: UUID,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.period = period
        self.technician_id = technician_id
        self.meter_ids = meter_ids
        self.read: dict[str, str] = {}  # str(meter_id) -> the reading's status
        self.closed = False

    def note(self, meter_id: UUID, reading_id: UUID, status: str, at: datetime) -> None:
        """The meter was read on this round (recorded or held)."""
        if self.closed:
            raise InvalidTransition("the round is closed")
        if meter_id not in self.meter_ids:
            raise ValidationFailed("round_id: the meter is not on this round")
        self._meter_read(meter_id=meter_id, reading_id=reading_id, status=status, at=at)

    @event("MeterRead")
    def _meter_read(self, meter_id: UUID, reading_id: UUID, status: str, at: datetime) -> None:
        self.read[str(meter_id)] = status

    def close(self, by: UUID, at: datetime) -> None:
        if self.closed:
            raise InvalidTransition("the round is already closed")
        unread = sum(1 for m in self.meter_ids if str(m) not in self.read)
        self._closed(by=by, unread=unread, at=at)

    @event("Closed")
    def _closed(self, by: UUID, unread: int, at: datetime) -> None:
        self.closed = True
