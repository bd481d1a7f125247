"""The ``meters`` read model (抄表): meters, their readings, reading rounds.

``meters`` keeps one row per meter (its last reading and register),
``meter_readings`` one per reading entered (recorded, held, submitted,
rejected) and per replacement (its final and initial readings, as the
meter's history shows them), ``meter_rounds`` one per round and
``meter_round_stops`` its meters in route order with what was read, and
``meter_jump_rules`` an estate's jump rule once its manager set one
(decision 0064; an estate without a row holds by the default).
"""

from __future__ import annotations

from typing import Any

from domain.meters.values import AVERAGE_OVER, JUMP_FACTOR, replacement_reading_id
from projections.events import occurred_at
from projections.records import PerAggregate, insert, update

STATUS = {
    "ReadingRecorded": "recorded",
    "ReadingHeld": "held",
    "ReadingSubmitted": "submitted",
}


class MeterRegister(PerAggregate):
    name = "meters"
    aggregates = frozenset({"Meter", "ReadingRound", "EstateJumpRule"})
    tables = ("meters", "meter_readings", "meter_rounds", "meter_round_stops", "meter_jump_rules")
    ddl = (
        """CREATE TABLE IF NOT EXISTS meters (
            meter_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            unit_id uuid,
            unit_label text,
            area text,
            kind text NOT NULL,
            serial text NOT NULL,
            installed_on date NOT NULL,
            initial_reading numeric NOT NULL,
            last_reading numeric NOT NULL,
            last_read_on date NOT NULL,
            cumulative numeric NOT NULL,
            replacements integer NOT NULL DEFAULT 0,
            waiting integer NOT NULL DEFAULT 0,
            installed_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS meters_estate_page "
        "ON meters (estate_id, installed_at, meter_id)",
        "CREATE INDEX IF NOT EXISTS meters_unit_page ON meters (unit_id, installed_at, meter_id)",
        # The unread list: an estate's meters by unit (or area), a page in order.
        "CREATE INDEX IF NOT EXISTS meters_estate_place "
        "ON meters (estate_id, (coalesce(unit_label, area)), meter_id)",
        """CREATE TABLE IF NOT EXISTS meter_readings (
            reading_id uuid PRIMARY KEY,
            meter_id uuid NOT NULL,
            estate_id uuid NOT NULL,
            unit_id uuid,
            kind text NOT NULL,
            period text,
            reading numeric NOT NULL,
            read_on date NOT NULL,
            usage numeric NOT NULL,
            cumulative numeric,
            source text NOT NULL,
            status text NOT NULL,
            note text,
            photo_ref text,
            round_id uuid,
            entered_by uuid,
            decided_by uuid,
            entered_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS meter_readings_estate_page "
        "ON meter_readings (estate_id, entered_at, reading_id)",
        "CREATE INDEX IF NOT EXISTS meter_readings_unit_page "
        "ON meter_readings (unit_id, entered_at, reading_id)",
        "CREATE INDEX IF NOT EXISTS meter_readings_meter "
        "ON meter_readings (meter_id, entered_at, reading_id)",
        # The unread list: which meters have a recorded reading of a period.
        "CREATE INDEX IF NOT EXISTS meter_readings_recorded "
        "ON meter_readings (period, meter_id) WHERE status = 'recorded'",
        """CREATE TABLE IF NOT EXISTS meter_rounds (
            round_id uuid PRIMARY KEY,
            estate_id uuid NOT NULL,
            period text NOT NULL,
            technician_id uuid NOT NULL,
            due_on date NOT NULL,
            status text NOT NULL,
            meter_count integer NOT NULL,
            read_count integer NOT NULL DEFAULT 0,
            held_count integer NOT NULL DEFAULT 0,
            planned_by uuid NOT NULL,
            planned_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS meter_rounds_estate_page "
        "ON meter_rounds (estate_id, planned_at, round_id)",
        "CREATE INDEX IF NOT EXISTS meter_rounds_technician_page "
        "ON meter_rounds (technician_id, planned_at, round_id)",
        """CREATE TABLE IF NOT EXISTS meter_round_stops (
            round_id uuid NOT NULL,
            seq integer NOT NULL,
            meter_id uuid NOT NULL,
            reading_id uuid,
            status text,
            PRIMARY KEY (round_id, seq)
        )""",
        """CREATE TABLE IF NOT EXISTS meter_jump_rules (
            estate_id uuid PRIMARY KEY,
            rule_id uuid NOT NULL UNIQUE,
            factor numeric NOT NULL,
            window_usages integer NOT NULL,
            changed_by uuid,
            updated_at timestamptz NOT NULL,
            position bigint NOT NULL
        )""",
    )

    # ---- the estates' jump rules ----------------------------------------------------------

    def _estatejumprule(self, cur: Any, name: str, event: Any, rule_id: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Opened":
            row = {"estate_id": event.estate_id, "rule_id": rule_id, "updated_at": at}
            insert(
                cur,
                "meter_jump_rules",
                {**row, "factor": JUMP_FACTOR, "window_usages": AVERAGE_OVER, "position": pos},
            )
        elif name == "Changed":
            sets = {"factor": event.factor, "window_usages": event.window}
            update(
                cur, "meter_jump_rules", "rule_id", rule_id,
                {**sets, "changed_by": event.changed_by}, at, pos,
            )  # fmt: skip

    # ---- meters and their readings ----------------------------------------------------

    def _meter(self, cur: Any, name: str, event: Any, mid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Installed":
            insert(
                cur,
                "meters",
                {
                    "meter_id": mid,
                    "estate_id": event.estate_id,
                    "unit_id": event.unit_id,
                    "unit_label": event.unit_label,
                    "area": event.area,
                    "kind": event.kind,
                    "serial": event.serial,
                    "installed_on": event.installed_on,
                    "initial_reading": event.initial_reading,
                    "last_reading": event.initial_reading,
                    "last_read_on": event.installed_on,
                    "cumulative": event.initial_reading,
                    "installed_at": at,
                    "updated_at": at,
                    "position": pos,
                },
            )
        elif name in STATUS:
            self._entered(cur, name, event, mid, at, pos)
        elif name == "ReadingConfirmed":
            self._decided(cur, event, "recorded", None, at, pos)
            self._counted(cur, mid, event.reading, event.read_on, event.register, at, pos, -1)
        elif name == "ReadingRejected":
            self._decided(cur, event, "rejected", event.reason, at, pos)
            update(cur, "meters", "meter_id", mid, {}, at, pos)
            cur.execute("UPDATE meters SET waiting = waiting - 1 WHERE meter_id = %s", [mid])
        elif name == "Replaced":
            self._replaced(cur, event, mid, at, pos)

    def _entered(self, cur: Any, name: str, event: Any, mid: Any, at: Any, pos: int) -> None:
        status = STATUS[name]
        cur.execute(
            "INSERT INTO meter_readings (reading_id, meter_id, estate_id, unit_id, kind, period, "
            "reading, read_on, usage, cumulative, source, status, note, photo_ref, round_id, "
            "entered_by, entered_at, updated_at, position) SELECT %s, m.meter_id, m.estate_id, "
            "m.unit_id, m.kind, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s "
            "FROM meters m WHERE m.meter_id = %s",
            [
                event.reading_id,
                event.period,
                event.reading,
                event.read_on,
                event.usage,
                getattr(event, "register", None),
                event.source,
                status,
                getattr(event, "reason", None),
                getattr(event, "photo_ref", None),
                event.round_id,
                event.by,
                at,
                at,
                pos,
                mid,
            ],
        )
        if status == "recorded":
            self._counted(cur, mid, event.reading, event.read_on, event.register, at, pos, 0)
        else:
            update(cur, "meters", "meter_id", mid, {}, at, pos)
            cur.execute("UPDATE meters SET waiting = waiting + 1 WHERE meter_id = %s", [mid])

    def _counted(
        self, cur: Any, mid: Any, reading: Any, read_on: Any, register: Any, at: Any, pos: int,
        waiting: int,
    ) -> None:  # fmt: skip
        sets = {"last_reading": reading, "last_read_on": read_on, "cumulative": register}
        update(cur, "meters", "meter_id", mid, sets, at, pos)
        if waiting:
            cur.execute(
                "UPDATE meters SET waiting = waiting + %s WHERE meter_id = %s", [waiting, mid]
            )

    def _decided(self, cur: Any, event: Any, status: str, note: Any, at: Any, pos: int) -> None:
        sets: dict[str, Any] = {"status": status, "decided_by": event.by}
        if note is not None:
            sets["note"] = note
        if status == "recorded":
            sets.update(usage=event.usage, cumulative=event.register)
        update(cur, "meter_readings", "reading_id", event.reading_id, sets, at, pos)

    def _replaced(self, cur: Any, event: Any, mid: Any, at: Any, pos: int) -> None:
        version = event.originator_version
        note = f"{event.reason}: serial {event.serial}"
        for which, reading, usage, register in (
            ("final", event.final_reading, event.usage, event.register),
            ("initial", event.initial_reading, 0, event.register),
        ):
            cur.execute(
                "INSERT INTO meter_readings (reading_id, meter_id, estate_id, unit_id, kind, "
                "reading, read_on, usage, cumulative, source, status, note, entered_by, "
                "entered_at, updated_at, position) SELECT %s, m.meter_id, m.estate_id, "
                "m.unit_id, m.kind, %s, %s, %s, %s, %s, 'recorded', %s, %s, %s, %s, %s "
                "FROM meters m WHERE m.meter_id = %s",
                [
                    replacement_reading_id(mid, version, which),
                    reading,
                    event.changed_on,
                    usage,
                    register,
                    f"replacement_{which}",
                    note,
                    event.by,
                    at,
                    at,
                    pos,
                    mid,
                ],
            )
        sets = {
            "serial": event.serial,
            "last_reading": event.initial_reading,
            "last_read_on": event.changed_on,
            "cumulative": event.register,
        }
        update(cur, "meters", "meter_id", mid, sets, at, pos)
        cur.execute("UPDATE meters SET replacements = replacements + 1 WHERE meter_id = %s", [mid])

    # ---- rounds ---------------------------------------------------------------------------

    def _readinground(self, cur: Any, name: str, event: Any, rid: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Planned":
            insert(
                cur,
                "meter_rounds",
                {
                    "round_id": rid,
                    "estate_id": event.estate_id,
                    "period": event.period,
                    "technician_id": event.technician_id,
                    "due_on": event.due_on,
                    "status": "open",
                    "meter_count": len(event.meter_ids),
                    "planned_by": event.by,
                    "planned_at": at,
                    "updated_at": at,
                    "position": pos,
                },
            )
            for seq, meter_id in enumerate(event.meter_ids, start=1):
                insert(
                    cur, "meter_round_stops", {"round_id": rid, "seq": seq, "meter_id": meter_id}
                )
        elif name == "MeterRead":
            cur.execute(
                "UPDATE meter_round_stops SET reading_id = %s, status = %s "
                "WHERE round_id = %s AND meter_id = %s",
                [event.reading_id, event.status, rid, event.meter_id],
            )
            update(cur, "meter_rounds", "round_id", rid, {}, at, pos)
            cur.execute(
                "UPDATE meter_rounds r SET "
                "read_count = (SELECT count(*) FROM meter_round_stops s "
                "WHERE s.round_id = r.round_id AND s.status = 'recorded'), "
                "held_count = (SELECT count(*) FROM meter_round_stops s "
                "WHERE s.round_id = r.round_id AND s.status = 'held') WHERE r.round_id = %s",
                [rid],
            )
        elif name == "Closed":
            update(cur, "meter_rounds", "round_id", rid, {"status": "closed"}, at, pos)
