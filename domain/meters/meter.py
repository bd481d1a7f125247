"""A meter (抄表): a unit's water, electricity or gas meter, or a shared meter
of a common area, and its readings.

A reading is checked on entry against the meter's last one: an older date or
a lower value is refused (a meter that was replaced or reset is recorded as
such first); a usage beyond the estate's jump factor times the meter's
average (:class:`~domain.meters.values.JumpRule`, by default 3 times the last
6 usages) is *held* for staff to confirm or reject; a resident's
reading is *submitted* with a photo reference and waits for staff likewise.
A recorded reading moves the meter's register (``values.py``), which billing
reads through finance's ``MeterReadings`` (the handler saves both together).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, ValidationFailed
from domain.meters.values import (
    DEFAULT_RULE,
    MOST_USAGES,
    ChangeReason,
    JumpRule,
    MeterKind,
    ReadingSource,
    ReadingStatus,
    check_value,
    choice_of,
    not_future,
    text_of,
)

PENDING = (ReadingStatus.HELD.value, ReadingStatus.SUBMITTED.value)


class Meter(Aggregate):
    @classmethod
    def install(
        cls,
        *,
        id: UUID,
        estate_id: UUID,
        unit_id: UUID | None,
        unit_label: str | None,
        area: str | None,
        kind: str,
        serial: str,
        initial_reading: object,
        installed_on: date,
        at: datetime,
    ) -> Meter:
        """A unit's meter (``unit_id``), or a shared one of a common ``area``."""
        if (unit_id is None) == (area is None or not area.strip()):
            raise ValidationFailed("unit_id: a meter is a unit's or a common area's, not both")
        kind = choice_of(MeterKind, kind, "kind")
        not_future(installed_on, at, "installed_on")
        return cls(
            id=id,
            estate_id=estate_id,
            unit_id=unit_id,
            unit_label=unit_label,
            area=text_of(area, "area", 200) if area is not None else None,
            kind=kind,
            serial=text_of(serial, "serial", 60),
            initial_reading=check_value(initial_reading, "initial_reading"),
            installed_on=installed_on,
            at=at,
        )

    @event("Installed")
    def __init__(
        self,
        id: UUID,  # the library takes the ID by this name
        estate_id: UUID,
        unit_id: UUID | None,
        unit_label: str | None,
        area: str | None,
        kind: str,
        serial: str,
        initial_reading: Decimal,
        installed_on: date,
        at: datetime,
    ) -> None:
        self.estate_id = estate_id
        self.unit_id = unit_id
        self.kind = kind
        self.serial = serial
        self.last = initial_reading
        self.last_on = installed_on
        self.carry = Decimal(0)  # the replacements' final minus initial, summed
        self.usages: list[Decimal] = []
        # str(reading_id) -> the pending reading (held or submitted)
        self.pending: dict[str, dict[str, Any]] = {}
        self.decided: set[str] = set()

    @property
    def shared(self) -> bool:
        return self.unit_id is None

    @property
    def register(self) -> Decimal:
        """What billing reads: the last reading plus the replacements' carry."""
        return self.last + self.carry

    # ---- readings -------------------------------------------------------------

    def usage_to(self, value: Decimal, read_on: date) -> Decimal:
        """The usage since the last reading, or why the reading is refused."""
        return self._past_last(
            value, read_on, ("reading", "read_on"),
            " (negative use); record a replacement or reset first if there was one",
        )  # fmt: skip

    def _past_last(
        self, value: Decimal, day: date, fields: tuple[str, str], hint: str = ""
    ) -> Decimal:
        """How far ``value`` read on ``day`` is past the meter's last reading, or
        why it cannot be: a day before the last reading's, or a value below it
        (``fields``: the value's and the day's names in the command)."""
        value_field, day_field = fields
        if day < self.last_on:
            raise ValidationFailed(
                f"{day_field}: {day} is older than the meter's last reading, of {self.last_on}"
            )
        if value < self.last:
            raise ValidationFailed(
                f"{value_field}: {value} is below the meter's last reading {self.last}{hint}"
            )
        return value - self.last

    def enter(
        self,
        *,
        reading_id: UUID,
        reading: object,
        read_on: date,
        period: str,
        source: str,
        by: UUID,
        at: datetime,
        round_id: UUID | None = None,
        photo_ref: str | None = None,
        rule: JumpRule = DEFAULT_RULE,
    ) -> str:
        """Enter a reading: recorded, held (a jump by the estate's ``rule``) or
        submitted (a resident's). Returns its status."""
        value = check_value(reading)
        not_future(read_on, at, "read_on")
        if str(reading_id) in self.pending or str(reading_id) in self.decided:
            raise InvalidTransition("this reading was already entered")
        used = self.usage_to(value, read_on)
        fields: dict[str, Any] = dict(
            reading_id=reading_id,
            reading=value,
            read_on=read_on,
            period=period,
            source=choice_of(ReadingSource, source, "source"),
            by=by,
            round_id=round_id,
            at=at,
        )
        if source == ReadingSource.RESIDENT:
            self._submitted(**fields, usage=used, photo_ref=text_of(photo_ref, "photo_ref", 500))
            return ReadingStatus.SUBMITTED.value
        if rule.is_jump(used, self.usages):
            self._held(**fields, usage=used, reason=rule.reason(used, self.usages))
            return ReadingStatus.HELD.value
        self._recorded(**fields, usage=used, register=value + self.carry)
        return ReadingStatus.RECORDED.value

    @event("ReadingRecorded")
    def _recorded(
        self,
        reading_id: UUID,
        reading: Decimal,
        read_on: date,
        period: str,
        source: str,
        by: UUID,
        round_id: UUID | None,
        usage: Decimal,
        register: Decimal,
        at: datetime,
    ) -> None:
        self._counted(reading_id, reading, read_on, usage)

    def _counted(self, reading_id: UUID, reading: Decimal, read_on: date, usage: Decimal) -> None:
        self.last, self.last_on = reading, read_on
        self.usages = [*self.usages[1 - MOST_USAGES :], usage]
        self.pending.pop(str(reading_id), None)
        self.decided.add(str(reading_id))

    @event("ReadingHeld")
    def _held(
        self,
        reading_id: UUID,
        reading: Decimal,
        read_on: date,
        period: str,
        source: str,
        by: UUID,
        round_id: UUID | None,
        usage: Decimal,
        reason: str,
        at: datetime,
    ) -> None:
        self._waiting(reading_id, reading, read_on, period, round_id, ReadingStatus.HELD)

    @event("ReadingSubmitted")
    def _submitted(
        self,
        reading_id: UUID,
        reading: Decimal,
        read_on: date,
        period: str,
        source: str,
        by: UUID,
        round_id: UUID | None,
        usage: Decimal,
        photo_ref: str,
        at: datetime,
    ) -> None:
        self._waiting(reading_id, reading, read_on, period, round_id, ReadingStatus.SUBMITTED)

    def _waiting(
        self,
        reading_id: UUID,
        reading: Decimal,
        read_on: date,
        period: str,
        round_id: UUID | None,
        status: ReadingStatus,
    ) -> None:
        self.pending[str(reading_id)] = {
            "reading": reading,
            "read_on": read_on,
            "period": period,
            "round_id": round_id,
            "status": status.value,
        }

    def pending_reading(self, reading_id: UUID) -> dict[str, Any]:
        found = self.pending.get(str(reading_id))
        if found is None:
            raise InvalidTransition("no reading of this meter waits for confirmation under this id")
        return found

    def confirm(self, reading_id: UUID, by: UUID, at: datetime) -> dict[str, Any]:
        """Staff confirm a held or submitted reading: it is recorded (checked
        again against the meter's last reading, which may have moved since)."""
        found = self.pending_reading(reading_id)
        used = self.usage_to(found["reading"], found["read_on"])
        self._confirmed(
            reading_id=reading_id,
            reading=found["reading"],
            read_on=found["read_on"],
            period=found["period"],
            usage=used,
            register=found["reading"] + self.carry,
            by=by,
            at=at,
        )
        return found

    @event("ReadingConfirmed")
    def _confirmed(
        self,
        reading_id: UUID,
        reading: Decimal,
        read_on: date,
        period: str,
        usage: Decimal,
        register: Decimal,
        by: UUID,
        at: datetime,
    ) -> None:
        self._counted(reading_id, reading, read_on, usage)

    def reject(self, reading_id: UUID, reason: str, by: UUID, at: datetime) -> None:
        self.pending_reading(reading_id)
        self._rejected(reading_id=reading_id, reason=text_of(reason, "reason", 500), by=by, at=at)

    @event("ReadingRejected")
    def _rejected(self, reading_id: UUID, reason: str, by: UUID, at: datetime) -> None:
        self.pending.pop(str(reading_id))
        self.decided.add(str(reading_id))

    # ---- replacement and reset --------------------------------------------------

    def replace(
        self,
        *,
        final_reading: object,
        initial_reading: object,
        changed_on: date,
        reason: str,
        new_serial: str | None,
        by: UUID,
        at: datetime,
    ) -> None:
        """The meter was replaced (a new serial) or reset: the old meter's final
        reading closes its usage, the new initial reading starts the next."""
        final = check_value(final_reading, "final_reading")
        initial = check_value(initial_reading, "initial_reading")
        reason = choice_of(ChangeReason, reason, "reason")
        not_future(changed_on, at, "changed_on")
        if self.pending:
            raise InvalidTransition("confirm or reject the readings waiting first")
        used = self._past_last(final, changed_on, ("final_reading", "changed_on"))
        serial = self.serial
        if reason == ChangeReason.REPLACED:
            serial = text_of(new_serial, "new_serial", 60)
        self._replaced(
            final_reading=final,
            initial_reading=initial,
            changed_on=changed_on,
            reason=reason,
            serial=serial,
            usage=used,
            register=final + self.carry,
            by=by,
            at=at,
        )

    @event("Replaced")
    def _replaced(
        self,
        final_reading: Decimal,
        initial_reading: Decimal,
        changed_on: date,
        reason: str,
        serial: str,
        usage: Decimal,
        register: Decimal,
        by: UUID,
        at: datetime,
    ) -> None:
        self.carry += final_reading - initial_reading
        self.last, self.last_on, self.serial = initial_reading, changed_on, serial
