"""Equipment kinds, metrics and the built-in threshold rules (R4.3); severities
are a spec table of their own (``domain/equipment/severity.py``).

A rule turns one reading into "this condition is now active" or "now normal".
Numeric rules have a band (low/high) and a dead band so a value hovering at
the limit does not flap; state rules name the device state codes that are
alarms for a kind. Rules are code, not events: a change of defaults changes
future decisions only, because every decision taken is itself an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from domain.equipment.severity import Severity


class EquipmentKind(StrEnum):
    ELEVATOR = "elevator"
    ESCALATOR = "escalator"
    FIRE_SYSTEM = "fire_system"
    PUMP = "pump"
    METER = "meter"
    HVAC = "hvac"
    GENERATOR = "generator"
    TRANSFORMER = "transformer"
    GATE = "gate"
    DOOR = "door"  # a door's access controller (门禁), issue 17
    CAMERA = "camera"
    OTHER = "other"


class Metric(StrEnum):
    """What a reading measures. Units: °C, %RH, V, A, kWh (consumed since the
    previous reading), MPa, % of tank, m/s; ``state`` carries a state code."""

    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    VOLTAGE = "voltage"
    CURRENT = "current"
    ENERGY = "energy"
    WATER_PRESSURE = "water_pressure"
    LEVEL = "level"
    SPEED = "speed"
    STATE = "state"


@dataclass(frozen=True)
class Reading:
    """One telemetry reading: a number for a metric, or a state code."""

    equipment_id: UUID
    at: datetime
    metric: Metric
    value: Decimal | None = None
    state: str | None = None


@dataclass(frozen=True)
class ThresholdRule:
    """A numeric band: outside [low, high] the condition ``code`` is active; it
    ends once the value is back inside the band by at least ``dead_band``."""

    metric: Metric
    code: str
    severity: Severity
    low: Decimal | None = None
    high: Decimal | None = None
    dead_band: Decimal = Decimal(0)

    def breached(self, value: Decimal) -> bool:
        return (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        )

    def normal(self, value: Decimal) -> bool:
        return (self.low is None or value >= self.low + self.dead_band) and (
            self.high is None or value <= self.high - self.dead_band
        )

    def describe(self, value: Decimal) -> str:
        if self.high is not None and value > self.high:
            return f"{self.metric} {value} above {self.high}"
        return f"{self.metric} {value} below {self.low}"


@dataclass(frozen=True)
class KindRules:
    thresholds: tuple[ThresholdRule, ...] = ()
    # state code -> severity; any other state code is a normal operating state
    alarm_states: tuple[tuple[str, Severity], ...] = ()

    def state_severity(self, state: str) -> Severity | None:
        return dict(self.alarm_states).get(state)

    def for_metric(self, metric: Metric) -> tuple[ThresholdRule, ...]:
        return tuple(r for r in self.thresholds if r.metric == metric)


def _d(text: str) -> Decimal:
    return Decimal(text)


C, MA, MI, W = Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.WARNING

DEFAULT_RULES: dict[EquipmentKind, KindRules] = {
    EquipmentKind.ELEVATOR: KindRules(
        thresholds=(
            ThresholdRule(
                Metric.TEMPERATURE, "machine_room_hot", MI, high=_d("40"), dead_band=_d("2")
            ),
        ),
        alarm_states=(
            ("trapped_passenger", C),
            ("door_open_while_moving", C),
            ("overspeed", C),
            ("power_loss", MA),
            ("offline", MA),
        ),
    ),
    EquipmentKind.ESCALATOR: KindRules(
        alarm_states=(("emergency_stop", MA), ("fault", MA), ("offline", MI)),
    ),
    EquipmentKind.FIRE_SYSTEM: KindRules(
        thresholds=(
            ThresholdRule(
                Metric.WATER_PRESSURE, "low_pressure", MA, low=_d("0.20"), dead_band=_d("0.02")
            ),
        ),
        alarm_states=(("fire", C), ("fault", MA), ("supervisory", MI), ("offline", MA)),
    ),
    EquipmentKind.PUMP: KindRules(
        thresholds=(
            ThresholdRule(
                Metric.WATER_PRESSURE,
                "pressure",
                MA,
                low=_d("0.15"),
                high=_d("1.00"),
                dead_band=_d("0.02"),
            ),
            ThresholdRule(
                Metric.LEVEL, "level", MA, low=_d("10"), high=_d("95"), dead_band=_d("2")
            ),
            ThresholdRule(Metric.TEMPERATURE, "overheat", MI, high=_d("80"), dead_band=_d("3")),
        ),
        alarm_states=(("trip", MA), ("offline", MI)),
    ),
    EquipmentKind.METER: KindRules(
        thresholds=(
            ThresholdRule(
                Metric.VOLTAGE, "voltage", MI, low=_d("198"), high=_d("242"), dead_band=_d("2")
            ),
        ),
        alarm_states=(("offline", W), ("tamper", MA)),
    ),
    EquipmentKind.HVAC: KindRules(
        thresholds=(
            ThresholdRule(
                Metric.TEMPERATURE, "temperature_high", W, high=_d("35"), dead_band=_d("1")
            ),
            ThresholdRule(Metric.HUMIDITY, "humidity_high", W, high=_d("80"), dead_band=_d("3")),
        ),
        alarm_states=(("fault", MI), ("offline", W)),
    ),
    EquipmentKind.GENERATOR: KindRules(
        thresholds=(
            ThresholdRule(
                Metric.VOLTAGE, "voltage", MA, low=_d("360"), high=_d("440"), dead_band=_d("4")
            ),
            ThresholdRule(Metric.LEVEL, "fuel_low", MA, low=_d("20"), dead_band=_d("2")),
        ),
        alarm_states=(("fault", MA), ("offline", MI)),
    ),
    EquipmentKind.TRANSFORMER: KindRules(
        thresholds=(
            ThresholdRule(Metric.TEMPERATURE, "overheat", MA, high=_d("85"), dead_band=_d("3")),
            ThresholdRule(Metric.HUMIDITY, "humidity_high", MI, high=_d("85"), dead_band=_d("3")),
        ),
        alarm_states=(("fault", MA), ("offline", MI)),
    ),
    EquipmentKind.GATE: KindRules(
        alarm_states=(("forced_open", MA), ("held_open", MI), ("fault", MI), ("offline", W))
    ),
    EquipmentKind.DOOR: KindRules(
        alarm_states=(("forced_open", MA), ("held_open", MI), ("fault", MI), ("offline", W))
    ),
    EquipmentKind.CAMERA: KindRules(alarm_states=(("offline", W), ("tamper", MI))),
    EquipmentKind.OTHER: KindRules(alarm_states=(("fault", MI), ("offline", W))),
}


def rules_for(kind: str) -> KindRules:
    return DEFAULT_RULES.get(EquipmentKind(kind), KindRules())
