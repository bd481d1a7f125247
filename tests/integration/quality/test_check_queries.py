"""Each data-quality check over real read-model tables finds exactly the records
planted to fail it, counts them, and pages them by its keyset (a page of one at
a time walks them all, in order, once each); another estate's records never
count. The rows are written into a scratch schema with each read model's own DDL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from application.actor import Reach
from application.quality.ports import CheckScope
from domain.quality.checks import CHECK_NAMES
from projections.equipment.listing import EquipmentList
from projections.events import to_json
from projections.finance.accounts.model import DDL as ACCOUNTS_DDL
from projections.finance.rates import FeeSchedules
from projections.meters.register import MeterRegister
from projections.quality import checks
from projections.registry.tables import DDL as REGISTRY_DDL
from projections.workorders.readmodel import DDL as WORKORDERS_DDL
from tests.integration.plans.harness import schema_of

SCHEMA = "quality_checks"
NOW = datetime(2026, 3, 15, 8, tzinfo=UTC)
ESTATE, OTHER = UUID(int=1), UUID(int=2)
ALL = Reach(everything=True, estates=frozenset(), own=False, user_id=UUID(int=0))
SCOPE = CheckScope(ESTATE, "2026-02", NOW, 30)


def _insert(conn: psycopg.Connection[Any], table: str, **values: Any) -> None:
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))


class Store:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.failing: dict[str, set[UUID]] = {name: set() for name in CHECK_NAMES}

    def meter(self, estate: UUID, label: str, installed_on: date, waiting: int = 0) -> UUID:
        meter = uuid4()
        _insert(
            self.conn,
            "meters",
            meter_id=meter,
            estate_id=estate,
            unit_label=label,
            kind="water",
            serial=f"S-{label}",
            installed_on=installed_on,
            initial_reading=Decimal(0),
            last_reading=Decimal("12.5"),
            last_read_on=date(2026, 1, 28),
            cumulative=Decimal("12.5"),
            waiting=waiting,
            installed_at=NOW,
            updated_at=NOW,
            position=1,
        )
        return meter

    def reading(self, meter: UUID, estate: UUID, period: str, status: str) -> None:
        _insert(
            self.conn,
            "meter_readings",
            reading_id=uuid4(),
            meter_id=meter,
            estate_id=estate,
            kind="water",
            period=period,
            reading=Decimal("20"),
            read_on=date(2026, 2, 27),
            usage=Decimal("7.5"),
            source="round",
            status=status,
            entered_at=NOW,
            updated_at=NOW,
            position=2,
        )

    def building(self, estate: UUID, code: str) -> UUID:
        building = uuid4()
        _insert(
            self.conn,
            "registry_buildings",
            building_id=building,
            estate_id=estate,
            code=code,
            name=code,
            created_at=NOW,
            updated_at=NOW,
            version=1,
        )
        return building

    def unit(self, estate: UUID, building: UUID, number: str, area: str = "80.00") -> UUID:
        unit = uuid4()
        _insert(
            self.conn,
            "registry_units",
            unit_id=unit,
            estate_id=estate,
            building_id=building,
            number=number,
            floor=1,
            gross_area=Decimal(area),
            internal_area=Decimal(area),
            use="residential",
            created_at=NOW,
            updated_at=NOW,
            version=1,
        )
        return unit

    def person(self, estate: UUID, phone: str | None, user: UUID | None) -> UUID:
        person = uuid4()
        _insert(
            self.conn,
            "registry_people",
            person_id=person,
            estate_id=estate,
            name_masked="王*",
            phone_masked=phone,
            user_id=user,
            created_at=NOW,
            updated_at=NOW,
            version=1,
        )
        return person

    def occupy(
        self, unit: UUID, estate: UUID, person: UUID, relation: str, out: bool = False
    ) -> None:
        _insert(
            self.conn,
            "registry_occupancy",
            occupancy_id=uuid4(),
            unit_id=unit,
            estate_id=estate,
            building_id=uuid4(),
            person_id=person,
            relation=relation,
            moved_in_on=date(2020, 1, 1),
            moved_out_on=date(2025, 1, 1) if out else None,
            recorded_at=NOW,
        )

    def equipment(
        self, estate: UUID, name: str, kind: str, last: datetime, status: str = "in_service"
    ) -> UUID:
        equipment = uuid4()
        _insert(
            self.conn,
            "equipment_list",
            equipment_id=equipment,
            estate_id=estate,
            kind=kind,
            name=name,
            status=status,
            state_at=last,
            registered_at=last,
            updated_at=last,
            version=1,
        )
        return equipment

    def plan(
        self, estate: UUID, equipment: UUID | None, kind: str | None, status: str = "active"
    ) -> None:
        _insert(
            self.conn,
            "workorders_plans",
            plan_id=uuid4(),
            estate_id=estate,
            title="plan",
            equipment_id=equipment,
            equipment_kind=kind,
            interval_days=30,
            checklist="[]",
            priority="normal",
            next_due_on=date(2026, 4, 1),
            status=status,
            created_at=NOW,
            updated_at=NOW,
            version=1,
        )

    def rate(self, estate: UUID, item: str, rate: str, status: str = "adopted") -> None:
        _insert(
            self.conn,
            "finance_rate_changes",
            change_id=uuid4(),
            estate_id=estate,
            item=item,
            rate=Decimal(rate),
            currency="CNY",
            basis="gross",
            effective_from=date(2026, 1, 1),
            approval_id=uuid4(),
            proposed_by=uuid4(),
            proposed_at=NOW,
            status=status,
        )

    def bill(
        self, estate: UUID, period: str, lines: list[tuple[str, str, str]], position: int
    ) -> UUID:
        bill = uuid4()
        _insert(
            self.conn,
            "finance_bills",
            bill_id=bill,
            unit_id=uuid4(),
            estate_id=estate,
            period=period,
            payer_ids=[uuid4()],
            currency="CNY",
            lines=to_json([{"item": i, "unit": u, "rate": r, "amount": "1"} for i, u, r in lines]),
            principal=Decimal(1),
            outstanding=Decimal(1),
            days=28,
            days_in_period=28,
            issued_on=date(2026, 2, 1),
            due_on=date(2026, 2, 16),
            position=position,
        )
        return bill


# Every test here only reads: the schema is built and planted once for the module.
@pytest.fixture(scope="module")
def store(service_urls: tuple[str, str]) -> Iterator[Store]:
    ddl = [
        *(d for d in REGISTRY_DDL if "registry_estates (" not in d),
        *EquipmentList.ddl,
        *WORKORDERS_DDL,
        *ACCOUNTS_DDL,
        *FeeSchedules.ddl,
        *MeterRegister.ddl,
    ]
    with schema_of(service_urls[0], SCHEMA, ddl) as conn:
        yield _planted(Store(conn))


def _planted(s: Store) -> Store:
    f = s.failing
    for estate in (ESTATE, OTHER):  # the other estate's failures never count
        mine = estate == ESTATE
        b1, b2 = s.building(estate, "B1"), s.building(estate, "B2")
        owned = s.unit(estate, b1, "101")
        s.occupy(owned, estate, s.person(estate, "138****0101", None), "owner")
        gone = s.unit(estate, b1, "102")  # its owner moved out; a tenant without a contact
        s.occupy(gone, estate, s.person(estate, None, None), "owner", out=True)
        silent = s.person(estate, "", None)
        s.occupy(gone, estate, silent, "tenant")
        empty = s.unit(estate, b2, "201", area="0.00")  # no area and no owner
        s.occupy(empty, estate, s.person(estate, None, uuid4()), "owner", out=True)
        fresh = NOW - timedelta(days=2)
        covered = s.equipment(estate, "Pump 1", "Pump", fresh)
        s.plan(estate, covered, None)
        s.equipment(estate, "Pump 2", "pump", fresh)  # its kind's plan covers it
        s.plan(estate, None, "pump")
        paused = s.equipment(estate, "Lift", "lift", fresh)  # a paused plan covers nothing
        s.plan(estate, paused, None, status="paused")
        old = s.equipment(estate, "Boiler", "boiler", NOW - timedelta(days=90))
        s.plan(estate, old, None)
        s.equipment(estate, "Gate", "gate", NOW - timedelta(days=90), status="decommissioned")
        s.rate(estate, "property_management", "2.50")
        s.rate(estate, "parking", "300", status="rejected")
        s.bill(estate, "2026-02", [("property_management", "m2·month", "2.5")], 1)
        s.bill(estate, "2026-02", [("shared", "share", "9.99")], 2)  # shared costs have no rate
        wrong = s.bill(estate, "2026-02", [("property_management", "m2·month", "2.80")], 3)
        parked = s.bill(estate, "2026-02", [("parking", "space·month", "300")], 4)
        s.bill(estate, "2026-01", [("property_management", "m2·month", "9")], 5)  # another month
        read = s.meter(estate, "B1 101", date(2025, 6, 1))
        s.reading(read, estate, "2026-02", "recorded")
        held = s.meter(estate, "B1 102", date(2025, 6, 1), waiting=1)  # a jump, unconfirmed
        s.reading(held, estate, "2026-02", "held")
        earlier = s.meter(estate, "B2 201", date(2025, 6, 1))  # read in January only
        s.reading(earlier, estate, "2026-01", "recorded")
        s.meter(estate, "B2 202", date(2026, 3, 2))  # installed after February
        if mine:
            f["units_without_area"] = {empty}
            f["units_without_owner"] = {gone, empty}
            f["occupants_without_contact"] = {silent}
            f["equipment_without_plan"] = {paused}
            f["stale_facility_records"] = {old}
            f["bills_without_rate"] = {wrong, parked}
            f["meters_without_reading"] = {held, earlier}
    return s


def test_each_check_counts_the_records_planted_to_fail_it(store: Store) -> None:
    report = checks.report(store.conn, ALL, SCOPE)
    assert report is not None
    assert {r["name"]: r["count"] for r in report} == {
        name: len(ids) for name, ids in store.failing.items()
    }


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_a_page_of_one_at_a_time_walks_each_failing_record_once_in_order(
    store: Store, name: str
) -> None:
    seen: list[UUID] = []
    keys: list[list[str]] = []
    after: tuple[str, ...] | None = None
    while True:
        page = checks.records(store.conn, ALL, name, SCOPE, after, 1)
        assert page is not None
        if not page:
            break
        [row] = page
        assert row["label"] and row["detail"]
        seen.append(row["id"])
        keys.append(row["key"])
        after = tuple(row["key"])
    assert sorted(seen) == sorted(store.failing[name]) and len(seen) == len(set(seen))
    whole = checks.records(store.conn, ALL, name, SCOPE, None, 100)
    assert whole is not None and [r["id"] for r in whole] == seen


def test_a_reach_without_the_estate_reads_nothing(store: Store) -> None:
    other = Reach(everything=False, estates=frozenset({OTHER}), own=False, user_id=UUID(int=0))
    assert checks.report(store.conn, other, SCOPE) is None
    assert checks.records(store.conn, other, "units_without_owner", SCOPE) is None
    mine = Reach(everything=False, estates=frozenset({ESTATE}), own=False, user_id=UUID(int=0))
    assert checks.report(store.conn, mine, SCOPE) == checks.report(store.conn, ALL, SCOPE)
