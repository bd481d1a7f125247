"""The demo's equipment, its telemetry and the alarms it raises."""

from __future__ import annotations

from datetime import date, timedelta

from application.equipment.commands import (
    ChangeStatus,
    HandleAlarm,
    OpenAlarmWorkOrder,
    RegisterEquipment,
)
from domain.equipment.rules import Metric, Reading
from domain.registry.ids import building_id_for
from interfaces.cli.demo.base import LoaderBase
from interfaces.cli.demo.cast import BUILDINGS


class EquipmentDemo(LoaderBase):
    # ---- equipment, telemetry, alarms ---------------------------------------------

    def equipment_and_alarms(self) -> None:
        eq = self.c.equipment
        b = {code: building_id_for(self.estate_id, code) for code, _, _ in BUILDINGS}
        catalogue: tuple[tuple[str, str, str, str, str | None, date, str, str], ...] = (
            # key, kind, name, model, building, installed, vendor, location
            (
                "lift-a1",
                "elevator",
                "Tower A lift 1",
                "Gen2 MR",
                "A",
                date(2012, 5, 10),
                "Otis",
                "Tower A core, car 1",
            ),
            (
                "lift-a2",
                "elevator",
                "Tower A lift 2",
                "Gen2 MR",
                "A",
                date(2012, 5, 10),
                "Otis",
                "Tower A core, car 2",
            ),
            (
                "lift-b1",
                "elevator",
                "Tower B lift 1",
                "MonoSpace 500",
                "B",
                date(2016, 9, 1),
                "KONE",
                "Tower B core, car 1",
            ),
            (
                "lift-b2",
                "elevator",
                "Tower B lift 2",
                "MonoSpace 500",
                "B",
                date(2016, 9, 1),
                "KONE",
                "Tower B core, car 2",
            ),
            (
                "lift-c1",
                "elevator",
                "Podium C lift",
                "3300",
                "C",
                date(2019, 11, 20),
                "Schindler",
                "Podium C lobby",
            ),
            (
                "fire",
                "fire_system",
                "Fire alarm control panel",
                "FX-3NET",
                "C",
                date(2012, 4, 1),
                "Notifier",
                "Security room, Podium C ground floor",
            ),
            (
                "pump-1",
                "pump",
                "Booster pump 1",
                "CR 45",
                None,
                date(2012, 3, 15),
                "Grundfos",
                "Basement B2 pump room",
            ),
            (
                "pump-2",
                "pump",
                "Booster pump 2",
                "CR 45",
                None,
                date(2020, 6, 1),
                "Grundfos",
                "Basement B2 pump room",
            ),
            (
                "meter-main",
                "meter",
                "Main power meter",
                "DTSD341",
                None,
                date(2018, 1, 8),
                "Chint",
                "Substation",
            ),
            (
                "meter-b",
                "meter",
                "Tower B power meter",
                "DTSD341",
                "B",
                date(2021, 3, 2),
                "Chint",
                "Tower B switch room",
            ),
            (
                "hvac-c",
                "hvac",
                "Podium C air handler",
                "AHU-39",
                "C",
                date(2019, 7, 1),
                "Carrier",
                "Podium C roof",
            ),
        )
        for key, kind, name, model, building, installed, vendor, location in catalogue:
            self.equipment[key], _ = eq.register(
                RegisterEquipment(
                    self.actor("hvg.manager"),
                    estate_id=self.estate_id,
                    kind=kind,
                    name=name,
                    model=model,
                    serial_number=f"HVG-{key.upper()}-{installed.year}",
                    location=location,
                    building_id=b[building] if building else None,
                    installed_on=installed,
                    vendor=vendor,
                    warranty_until=installed.replace(year=installed.year + 5),
                )
            )
        self.count("equipment", len(catalogue))

        now = self.now
        readings: list[Reading] = []
        # Normal operation: energy, temperatures and pressures over the last hours.
        for hours_ago in range(6, 0, -1):
            at = now - timedelta(hours=hours_ago, minutes=7)
            for key in ("lift-a1", "lift-b2", "lift-c1"):
                readings.append(self.reading(key, at, Metric.ENERGY, "3.2"))
                readings.append(self.reading(key, at, Metric.TEMPERATURE, "27.5"))
            readings.append(self.reading("pump-2", at, Metric.WATER_PRESSURE, "0.62"))
            readings.append(self.reading("pump-2", at, Metric.LEVEL, "71"))
            readings.append(self.reading("meter-b", at, Metric.ENERGY, "41.7"))
            readings.append(self.reading("meter-b", at, Metric.VOLTAGE, "226"))
            readings.append(self.reading("hvac-c", at, Metric.TEMPERATURE, "24.1"))
            readings.append(self.reading("fire", at, Metric.WATER_PRESSURE, "0.45"))
        for key in ("lift-a1", "lift-a2", "lift-b1", "lift-b2", "lift-c1"):
            readings.append(self.state(key, now - timedelta(hours=6, minutes=30), "idle"))
        self.ingest(readings)

        # Escalated: booster pump 1 over pressure two hours ago, nobody looked.
        self.alarms["pump_pressure"] = self.ingest(
            [self.reading("pump-1", now - timedelta(hours=2), Metric.WATER_PRESSURE, "1.32")]
        )[0]
        # Acknowledged: a fault on the fire panel, still active.
        self.alarms["fire_fault"] = self.ingest(
            [self.state("fire", now - timedelta(minutes=40), "fault")]
        )[0]
        with self.as_user("hvg.tech.li"):
            eq.acknowledge(HandleAlarm(self.actor("hvg.tech.li"), self.alarms["fire_fault"]))
        # Cleared: the main meter's voltage dipped and came back, then acknowledged.
        self.alarms["meter_voltage"] = self.ingest(
            [self.reading("meter-main", now - timedelta(hours=5), Metric.VOLTAGE, "251")]
        )[0]
        self.ingest([self.reading("meter-main", now - timedelta(hours=4), Metric.VOLTAGE, "229")])
        with self.as_user("hvg.tech.li"):
            eq.acknowledge(HandleAlarm(self.actor("hvg.tech.li"), self.alarms["meter_voltage"]))
        # Cleared by the readings: a trapped passenger, freed, acknowledged on site.
        self.alarms["lift_trapped"] = self.ingest(
            [self.state("lift-b1", now - timedelta(hours=3), "trapped_passenger")]
        )[0]
        with self.as_user("hvg.tech.zhao"):
            eq.acknowledge(HandleAlarm(self.actor("hvg.tech.zhao"), self.alarms["lift_trapped"]))
        self.ingest([self.state("lift-b1", now - timedelta(hours=2, minutes=45), "idle")])
        # Opened a work order: Tower A lift 2 moved with its door open; out of service.
        self.alarms["lift_door"] = self.ingest(
            [self.state("lift-a2", now - timedelta(minutes=25), "door_open_while_moving")]
        )[0]
        with self.as_user("hvg.manager"):
            manager = self.actor("hvg.manager")
            eq.acknowledge(HandleAlarm(manager, self.alarms["lift_door"]))
            self.orders["alarm"], _ = eq.open_work_order(
                OpenAlarmWorkOrder(
                    manager,
                    self.alarms["lift_door"],
                    title="Tower A lift 2: door open while moving",
                    description="Car moved with the landing door open at 12F. Lift taken out of "
                    "service; inspect the door lock and controller.",
                )
            )
            eq.change_status(
                ChangeStatus(
                    manager,
                    self.equipment["lift-a2"],
                    "out_of_service",
                    "door fault, awaiting repair",
                )
            )
        # Open: the podium air handler is running warm (a warning, 4 h to escalate).
        self.alarms["hvac_warm"] = self.ingest(
            [self.reading("hvac-c", now - timedelta(minutes=2), Metric.TEMPERATURE, "36.5")]
        )[0]
        self.count("alarms", len(self.alarms))
