"""The car park's read model (projection ``parking``).

``parking_car_parks`` one row per estate's car park with its tariff's
versions; ``parking_vehicles`` one row per plate known at an estate (its
unit, the blocklist, the entries refused, the session it is in);
``parking_passes`` one row per monthly pass; ``parking_sessions`` one row per
temporary parking session, from entry to leaving; ``parking_exceptions``
one row per thing the guard must answer for on the day (Beijing time): an
exit the barrier refused for want of an entry, a car let out without one, a
session released, an entry the blocklist refused. The queries are in
``projections/parking/queries.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.parking.tariff import LOCAL
from domain.parking.vehicle import add_months
from projections.events import occurred_at, to_json
from projections.records import PerAggregate, insert, update

DDL = (
    """CREATE TABLE IF NOT EXISTS parking_car_parks (
        car_park_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL UNIQUE,
        temporary_spaces integer NOT NULL,
        tariffs jsonb NOT NULL,
        opened_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        position bigint NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS parking_vehicles (
        vehicle_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        plate text NOT NULL,
        unit_id uuid,
        blocked boolean NOT NULL DEFAULT false,
        blocked_reason text,
        refusals integer NOT NULL DEFAULT 0,
        last_refused_at timestamptz,
        session_id uuid,
        recorded_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        position bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS parking_vehicles_estate_page "
    "ON parking_vehicles (estate_id, plate, vehicle_id)",
    "CREATE INDEX IF NOT EXISTS parking_vehicles_unit ON parking_vehicles (unit_id, plate)",
    """CREATE TABLE IF NOT EXISTS parking_passes (
        pass_id uuid PRIMARY KEY,
        vehicle_id uuid NOT NULL,
        estate_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        plate text NOT NULL,
        space_id uuid,
        starts_on date NOT NULL,
        ends_on date,
        billing text NOT NULL,
        months integer,
        amount numeric,
        currency text NOT NULL,
        method text,
        reference text,
        status text NOT NULL,
        issued_at timestamptz NOT NULL,
        cancelled_at timestamptz,
        deferred boolean NOT NULL DEFAULT false,
        recognised_months integer,
        next_due_on date,
        updated_at timestamptz NOT NULL,
        position bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS parking_passes_due ON parking_passes (next_due_on) "
    "WHERE next_due_on IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS parking_passes_vehicle ON parking_passes (vehicle_id, starts_on)",
    """CREATE TABLE IF NOT EXISTS parking_sessions (
        session_id uuid PRIMARY KEY,
        estate_id uuid NOT NULL,
        vehicle_id uuid NOT NULL,
        plate text NOT NULL,
        unit_id uuid,
        pass_id uuid,
        tariff_version integer NOT NULL,
        entry_gate text NOT NULL,
        entered_at timestamptz NOT NULL,
        exit_gate text,
        exited_at timestamptz,
        minutes integer,
        fee numeric,
        currency text NOT NULL,
        status text NOT NULL,
        method text,
        reference text,
        paid_at timestamptz,
        left_at timestamptz,
        released_by uuid,
        release_reason text,
        entry_recorded boolean NOT NULL DEFAULT true,
        exit_charge text,
        paid_amount numeric NOT NULL DEFAULT 0,
        overstays integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL,
        position bigint NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS parking_exceptions (
        position bigint PRIMARY KEY,
        estate_id uuid NOT NULL,
        day date NOT NULL,
        at timestamptz NOT NULL,
        kind text NOT NULL,
        plate text NOT NULL,
        vehicle_id uuid NOT NULL,
        session_id uuid,
        gate text,
        reason text,
        by uuid,
        fee numeric,
        currency text
    )""",
    "CREATE INDEX IF NOT EXISTS parking_exceptions_day "
    "ON parking_exceptions (estate_id, day, position)",
    # An estate's page, newest entry first (the list's keyset), and the cars inside.
    "CREATE INDEX IF NOT EXISTS parking_sessions_estate_page "
    "ON parking_sessions (estate_id, entered_at, session_id)",
    "CREATE INDEX IF NOT EXISTS parking_sessions_unit_page "
    "ON parking_sessions (unit_id, entered_at, session_id)",
    "CREATE INDEX IF NOT EXISTS parking_sessions_inside ON parking_sessions (estate_id) "
    "WHERE status <> 'left'",
)

_SESSION_STEPS = {
    "Exited": "awaiting_payment",
    "Paid": "paid",
    "Left": "left",
    "Released": "left",
    "Overstayed": "awaiting_payment",
}


class ParkingReadModel(PerAggregate):
    name = "parking"
    aggregates = frozenset({"CarPark", "Vehicle", "ParkingSession"})
    version = 2  # 2: prepaid months, grace and exits without entry, the exceptions (0063)
    tables = (
        "parking_car_parks",
        "parking_vehicles",
        "parking_passes",
        "parking_sessions",
        "parking_exceptions",
    )
    ddl = DDL

    def _carpark(self, cur: Any, name: str, event: Any, record_id: Any, pos: int) -> None:
        at = occurred_at(event)
        if name == "Opened":
            first = {"version": 1, "effective_from": event.at, "tariff": event.tariff}
            insert(
                cur,
                "parking_car_parks",
                {
                    "car_park_id": record_id,
                    "estate_id": event.estate_id,
                    "temporary_spaces": event.temporary_spaces,
                    "tariffs": to_json([first]),
                    "opened_at": at,
                    "updated_at": at,
                    "position": pos,
                },
                tail=" ON CONFLICT (car_park_id) DO NOTHING",
            )
        elif name == "TariffChanged":
            version = {
                "version": event.version,
                "effective_from": event.effective_from,
                "tariff": event.tariff,
            }
            cur.execute(
                "UPDATE parking_car_parks SET tariffs = tariffs || %s::jsonb, updated_at = %s, "
                "position = %s WHERE car_park_id = %s",
                [to_json([version]), at, pos, record_id],
            )
        elif name == "TemporarySpacesChanged":
            sets = {"temporary_spaces": event.temporary_spaces}
            update(cur, "parking_car_parks", "car_park_id", record_id, sets, at, pos)

    def _vehicle(self, cur: Any, name: str, event: Any, record_id: Any, pos: int) -> None:
        at = occurred_at(event)
        table, key = "parking_vehicles", "vehicle_id"
        if name == "Recorded":
            row = {"vehicle_id": record_id, "estate_id": event.estate_id, "plate": event.plate}
            insert(
                cur,
                table,
                row
                | {"unit_id": event.unit_id, "recorded_at": at, "updated_at": at}
                | {"position": pos},
                tail=" ON CONFLICT (vehicle_id) DO NOTHING",
            )
        elif name == "RegisteredToUnit":
            update(cur, table, key, record_id, {"unit_id": event.unit_id}, at, pos)
        elif name == "Blocked":
            sets = {"blocked": True, "blocked_reason": event.reason}
            update(cur, table, key, record_id, sets, at, pos)
        elif name == "Unblocked":
            update(cur, table, key, record_id, {"blocked": False, "blocked_reason": None}, at, pos)
        elif name == "EntryRefused":
            cur.execute(
                "UPDATE parking_vehicles SET refusals = refusals + 1, last_refused_at = %s, "
                "updated_at = %s, position = %s WHERE vehicle_id = %s",
                [event.at, at, pos, record_id],
            )
            _exception(cur, pos, event, "entry_refused", record_id, reason=event.reason)
        elif name == "ExitRefused":
            update(cur, table, key, record_id, {}, at, pos)
            _exception(cur, pos, event, "exit_refused", record_id)
        elif name == "Entered":
            update(cur, table, key, record_id, {"session_id": event.session_id}, at, pos)
        elif name == "Left":
            update(cur, table, key, record_id, {"session_id": None}, at, pos)
        elif name in ("PassIssued", "PrepaidPassSold"):
            deferred = name == "PrepaidPassSold"
            fields = ("estate_id", "unit_id", "plate", "space_id", "starts_on", "ends_on")
            terms = ("billing", "months", "amount", "currency", "method", "reference")
            insert(
                cur,
                "parking_passes",
                {"pass_id": event.pass_id, "vehicle_id": record_id}
                | {k: getattr(event, k) for k in (*fields, *terms)}
                | {"status": "active", "issued_at": at, "updated_at": at, "position": pos}
                | {"deferred": deferred, "recognised_months": 0 if deferred else None}
                | {"next_due_on": _due_after(event.starts_on, 0) if deferred else None},
                tail=" ON CONFLICT (pass_id) DO NOTHING",
            )
        elif name == "PassCancelled":
            sets = {"status": "cancelled", "cancelled_at": event.at, "next_due_on": None}
            update(cur, "parking_passes", "pass_id", event.pass_id, sets, at, pos)
        elif name == "PassRevenueRecognised":
            (starts_on,) = cur.execute(
                "SELECT starts_on FROM parking_passes WHERE pass_id = %s", [event.pass_id]
            ).fetchone()
            due = _due_after(starts_on, event.month) if event.month < event.months else None
            sets = {"recognised_months": event.month, "next_due_on": due}
            update(cur, "parking_passes", "pass_id", event.pass_id, sets, at, pos)

    def _parkingsession(self, cur: Any, name: str, event: Any, record_id: Any, pos: int) -> None:
        at = occurred_at(event)
        table, key = "parking_sessions", "session_id"
        if name == "ExitedWithoutEntry":
            fields = ("estate_id", "vehicle_id", "plate", "unit_id", "tariff_version", "minutes")
            insert(
                cur,
                table,
                {"session_id": record_id}
                | {k: getattr(event, k) for k in (*fields, "fee")}
                | {"entry_gate": "", "entered_at": event.entered_at or event.at}
                | {"exit_gate": event.gate, "exited_at": event.at, "entry_recorded": False}
                | {"exit_charge": event.charge, "released_by": event.by}
                | {"release_reason": event.reason, "currency": event.tariff["currency"]}
                | {"status": "awaiting_payment", "updated_at": at, "position": pos},
                tail=" ON CONFLICT (session_id) DO NOTHING",
            )
            extra = {"session_id": record_id, "gate": event.gate, "by": event.by}
            _exception(
                cur,
                pos,
                event,
                "exit_without_entry",
                event.vehicle_id,
                reason=event.reason,
                fee=event.fee,
                currency=event.tariff["currency"],
                **extra,
            )
            return
        if name == "Entered":
            fields = ("estate_id", "vehicle_id", "plate", "unit_id", "pass_id", "tariff_version")
            insert(
                cur,
                table,
                {"session_id": record_id}
                | {k: getattr(event, k) for k in fields}
                | {"entry_gate": event.gate, "entered_at": event.at}
                | {"currency": event.tariff["currency"], "status": "inside"}
                | {"updated_at": at, "position": pos},
                tail=" ON CONFLICT (session_id) DO NOTHING",
            )
            return
        if name not in _SESSION_STEPS:
            return
        sets: dict[str, Any] = {"status": _SESSION_STEPS[name]}
        if name == "Exited":
            sets |= {"exit_gate": event.gate, "exited_at": event.at}
            sets |= {"minutes": event.minutes, "fee": event.fee}
        elif name == "Paid":
            sets |= {"method": event.method, "reference": event.reference, "paid_at": event.at}
            cur.execute(
                "UPDATE parking_sessions SET paid_amount = paid_amount + %s WHERE session_id = %s",
                [event.amount, record_id],
            )
        elif name == "Overstayed":  # the fee is what the whole stay cost
            cur.execute(
                "UPDATE parking_sessions SET fee = fee + %s, overstays = overstays + 1, "
                "exit_gate = %s, exited_at = %s, minutes = %s WHERE session_id = %s",
                [event.fee, event.gate, event.at, event.minutes, record_id],
            )
        elif name == "Released":
            sets |= {"left_at": event.at, "released_by": event.by, "release_reason": event.reason}
            cur.execute(
                "INSERT INTO parking_exceptions (position, estate_id, day, at, kind, plate, "
                "vehicle_id, session_id, reason, by, fee, currency) SELECT %s, estate_id, %s, "
                "%s, 'released', plate, vehicle_id, session_id, %s, %s, fee, currency "
                "FROM parking_sessions WHERE session_id = %s ON CONFLICT (position) DO NOTHING",
                [pos, _day(event.at), event.at, event.reason, event.by, record_id],
            )
        else:
            sets |= {"left_at": event.at}
        update(cur, table, key, record_id, sets, at, pos)


def _day(at: Any) -> Any:
    """The local (Beijing) day of a moment: the day a guard's list is of."""
    return at.astimezone(LOCAL).date()


def _due_after(starts_on: Any, done: int) -> Any:
    """The day the month after ``done`` recognised months of a pass is over."""
    return add_months(starts_on, done + 1) + timedelta(days=1)


def _exception(cur: Any, pos: int, event: Any, kind: str, vehicle_id: Any, **fields: Any) -> None:
    """A row of the day's exceptions; a vehicle's plate and estate from its row."""
    values = {"position": pos, "day": _day(event.at), "at": event.at, "kind": kind} | fields
    if "gate" not in fields and hasattr(event, "gate"):
        values["gate"] = event.gate
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    cur.execute(
        f"INSERT INTO parking_exceptions ({columns}, estate_id, plate, vehicle_id) "
        f"SELECT {marks}, estate_id, plate, vehicle_id FROM parking_vehicles "
        "WHERE vehicle_id = %s ON CONFLICT (position) DO NOTHING",
        [*values.values(), vehicle_id],
    )
