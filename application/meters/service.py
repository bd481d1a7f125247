"""Meter handlers (抄表): meters, readings, replacements, imports and reading rounds.

Each handler takes one command (``application/meters/commands.py``), loads
the record once, authorizes the actor against it (``actor.check``: another
estate's meter is missing, 404), lets the aggregate decide and saves. A
reading that is recorded (entered and not held, or confirmed) of a unit's
water, electricity or gas meter is saved together with finance's
``MeterReadings`` of its period, carrying the meter's register, so the
metered fee items bill it (decision 0056).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.actor import HIDDEN, Actor
from application.community.residence import RegistryResidence, Residence
from application.errors import NotFound
from application.finance.rates.sheets import ReadingSheets
from application.meters import commands as c
from application.meters.importing import matched_rows
from application.meters.ports import MeterDirectory
from application.registry import lookups
from application.registry.importing import RowError, Table
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, find, load
from domain.errors import ValidationFailed
from domain.finance.fee_items import METERS as BILLED_METERS
from domain.finance.periods import check_period, period_of
from domain.identity.user import User
from domain.meters.jump_rule import EstateJumpRule, jump_rule_id
from domain.meters.meter import Meter
from domain.meters.round import ReadingRound
from domain.meters.values import DEFAULT_RULE, JumpRule, ReadingSource, ReadingStatus
from domain.registry.places import Building
from domain.registry.unit import Unit

PROJECTION = "meters"
WAIT_SECONDS = 5.0


class MeterNotFound(NotFound):
    """No such meter or round, or not the actor's to see."""

    def __init__(self, detail: str = HIDDEN) -> None:
        super().__init__(detail)


class MeterService:
    def __init__(
        self,
        deps: ServiceDeps,
        directory: MeterDirectory,
        residence: Residence | None = None,
    ) -> None:
        self.deps = deps
        self.sheets = ReadingSheets(deps)  # finance's readings, which billing reads
        self.directory = directory
        self.residence: Residence = residence or RegistryResidence(deps.registry, deps.event_log)

    def scheduled(self) -> list[ScheduledJob]:
        return []

    @property
    def _now(self) -> datetime:
        return self.deps.clock()

    # ---- authorizing ---------------------------------------------------------------

    def _owners(self, actor: Actor, meter: Meter, action: str) -> UUID | None:
        """The actor, if the meter is of a unit they occupy and they would need
        that to act (staff of the estate do not read who lives where)."""
        if meter.unit_id is None or actor.may(action, None, meter.estate_id):
            return None
        homes = self.residence.units_of_user(actor.user_id)
        return actor.user_id if (meter.estate_id, meter.unit_id) in homes else None

    def _meter(self, actor: Actor, meter_id: UUID, action: str) -> Meter:
        """The meter, if the actor may see it and do ``action`` to it."""
        meter = load(self.deps.event_log, meter_id, Meter, MeterNotFound())
        owner = self._owners(actor, meter, "meters:read")
        actor.check("meters:read", owner, meter.estate_id)
        actor.require(action, owner, meter.estate_id)
        return meter

    def _estate(self, actor: Actor, estate_id: UUID, action: str) -> None:
        actor.check("meters:read", None, estate_id)
        actor.require(action, None, estate_id)
        if not lookups.estate_exists(self.deps.event_log, estate_id):
            raise MeterNotFound()

    # ---- meters ------------------------------------------------------------------------

    def install(self, cmd: c.InstallMeter) -> tuple[UUID, int]:
        self._estate(cmd.actor, cmd.estate_id, "meters:manage")
        label: tuple[str | None, str | None] = (None, None)
        if cmd.unit_id is not None:
            label = self._unit_label(cmd.estate_id, cmd.unit_id)
        meter = Meter.install(
            id=self.deps.ids(),
            estate_id=cmd.estate_id,
            unit_id=cmd.unit_id,
            unit_label=" ".join(p for p in label if p) or None,
            area=cmd.area,
            kind=cmd.kind,
            serial=cmd.serial,
            initial_reading=cmd.initial_reading,
            installed_on=cmd.installed_on,
            at=self._now,
        )
        return meter.id, self.deps.event_log.save_and_position(meter)

    def _unit_label(self, estate_id: UUID, unit_id: UUID) -> tuple[str | None, str | None]:
        """(building code, unit number) of the estate's unit; another's is refused."""
        unit = find(self.deps.event_log, unit_id, Unit)
        if unit is None or unit.estate_id != estate_id:
            raise ValidationFailed(f"unit_id: {unit_id} is no unit of this estate")
        building = find(self.deps.event_log, unit.building_id, Building)
        return (building.code if building else None), unit.number

    def replace(self, cmd: c.ReplaceMeter) -> int:
        meter = self._meter(cmd.actor, cmd.meter_id, "meters:manage")
        meter.replace(
            final_reading=cmd.final_reading,
            initial_reading=cmd.initial_reading,
            changed_on=cmd.changed_on,
            reason=cmd.reason,
            new_serial=cmd.new_serial,
            by=cmd.actor.user_id,
            at=self._now,
        )
        return self.deps.event_log.save_and_position(meter)

    # ---- the estate's jump rule ---------------------------------------------------------

    def set_jump_rule(self, cmd: c.SetJumpRule) -> int:
        self._estate(cmd.actor, cmd.estate_id, "meters:manage")
        setting = find(self.deps.event_log, jump_rule_id(cmd.estate_id), EstateJumpRule)
        setting = setting or EstateJumpRule(estate_id=cmd.estate_id, at=self._now)
        setting.change(factor=cmd.factor, window=cmd.window, by=cmd.actor.user_id, at=self._now)
        return self.deps.event_log.save_and_position(setting)

    def _rule(self, estate_id: UUID) -> JumpRule:
        """The estate's jump rule in force (the default until a manager sets one)."""
        setting = find(self.deps.event_log, jump_rule_id(estate_id), EstateJumpRule)
        return setting.rule if setting else DEFAULT_RULE

    # ---- readings ---------------------------------------------------------------------

    def enter(self, cmd: c.EnterReading) -> tuple[UUID, str, int]:
        """Staff enter a reading: (its ID, recorded or held, position)."""
        meter = self._meter(cmd.actor, cmd.meter_id, "meters:record")
        cmd.actor.require(
            "meters:record", None, meter.estate_id, refused="an occupant submits a reading"
        )
        tour: ReadingRound | None = None
        period = cmd.period
        if cmd.round_id is not None:
            tour = self._round(cmd.actor, cmd.round_id, "meters:record")
            if tour.estate_id != meter.estate_id:
                raise ValidationFailed("round_id: the meter is not on this round")
            period = period or tour.period
        source = ReadingSource.ROUND if tour is not None else ReadingSource.DESK
        return self._entered(cmd.actor, meter, cmd.reading, cmd.read_on, period, source, tour)

    def _entered(
        self,
        actor: Actor,
        meter: Meter,
        reading: Any,
        read_on: date,
        period: str | None,
        source: str,
        tour: ReadingRound | None = None,
        photo_ref: str | None = None,
    ) -> tuple[UUID, str, int]:
        reading_id = self.deps.ids()
        period = check_period(period) if period else period_of(read_on)
        status = meter.enter(
            reading_id=reading_id,
            reading=reading,
            read_on=read_on,
            period=period,
            source=source,
            by=actor.user_id,
            round_id=tour.id if tour else None,
            photo_ref=photo_ref,
            rule=self._rule(meter.estate_id),
            at=self._now,
        )
        saved: list[Any] = [meter]
        if tour is not None:
            tour.note(meter.id, reading_id, status, self._now)
            saved.append(tour)
        if status == ReadingStatus.RECORDED:
            saved += self._billed(meter, period, read_on)
        return reading_id, status, self.deps.event_log.save_and_position(*saved)

    def _billed(self, meter: Meter, period: str, read_on: date) -> list[Any]:
        """Finance's readings of the period with the meter's register, for a
        unit's meter of a metered fee item (none for a shared meter)."""
        line = _sheet_line(meter, read_on)
        return [self.sheets.sheet_with(meter.estate_id, period, [line])] if line else []

    def submit(self, cmd: c.SubmitReading) -> tuple[UUID, str, int]:
        """An occupant's reading of their unit's meter, for staff to confirm."""
        meter = self._meter(cmd.actor, cmd.meter_id, "meters:record")
        return self._entered(
            cmd.actor,
            meter,
            cmd.reading,
            cmd.read_on,
            cmd.period,
            ReadingSource.RESIDENT,
            photo_ref=cmd.photo_ref,
        )

    def _staff_meter(self, actor: Actor, meter_id: UUID) -> Meter:
        """The meter, if the actor records readings of its estate (an occupant
        who sees their meter is refused: staff confirm and reject)."""
        meter = self._meter(actor, meter_id, "meters:record")
        actor.require(
            "meters:record", None, meter.estate_id, refused="staff of the estate decide this"
        )
        return meter

    def confirm(self, cmd: c.ConfirmReading) -> int:
        meter = self._staff_meter(cmd.actor, cmd.meter_id)
        found = meter.confirm(cmd.reading_id, cmd.actor.user_id, self._now)
        saved: list[Any] = [meter, *self._billed(meter, found["period"], found["read_on"])]
        if found["round_id"] is not None:
            tour = find(self.deps.event_log, found["round_id"], ReadingRound)
            if tour is not None and not tour.closed:
                tour.note(meter.id, cmd.reading_id, ReadingStatus.RECORDED.value, self._now)
                saved.append(tour)
        return self.deps.event_log.save_and_position(*saved)

    def reject(self, cmd: c.RejectReading) -> int:
        meter = self._staff_meter(cmd.actor, cmd.meter_id)
        meter.reject(cmd.reading_id, cmd.reason, cmd.actor.user_id, self._now)
        return self.deps.event_log.save_and_position(meter)

    def import_readings(
        self, actor: Actor, estate_id: UUID, period: str, read: Callable[[], Table]
    ) -> tuple[int, int, int]:
        """A file of a period's readings: all rows or none. (rows, held, position)."""
        self._estate(actor, estate_id, "meters:record")
        check_period(period)
        table = read()
        self.deps.progress.wait(PROJECTION, self.deps.event_log.head(), WAIT_SECONDS)
        rows = matched_rows(table, self.directory.unit_meters(estate_id))
        meters = self.deps.event_log.load_many([meter_id for _, meter_id, _, _ in rows])
        sheet_lines: list[dict[str, Any]] = []
        held, rule = 0, self._rule(estate_id)
        for number, meter_id, value, read_on in rows:
            meter = meters[meter_id]
            try:
                status = meter.enter(
                    reading_id=self.deps.ids(),
                    reading=value,
                    read_on=read_on,
                    period=period,
                    source=ReadingSource.IMPORT,
                    by=actor.user_id,
                    rule=rule,
                    at=self._now,
                )
            except ValidationFailed as error:
                raise table.refused([_row_error(number, error)]) from None
            if status == ReadingStatus.HELD:
                held += 1
            elif line := _sheet_line(meter, read_on):
                sheet_lines.append(line)
        saved: list[Any] = list(meters.values())
        if sheet_lines:
            saved.append(self.sheets.sheet_with(estate_id, period, sheet_lines))
        return len(rows), held, self.deps.event_log.save_and_position(*saved)

    # ---- rounds -------------------------------------------------------------------------

    def _round(self, actor: Actor, round_id: UUID, action: str) -> ReadingRound:
        tour = load(self.deps.event_log, round_id, ReadingRound, MeterNotFound())
        owner = tour.technician_id
        actor.check("meters:read", owner, tour.estate_id)
        actor.require(action, owner, tour.estate_id)
        return tour

    def plan_round(self, cmd: c.PlanRound) -> tuple[UUID, int]:
        self._estate(cmd.actor, cmd.estate_id, "meters:manage")
        technician = find(self.deps.event_log, cmd.technician_id, User)
        if technician is None or cmd.estate_id not in technician.estates:
            raise ValidationFailed(
                f"technician_id: {cmd.technician_id} does not work on this estate"
            )
        found = self.deps.event_log.load_many(cmd.meter_ids)
        for meter_id in cmd.meter_ids:
            meter = found.get(meter_id)
            if not isinstance(meter, Meter) or meter.estate_id != cmd.estate_id:
                raise ValidationFailed(f"meter_ids: {meter_id} is no meter of this estate")
        tour = ReadingRound.plan(
            id=self.deps.ids(),
            estate_id=cmd.estate_id,
            period=cmd.period,
            technician_id=cmd.technician_id,
            meter_ids=cmd.meter_ids,
            due_on=cmd.due_on,
            by=cmd.actor.user_id,
            at=self._now,
        )
        return tour.id, self.deps.event_log.save_and_position(tour)

    def close_round(self, cmd: c.CloseRound) -> int:
        tour = self._round(cmd.actor, cmd.round_id, "meters:manage")
        tour.close(cmd.actor.user_id, self._now)
        return self.deps.event_log.save_and_position(tour)


def _sheet_line(meter: Meter, read_on: date) -> dict[str, Any] | None:
    """The line of finance's readings a counted reading of ``meter`` gives: its
    register, if it is a unit's meter of a metered fee item (water, electricity,
    gas); a shared meter's usage is apportioned as a shared cost instead."""
    if meter.unit_id is None or meter.kind not in BILLED_METERS:
        return None
    return {
        "unit_id": meter.unit_id,
        "meter": meter.kind,
        "reading": meter.register,
        "read_on": read_on,
    }


def _row_error(number: int, error: ValidationFailed) -> RowError:
    column, _, message = error.detail.partition(": ")
    return RowError(number, column if message else None, message or error.detail)
