"""Meter handlers on the in-memory log: who may act, what each command saves,
and that a recorded reading reaches finance's readings in the same append,
so billing's usage follows, across a replacement too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from uuid import UUID, uuid4

import pytest

from application.actor import Actor
from application.errors import Forbidden, NotFound
from application.finance.rates.sheets import ReadingSheets
from application.meters import commands as c
from application.meters.ports import MeterEntry
from application.meters.service import MeterService
from application.registry.importing import ImportRejected
from domain.errors import ValidationFailed
from domain.finance.rates import MeterReadings
from domain.identity.policy import Role
from domain.meters.meter import Meter
from domain.meters.round import ReadingRound
from domain.registry.places import Building, Estate
from domain.registry.unit import Unit
from interfaces.importfiles import read_table
from tests.support.actors import actor, registered
from tests.support.memory import MemoryEventLog, NoRegistry, memory_deps

NOW = datetime(2026, 3, 5, 8, tzinfo=UTC)


class LogDirectory:
    """The meters read model's answer, from the log itself (no database here)."""

    def __init__(self, log: MemoryEventLog) -> None:
        self.log = log

    def unit_meters(self, estate_id: UUID) -> list[MeterEntry]:
        found = []
        for event in self.log.domain_events():
            if type(event).__name__ == "Installed" and event.estate_id == estate_id:
                building, _, number = (event.unit_label or "").rpartition(" ")
                found.append(
                    MeterEntry(event.originator_id, event.unit_id, number, building, event.kind)
                )
        return found


@dataclass
class World:
    meters: MeterService
    log: MemoryEventLog
    estate: UUID
    unit: UUID
    manager: Actor
    technician: Actor
    resident: Actor
    neighbour: Actor
    stranger: Actor

    def install(self, kind: str = "water", initial: str = "100") -> UUID:
        cmd = c.InstallMeter(
            self.manager, self.estate, kind, f"S-{uuid4().hex[:6]}", Decimal(initial),
            date(2026, 1, 1), unit_id=self.unit,
        )  # fmt: skip
        meter_id, _ = self.meters.install(cmd)
        return meter_id

    def enter(self, meter_id: UUID, value: str, on: date, **more: object) -> tuple[UUID, str]:
        cmd = c.EnterReading(self.technician, meter_id, Decimal(value), on, **more)  # type: ignore[arg-type]
        reading_id, status, _ = self.meters.enter(cmd)
        return reading_id, status

    def billed(self, period: str, kind: str = "water") -> Decimal | None:
        sheet = ReadingSheets(self.meters.deps).readings(self.estate, period)
        return sheet.latest(self.unit, kind) if sheet else None

    def refused(self, error: type[Exception], command: partial[object]) -> None:
        head = self.log.head()
        with pytest.raises(error):
            command()
        assert self.log.head() == head


@pytest.fixture
def w() -> World:
    deps = memory_deps(now=NOW)
    log = deps.event_log
    assert isinstance(log, MemoryEventLog) and isinstance(deps.registry, NoRegistry)
    estate, other = Estate.register("A1", "A", "-"), Estate.register("B1", "B", "-")
    building = Building.register(estate.id, "B1")
    unit = Unit.register(estate.id, building.id, "101", 1, "80", "70", "residential")
    log.save_and_position(estate, other, building, unit)
    resident, neighbour = actor(Role.OWNER), actor(Role.OWNER)
    deps.registry.homes[resident.user_id] = [(estate.id, unit.id)]
    deps.registry.homes[neighbour.user_id] = [(estate.id, uuid4())]
    return World(
        meters=MeterService(deps, LogDirectory(log)),
        log=log,
        estate=estate.id,
        unit=unit.id,
        manager=registered(log, "manager", Role.PROPERTY_MANAGER, estate.id),
        technician=registered(log, "tech", Role.TECHNICIAN, estate.id),
        resident=resident,
        neighbour=neighbour,
        stranger=registered(log, "elsewhere", Role.PROPERTY_MANAGER, other.id),
    )


def test_a_recorded_reading_reaches_finance_in_the_same_append(w: World) -> None:
    meter_id = w.install()
    head = w.log.head()
    _, status = w.enter(meter_id, "112", date(2026, 3, 1))
    assert status == "recorded"
    saved = {type(e).__qualname__ for e in w.log.domain_events()[head:]}
    assert saved == {
        "Meter.ReadingRecorded",
        "MeterReadings.Opened",
        "MeterReadings.ReadingsRecorded",
    }
    assert w.billed("2026-03") == Decimal(112)


def test_usage_billed_across_a_replacement_is_final_minus_last_plus_new_minus_initial(
    w: World,
) -> None:
    meter_id = w.install(initial="100")
    w.enter(meter_id, "150", date(2026, 2, 1))  # January's period has 150
    w.meters.replace(
        c.ReplaceMeter(w.manager, meter_id, Decimal(170), Decimal(3), date(2026, 2, 15),
                       "replaced", "S-NEW")
    )  # fmt: skip
    w.enter(meter_id, "13", date(2026, 3, 1))  # 20 on the old meter + 10 on the new
    assert w.billed("2026-02") == Decimal(150) and w.billed("2026-03") == Decimal(180)


def test_a_jump_is_held_out_of_billing_until_staff_confirm_it(w: World) -> None:
    meter_id = w.install(initial="0")
    w.enter(meter_id, "10", date(2026, 1, 20))
    held, status = w.enter(meter_id, "60", date(2026, 2, 20))
    assert status == "held" and w.billed("2026-02") is None
    w.refused(Forbidden, partial(w.meters.confirm, c.ConfirmReading(w.resident, meter_id, held)))
    w.meters.confirm(c.ConfirmReading(w.technician, meter_id, held))
    assert w.billed("2026-02") == Decimal(60)


def test_a_resident_submits_for_their_own_units_meter_only(w: World) -> None:
    meter_id = w.install()
    submit = partial(
        c.SubmitReading, meter_id=meter_id, reading=Decimal(104), read_on=date(2026, 3, 1),
        period="2026-03", photo_ref="up/101.jpg",
    )  # fmt: skip
    w.refused(NotFound, partial(w.meters.submit, submit(actor=w.neighbour)))
    reading_id, status, _ = w.meters.submit(submit(actor=w.resident))
    assert status == "submitted" and w.billed("2026-03") is None
    w.refused(
        Forbidden,
        partial(
            w.meters.enter, c.EnterReading(w.resident, meter_id, Decimal(105), date(2026, 3, 2))
        ),
    )
    w.meters.confirm(c.ConfirmReading(w.technician, meter_id, reading_id))
    assert w.billed("2026-03") == Decimal(104)


def test_another_estates_staff_find_no_meter(w: World) -> None:
    meter_id = w.install()
    cmd = c.EnterReading(w.stranger, meter_id, Decimal(120), date(2026, 3, 1))
    w.refused(NotFound, partial(w.meters.enter, cmd))
    install = c.InstallMeter(
        w.stranger, w.estate, "gas", "G-1", Decimal(0), date(2026, 1, 1), unit_id=w.unit
    )
    w.refused(NotFound, partial(w.meters.install, install))


def test_a_shared_meter_is_read_but_not_billed_per_unit(w: World) -> None:
    shared, _ = w.meters.install(
        c.InstallMeter(w.manager, w.estate, "electricity", "E-LIFT", Decimal(0),
                       date(2026, 1, 1), area="Lifts, block 1")
    )  # fmt: skip
    head = w.log.head()
    w.enter(shared, "800", date(2026, 3, 1))
    saved = {type(e).__qualname__ for e in w.log.domain_events()[head:]}
    assert saved == {"Meter.ReadingRecorded"}


def test_a_counted_gas_reading_reaches_finance_as_water_and_electricity_do(w: World) -> None:
    gas = w.install(kind="gas", initial="0")
    w.enter(gas, "12", date(2026, 2, 1))
    w.enter(gas, "14", date(2026, 3, 1))
    reading_id, status = w.enter(gas, "60", date(2026, 3, 2))  # 46 after 12 and 2: a jump
    assert status == "held" and w.billed("2026-03", "gas") == Decimal(14)
    w.meters.confirm(c.ConfirmReading(w.technician, gas, reading_id))
    assert w.billed("2026-02", "gas") == Decimal(12) and w.billed("2026-03", "gas") == Decimal(60)
    assert w.billed("2026-03", "water") is None


def test_a_round_notes_what_its_technician_read(w: World) -> None:
    first, second = w.install(), w.install(kind="electricity")
    round_id, _ = w.meters.plan_round(
        c.PlanRound(w.manager, w.estate, "2026-02", w.technician.user_id, [second, first],
                    date(2026, 3, 3))
    )  # fmt: skip
    w.enter(first, "120", date(2026, 3, 1), round_id=round_id)
    tour = w.log.repository.get(round_id)
    assert isinstance(tour, ReadingRound) and tour.read == {str(first): "recorded"}
    assert w.billed("2026-02") == Decimal(120)  # the round's period
    bad = c.PlanRound(w.manager, w.estate, "2026-02", w.stranger.user_id, [first], date(2026, 3, 3))
    w.refused(ValidationFailed, partial(w.meters.plan_round, bad))


GBK_FILE = (
    "房号,表类型,读数,抄表日期\n101,水表,130.5,2026-03-02\n101,电表,2210,2026-03-02\n"
    "101,燃气表,33.25,2026-03-02\n"
)


def test_an_import_in_gbk_with_chinese_headers_records_every_row_or_none(w: World) -> None:
    water, power = w.install(), w.install(kind="electricity", initial="2000")
    w.install(kind="gas", initial="30")
    content = GBK_FILE.encode("gb18030")
    rows, held, _ = w.meters.import_readings(
        w.technician, w.estate, "2026-03", partial(read_table, content, "csv")
    )
    assert (rows, held) == (3, 0) and w.billed("2026-03") == Decimal("130.5")
    assert w.billed("2026-03", "gas") == Decimal("33.25")
    assert isinstance(meter := w.log.repository.get(power), Meter) and meter.last == Decimal(2210)
    assert isinstance(w.log.repository.get(water), Meter)
    again = "房号,表类型,读数,抄表日期\n101,水表,131,2026-03-03\n999,水表,1,2026-03-03\n"
    head = w.log.head()
    with pytest.raises(ImportRejected) as refused:
        w.meters.import_readings(
            w.technician, w.estate, "2026-03", partial(read_table, again.encode("gb18030"), "csv")
        )
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "房号")]
    assert w.log.head() == head
    sheet = ReadingSheets(w.meters.deps).readings(w.estate, "2026-03")
    assert isinstance(sheet, MeterReadings)


def test_a_manager_sets_the_estates_jump_rule_and_readings_are_held_by_it(w: World) -> None:
    meter_id = w.install()
    w.enter(meter_id, "110", date(2026, 1, 10))  # 10 used
    assert w.enter(meter_id, "135", date(2026, 1, 20))[1] == "recorded"  # 25: not 3 x 10
    w.meters.set_jump_rule(c.SetJumpRule(w.manager, w.estate, Decimal("1.5"), 2))
    _, status = w.enter(meter_id, "162", date(2026, 2, 1))  # 27 > 1.5 x 17.5
    assert status == "held"
    [held] = [e for e in w.log.domain_events() if type(e).__name__ == "ReadingHeld"]
    assert "above 1.5 times (the estate's jump factor)" in held.reason
    assert "over its last 2 usages" in held.reason


def test_only_the_estates_manager_sets_its_jump_rule_and_only_a_sane_one(w: World) -> None:
    rule = partial(c.SetJumpRule, estate_id=w.estate, window=6)
    w.refused(Forbidden, partial(w.meters.set_jump_rule, rule(w.technician, factor=Decimal(4))))
    w.refused(NotFound, partial(w.meters.set_jump_rule, rule(w.stranger, factor=Decimal(4))))
    for factor, window in ((Decimal(1), 6), (Decimal("20.01"), 6), (Decimal("2.555"), 6),
                           (Decimal(4), 0), (Decimal(4), 13)):  # fmt: skip
        bad = c.SetJumpRule(w.manager, w.estate, factor, window)
        w.refused(ValidationFailed, partial(w.meters.set_jump_rule, bad))
