"""The car park's read model (projection ``parking``).

``parking_car_parks`` one row per estate's car park with its tariff's
versions; ``parking_vehicles`` one row per plate known at an estate (its
unit, the blocklist, the entries refused, the session it is in);
``parking_passes`` one row per monthly pass; ``parking_sessions`` one row per
temporary parking session, from entry to leaving. The queries are in
``projections/parking/queries.py``.
"""

from __future__ import annotations

from typing import Any

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
        updated_at timestamptz NOT NULL,
        position bigint NOT NULL
    )""",
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
        updated_at timestamptz NOT NULL,
        position bigint NOT NULL
    )""",
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
}


class ParkingReadModel(PerAggregate):
    name = "parking"
    aggregates = frozenset({"CarPark", "Vehicle", "ParkingSession"})
    version = 1
    tables = ("parking_car_parks", "parking_vehicles", "parking_passes", "parking_sessions")
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
        elif name == "Entered":
            update(cur, table, key, record_id, {"session_id": event.session_id}, at, pos)
        elif name == "Left":
            update(cur, table, key, record_id, {"session_id": None}, at, pos)
        elif name == "PassIssued":
            fields = ("estate_id", "unit_id", "plate", "space_id", "starts_on", "ends_on")
            terms = ("billing", "months", "amount", "currency", "method", "reference")
            insert(
                cur,
                "parking_passes",
                {"pass_id": event.pass_id, "vehicle_id": record_id}
                | {k: getattr(event, k) for k in (*fields, *terms)}
                | {"status": "active", "issued_at": at, "updated_at": at, "position": pos},
                tail=" ON CONFLICT (pass_id) DO NOTHING",
            )
        elif name == "PassCancelled":
            sets = {"status": "cancelled", "cancelled_at": event.at}
            update(cur, "parking_passes", "pass_id", event.pass_id, sets, at, pos)

    def _parkingsession(self, cur: Any, name: str, event: Any, record_id: Any, pos: int) -> None:
        at = occurred_at(event)
        table, key = "parking_sessions", "session_id"
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
        elif name == "Released":
            sets |= {"left_at": event.at, "released_by": event.by, "release_reason": event.reason}
        else:
            sets |= {"left_at": event.at}
        update(cur, table, key, record_id, sets, at, pos)
