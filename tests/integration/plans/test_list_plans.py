"""No list or filter a route serves reads a table whole as the store grows.

Each case calls a read model's query function as its route does (a
manager's reach: one estate, and their own rows anywhere) over tables of
:data:`~tests.integration.plans.harness.ROWS` generated rows in a scratch
schema made by the read models' own DDL, and fails when any statement it
issued is planned as a sequential scan of a big table or as a sort of a
big part of it for one page (``harness.scans``). A new list is one line of
``CASES``; a table it reads, one entry of ``FILLS``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest

from application.actor import Reach
from domain.identity.policy import Role
from projections.approvals import queries as approvals
from projections.approvals.workflow import ApprovalWorkflow
from projections.audit.trail import AuditTrail, TrailFilters, trail_rows
from projections.community import queries as community
from projections.community.board import CommunityBoard
from projections.equipment import queries as equipment
from projections.equipment.alarms import AlarmBoard
from projections.equipment.archive import FacilityArchive
from projections.equipment.listing import EquipmentList
from projections.finance import (
    bank,
    compliance,
    expenses,
    fund,
    invoices,
    rates,
    receipts,
    renovation,
)
from projections.finance.accounts import queries as accounts
from projections.finance.accounts.model import DDL as ACCOUNTS_DDL
from projections.finance.ledger import LedgerReadModel
from projections.finance.statements import books
from projections.gate import queries as gate
from projections.gate.passes import GatePasses
from projections.identity import queries as identity
from projections.identity.directory import UserDirectory
from projections.identity.logins import LoginHistory
from projections.log import EVENTS_TABLE
from projections.meters import queries as meters
from projections.meters.register import MeterRegister
from projections.notifications import queries as notifications
from projections.notifications.outbox import DELIVERY_DDL
from projections.notifications.settings import ReadReceipts, RemindersView
from projections.parking import queries as parking
from projections.parking.readmodel import DDL as PARKING_DDL
from projections.patrols import queries as patrols
from projections.patrols.readmodel import PatrolsReadModel
from projections.registry import views as registry
from projections.registry.tables import DDL as REGISTRY_DDL
from projections.stores import payables
from projections.stores import queries as stores
from projections.stores.readmodel import StoresLedger
from projections.workorders import queries as workorders
from projections.workorders.readmodel import DDL as WORKORDERS_DDL
from tests.integration.plans.harness import (
    ROWS,
    Recording,
    fill,
    key,
    nodes,
    outline,
    plan,
    scans,
    schema_of,
)
from tests.support.actors import EVERY_RIGHT, actor

SCHEMA = "plans"
ESTATE, UNIT, ACTOR = UUID(int=7), UUID(int=77), UUID(int=7)
MANAGER = Reach(everything=False, estates=frozenset({ESTATE}), own=True, user_id=UUID(int=10**9))
# A manager of three estates (the long-lived one among them) who also owns units.
MANY = Reach(
    everything=False,
    estates=frozenset(UUID(int=n) for n in (7, 8, 9)),
    own=True,
    user_id=UUID(int=42),
)
# A technician: no estate, the orders assigned to them (200 of the generated ones).
TECHNICIAN = Reach(everything=False, estates=frozenset(), own=True, user_id=UUID(int=7))

# The log's own table as the trail's page joins it (the library creates the real one).
EVENTS_DDL = (
    f"CREATE TABLE {EVENTS_TABLE} (notification_id bigint PRIMARY KEY, originator_id uuid "
    "NOT NULL, originator_version bigint NOT NULL, topic text NOT NULL, state bytea NOT NULL)",
    f"CREATE UNIQUE INDEX ON {EVENTS_TABLE} (originator_id, originator_version)",
)
DDL = (
    *ACCOUNTS_DDL,
    *invoices.DDL,
    *AlarmBoard.ddl,
    *compliance.ComplianceReadModel.ddl,
    *expenses.ExpenseReadModel.ddl,
    *EquipmentList.ddl,
    *FacilityArchive.ddl,
    *LoginHistory.ddl,
    *UserDirectory.ddl,
    *DELIVERY_DDL,
    *ReadReceipts.ddl,
    *bank.DDL,
    *receipts.DDL,
    *REGISTRY_DDL,
    *AuditTrail(SCHEMA).ddl,
    *WORKORDERS_DDL,
    *ApprovalWorkflow.ddl,
    *CommunityBoard.ddl,
    *LedgerReadModel.ddl,
    *fund.FundLedger.ddl,
    *renovation.RenovationDeposits.ddl,
    *PARKING_DDL,
    *rates.FeeSchedules.ddl,
    *RemindersView.ddl,
    *MeterRegister.ddl,
    *StoresLedger.ddl,
    *PatrolsReadModel.ddl,
    *GatePasses.ddl,
    *EVENTS_DDL,
)
# 100 estates, 20,000 units, 5,000 users acting; unit 7 is a long-lived one
# with a tenth of all bills and payments (10,000 of each), a few of its bills open.
ESTATES, UNITS, USERS = key("g", 100), key("g", 20_000), key("g", 5_000)
HEAVY_UNIT = UUID(int=7)
LINE_50000 = UUID(hashlib.md5(b"50000").hexdigest())  # a line of estate 7 (md5(g::text)::uuid)
CLAIM_50000 = LINE_50000  # a claim (a review) of estate 7, as generated
SKEWED = "CASE WHEN mod(g, 10) = 0 THEN 7 ELSE g END"
SKEWED_UNITS, SKEWED_ESTATES = key(SKEWED, 20_000), key(SKEWED, 100)
FILLS: dict[str, dict[str, str]] = {
    "finance_bills": {
        "estate_id": SKEWED_ESTATES,
        "unit_id": SKEWED_UNITS,
        "period": "'P' || mod(g, 60)",
        "outstanding": "CASE WHEN mod(g, 997) = 0 THEN 10 ELSE 0 END",
    },
    "finance_payments": {"estate_id": SKEWED_ESTATES, "unit_id": SKEWED_UNITS},
    "finance_accounts": {"unit_id": UNITS},
    "finance_invoices": {"estate_id": SKEWED_ESTATES, "unit_id": SKEWED_UNITS, "tax_rate": "0.06"},
    "finance_bank_lines": {"estate_id": SKEWED_ESTATES, "value_date": "date '2020-01-01' + g / 30"},
    "equipment_alarms": {
        "estate_id": SKEWED_ESTATES,
        "equipment_id": key("g", 2_000),
        "status": "CASE WHEN mod(g, 50) = 0 THEN 'raised' ELSE 'cleared' END",
    },
    "registry_people": {"estate_id": SKEWED_ESTATES, "user_id": USERS},
    "notif_deliveries": {
        "position": "g",
        "recipient_id": SKEWED_ESTATES,
        "channel": "CASE WHEN mod(g, 3) = 0 THEN 'in_app' ELSE 'email' END",
        "status": "CASE WHEN mod(g, 100) = 0 THEN 'failed' ELSE 'sent' END",
    },
    "notif_reads": {"user_id": SKEWED_ESTATES, "position": "g"},
    "equipment_list": {"estate_id": SKEWED_ESTATES, "name": "'E' || g"},
    "equipment_archive": {"equipment_id": SKEWED_ESTATES, "position": "g"},
    "finance_expenses": {"estate_id": SKEWED_ESTATES, "position": "g"},
    "user_directory": {"username": "'u' || g", "estates": f"ARRAY[{SKEWED_ESTATES}]"},
    "finance_compliance_reviews": {"estate_id": SKEWED_ESTATES, "position": "g"},
    "login_history": {"position": "g", "user_id": SKEWED_ESTATES},
    "finance_receipts": {
        "estate_id": SKEWED_ESTATES,
        "unit_id": SKEWED_UNITS,
        "number": "'SJ-' || lpad(g::text, 8, '0')",
    },
    "registry_units": {
        "unit_id": key("g", 20_000),
        "estate_id": ESTATES,
        "building_id": key("g", 1_000),
        "number": "'N' || g",
        "occupant_user_ids": f"ARRAY[{USERS}]",
    },
    "audit_events": {"position": "g", "aggregate_type": "'A' || mod(g, 20)", "actor_id": USERS},
    EVENTS_TABLE: {"notification_id": "g", "originator_version": "1"},
    "workorders": {"estate_id": ESTATES, "requested_by": USERS, "assignee_id": key("g", 500)},
    "community_complaints": {"estate_id": SKEWED_ESTATES, "complainant_id": USERS},
    "community_announcements": {
        "estate_id": SKEWED_ESTATES,
        "drafted_position": "g",
        "status": "CASE WHEN mod(g, 2) = 0 THEN 'published' ELSE 'draft' END",
    },
    "community_surveys": {"respondent_id": SKEWED_ESTATES, "estate_id": SKEWED_ESTATES},
    "finance_billing_runs": {"estate_id": SKEWED_ESTATES, "period": "'P' || lpad(g::text, 6)"},
    "finance_fund_accounts": {"estate_id": SKEWED_ESTATES, "unit_id": key("g", 100_000)},
    "finance_fund_spendings": {"estate_id": SKEWED_ESTATES},
    "finance_renovation_deposits": {"estate_id": SKEWED_ESTATES, "unit_id": SKEWED_UNITS},
    "parking_sessions": {"estate_id": SKEWED_ESTATES, "unit_id": SKEWED_UNITS},
    "parking_vehicles": {"estate_id": SKEWED_ESTATES, "unit_id": SKEWED_UNITS, "plate": "'P' || g"},
    "finance_shared_costs": {"estate_id": SKEWED_ESTATES, "period": "'P' || lpad(g::text, 6)"},
    "notif_reminders": {"user_id": SKEWED_ESTATES},
    "finance_ledger_entries": {"position": "g", "estate_id": SKEWED_ESTATES},
    "finance_ledger_lines": {"position": "g", "line_no": "1", "estate_id": SKEWED_ESTATES},
    "meters": {"estate_id": SKEWED_ESTATES, "unit_id": SKEWED_UNITS, "unit_label": "'N' || g"},
    "meter_readings": {
        "estate_id": SKEWED_ESTATES,
        "unit_id": SKEWED_UNITS,
        "meter_id": key("g", 20_000),
        "period": "'P' || mod(g, 60)",
        "status": "CASE WHEN mod(g, 50) = 0 THEN 'held' ELSE 'recorded' END",
    },
    "meter_rounds": {"estate_id": SKEWED_ESTATES, "technician_id": key("g", 500)},
    # A store of estate 7 (UUID(int=7)) keeps a tenth of all movements.
    "stores_movements": {
        "store_id": SKEWED_ESTATES,
        "estate_id": SKEWED_ESTATES,
        "position": "g",
        "line": "0",
    },
    "stores_requests": {"estate_id": SKEWED_ESTATES, "submitted_position": "g"},
    "stores_stocktakes": {"estate_id": SKEWED_ESTATES, "recorded_position": "g"},
    # A twentieth of the receipts not yet invoiced, of the invoices not yet paid.
    "stores_receipts": {
        "estate_id": SKEWED_ESTATES,
        "vendor_id": key("g", 300),
        "invoice_id": "CASE WHEN mod(g, 20) = 0 THEN NULL ELSE md5(g::text)::uuid END",
    },
    "stores_invoices": {
        "estate_id": SKEWED_ESTATES,
        "vendor_id": key("g", 300),
        "recorded_position": "g",
        "status": "CASE WHEN mod(g, 20) = 0 THEN 'open' ELSE 'paid' END",
    },
    "patrol_tasks": {"estate_id": SKEWED_ESTATES, "assignee_id": key("g", 500)},
    "patrol_completion": {
        "estate_id": SKEWED_ESTATES,
        "assignee_id": key("g", 500),
        "month": "'2026-' || lpad((mod(g, 12) + 1)::text, 2, '0')",
    },
    "gate_passes": {
        "estate_id": SKEWED_ESTATES,
        "issued_by": USERS,
        "visitor_user_id": f"CASE WHEN mod(g, 10) = 0 THEN {key('g', 500)} END",
        "issued_position": "g",
        "inside": "mod(g, 500) = 0",
        "last_in_at": "timestamptz '2020-01-01' + g * interval '1 minute'",
    },
    "gate_movements": {
        "position": "g",
        "estate_id": SKEWED_ESTATES,
        "at": "timestamptz '2020-01-01' + g * interval '1 minute'",
    },
    "approvals": {
        "estate_id": ESTATES,
        "requested_by": USERS,
        "delegate_id": f"CASE WHEN mod(g, 10) = 0 THEN {key('g', 500)} END",
    },
}
#: Tables of other than ``ROWS`` rows: a unit is a row of the registry, 20,000 of them.
SIZES = {"registry_units": 20_000, "finance_accounts": 20_000}
BIG = frozenset(FILLS)


def _refuse(note: Any) -> Any:
    raise ValueError("the plans' events are not events")  # the page says "unreadable"


def _alarms(conn: Any, reach: Reach, **filters: Any) -> object:
    """``GET /alarms`` as its route asks (a page of 50 and one more)."""
    asked: dict[str, Any] = dict.fromkeys(
        ("status", "severity", "estate_id", "equipment_id", "code", "since", "before_key")
    )
    return equipment.search_alarms(conn, reach, **{**asked, **filters}, limit=51)


def _equipment(conn: Any, reach: Reach, **filters: Any) -> object:
    """``GET /equipment`` as its route asks (a page of 50 and one more)."""
    asked: dict[str, Any] = dict.fromkeys(
        (
            "estate_id",
            "kind",
            "status",
            "installed_before",
            "installed_after",
            "min_age_years",
            "min_repairs",
            "max_repairs",
            "text",
            "after_key",
        )
    )
    return equipment.search_equipment(
        conn, reach, **{**asked, **filters}, today=datetime(2030, 1, 1).date(), limit=51
    )


Query = Callable[[Any], object]
CASES: dict[str, Query] = {
    "a store's stock card": lambda c: stores.movements(c, MANAGER, ESTATE),
    "a store's stock card, a later page": lambda c: stores.movements(
        c, MANAGER, ESTATE, after_key=(ROWS // 2, 0)
    ),
    "purchase requests of an estate": lambda c: stores.requests(c, MANAGER, estate_id=ESTATE),
    "purchase requests in the reach": lambda c: stores.requests(c, MANAGER),
    "purchase requests, a later page": lambda c: stores.requests(
        c, MANAGER, estate_id=ESTATE, before_key=(ROWS // 2, UUID(int=0))
    ),
    "stocktakes of an estate": lambda c: stores.stocktakes(c, MANAGER, estate_id=ESTATE),
    "supplier invoices of an estate": lambda c: payables.invoices(c, MANAGER, estate_id=ESTATE),
    "what an estate owes its vendors for goods": lambda c: payables.payables(
        c, MANAGER, estate_id=ESTATE
    ),
    "bills of an estate": lambda c: accounts.bills(c, MANAGER, estate_id=ESTATE),
    "bills of an estate's period": lambda c: accounts.bills(
        c, MANAGER, estate_id=ESTATE, period="P7"
    ),
    "bills of a unit": lambda c: accounts.bills(c, MANAGER, unit_id=UNIT),
    "bills, a later page": lambda c: accounts.bills(
        c, MANAGER, estate_id=ESTATE, before=ROWS // 2, before_bill=UUID(int=0)
    ),
    "bills in the reach": lambda c: accounts.bills(c, MANAGER),
    "payments of an estate": lambda c: accounts.payments(c, MANAGER, estate_id=ESTATE),
    "payments of a unit": lambda c: accounts.payments(c, MANAGER, unit_id=UNIT),
    "payments in the reach": lambda c: accounts.payments(c, MANAGER),
    "bills in a reach of three estates and own units": lambda c: accounts.bills(c, MANY),
    "payments in a reach of three estates, a later page": lambda c: accounts.payments(
        c, MANY, before=ROWS // 2
    ),
    "open bills in a reach of three estates": lambda c: accounts.bills(c, MANY, open_only=True),
    "bills of a long-lived unit": lambda c: accounts.bills(c, MANAGER, unit_id=HEAVY_UNIT),
    "payments of a long-lived unit": lambda c: accounts.payments(c, MANAGER, unit_id=HEAVY_UNIT),
    "a long-lived unit's account": lambda c: accounts.unit_account(c, MANAGER, HEAVY_UNIT),
    "a long-lived unit's older history": lambda c: accounts.unit_account(
        c, MANAGER, HEAVY_UNIT, bills_before=ROWS // 2, payments_before=ROWS // 2
    ),
    "invoices in the reach": lambda c: invoices.invoices(c, MANAGER),
    "invoices of an estate, a later page": lambda c: invoices.invoices(
        c, MANAGER, estate_id=ESTATE, before=ROWS // 2
    ),
    "invoices of a long-lived unit": lambda c: invoices.invoices(c, MANAGER, unit_id=HEAVY_UNIT),
    "invoices in a reach of three estates": lambda c: invoices.invoices(c, MANY),
    "bank lines of an estate": lambda c: bank.lines(c, MANAGER, ESTATE),
    "bank lines of an estate, a later page": lambda c: bank.lines(
        c, MANAGER, ESTATE, after_line=LINE_50000
    ),
    "alarms of an estate": lambda c: _alarms(c, MANAGER, estate_id=ESTATE),
    "alarms of an estate, a later page": lambda c: _alarms(
        c, MANAGER, estate_id=ESTATE, before_key=(datetime(2021, 1, 1, tzinfo=UTC), UUID(int=0))
    ),
    "alarms in the reach": lambda c: _alarms(c, MANAGER),
    "alarms in a reach of three estates": lambda c: _alarms(c, MANY),
    "alarms of an equipment": lambda c: _alarms(c, MANAGER, equipment_id=UUID(int=7)),
    "people in the reach": lambda c: registry.people(
        c, MANAGER, estate_id=None, cursor=None, limit=100
    ),
    "people of an estate, a later page": lambda c: registry.people(
        c, MANAGER, estate_id=ESTATE, cursor=UUID(int=2**127), limit=100
    ),
    "users, company-wide, a later page": lambda c: identity.list_users(
        c, actor(Role.ADMIN), after_username="u5"
    ),
    "users an estate's manager sees": lambda c: identity.list_users(
        c, actor(Role.PROPERTY_MANAGER, ESTATE)
    ),
    "a long-lived user's logins, a later page": lambda c: identity.login_history(
        c, EVERY_RIGHT, UUID(int=7), before=ROWS // 2
    ),
    "a long-lived user's inbox, a later page": lambda c: notifications.inbox(
        c, UUID(int=7), before=ROWS // 2
    ),
    "a long-lived user's unread": lambda c: notifications.inbox(c, UUID(int=7), unread_only=True),
    "a recipient's deliveries, a later page": lambda c: notifications.deliveries(
        c, recipient_id=UUID(int=7), before=(ROWS // 2, UUID(int=7), "email")
    ),
    "every delivery, a later page": lambda c: notifications.deliveries(
        c, before=(ROWS // 2, UUID(int=7), "email")
    ),
    "a long-lived user's reminders, a later page": lambda c: notifications.reminders_of(
        c, UUID(int=7), (datetime(2020, 2, 1, tzinfo=UTC), UUID(int=0)), 51
    ),
    "a long-lived respondent's surveys, a later page": lambda c: community.surveys_of(
        c,
        UUID(int=7),
        status=None,
        before_key=(datetime(2020, 2, 1, tzinfo=UTC), UUID(int=0)),
        limit=101,
    ),
    "the announcement board of an estate, a later page": lambda c: community.board(
        c, frozenset({ESTATE}), before_key=(datetime(2020, 2, 1, tzinfo=UTC), UUID(int=0))
    ),
    "an estate's billing runs, a later page": lambda c: accounts.billing_runs(
        c, MANAGER, ESTATE, ("P 50000", 0), 121
    ),
    "an estate's fund accounts, a later page": lambda c: fund.accounts(
        c, MANAGER, estate_id=ESTATE, after_key=(ESTATE, UUID(int=2**127)), limit=501
    ),
    "an estate's fund spendings, a later page": lambda c: fund.spendings(
        c, MANAGER, estate_id=ESTATE, before_key=(datetime(2020, 2, 1, tzinfo=UTC), UUID(int=0))
    ),
    "an estate's renovation deposits, a later page": lambda c: renovation.deposits(
        c, MANAGER, estate_id=ESTATE, before_key=(datetime(2020, 2, 1, tzinfo=UTC), UUID(int=0))
    ),
    "an estate's parking sessions, a later page": lambda c: parking.sessions(
        c, MANAGER, estate_id=ESTATE, before_key=(datetime(2020, 2, 1, tzinfo=UTC), UUID(int=0))
    ),
    "an estate's vehicles, a later page": lambda c: parking.vehicles(
        c, MANAGER, estate_id=ESTATE, after_key=(ESTATE, "P5", UUID(int=0)), limit=501
    ),
    "an estate's shared costs, a later page": lambda c: rates.shared_costs(
        c, ESTATE, None, ("P 50000", datetime(2020, 1, 1, tzinfo=UTC), UUID(int=0)), 501
    ),
    "every delivery": lambda c: notifications.deliveries(c),
    "every failed delivery": lambda c: notifications.deliveries(c, status="failed"),
    "equipment of an estate": lambda c: _equipment(c, MANAGER, estate_id=ESTATE),
    "equipment of an estate, a later page": lambda c: _equipment(
        c, MANAGER, estate_id=ESTATE, after_key=("E5", UUID(int=0))
    ),
    "equipment in the reach": lambda c: _equipment(c, MANAGER),
    "equipment in a reach of three estates": lambda c: _equipment(c, MANY),
    "a long-lived equipment's archive, a later page": lambda c: equipment.archive(
        c, UUID(int=7), category=None, since=None, until=None, after_position=ROWS // 2, limit=51
    ),
    "expense claims of an estate": lambda c: expenses.claims(c, MANAGER, {"estate_id": ESTATE}),
    "expense claims of an estate, a later page": lambda c: expenses.claims(
        c, MANAGER, {"estate_id": ESTATE}, before_claim=CLAIM_50000
    ),
    "expense claims in the reach": lambda c: expenses.claims(c, MANAGER, {}),
    "expense claims in a reach of three estates": lambda c: expenses.claims(c, MANY, {}),
    "compliance reviews of an estate, a later page": lambda c: compliance.reviews(
        c, MANAGER, ESTATE, 100, before_review=CLAIM_50000
    ),
    "compliance reviews in a reach of three estates": lambda c: compliance.reviews(c, MANY),
    "receipts in the reach": lambda c: receipts.receipts(c, MANAGER),
    "receipts of an estate, a later page": lambda c: receipts.receipts(
        c, MANAGER, estate_id=ESTATE, after_number="SJ-00050000"
    ),
    "receipts in a reach of three estates, a later page": lambda c: receipts.receipts(
        c, MANY, after_number="SJ-00050000"
    ),
    "audit by an aggregate type nothing has": lambda c: trail_rows(
        c, _refuse, TrailFilters(aggregate_type="NoSuchAggregate")
    ),
    "audit by aggregate type": lambda c: trail_rows(c, _refuse, TrailFilters(aggregate_type="A7")),
    "audit by actor": lambda c: trail_rows(c, _refuse, TrailFilters(actor_id=ACTOR)),
    "units in the reach": lambda c: registry.units(
        c, MANAGER, estate_id=None, building_id=None, cursor=None, limit=100
    ),
    "units of an estate, a later page": lambda c: registry.units(
        c, MANAGER, estate_id=ESTATE, building_id=None, cursor=UUID(int=407), limit=100
    ),
    "work orders in the reach": lambda c: workorders.orders(c, MANAGER, {}, 100, None),
    "work orders of an estate": lambda c: workorders.orders(
        c, MANAGER, {"estate_id": ESTATE}, 100, None
    ),
    "work orders in a reach of three estates, a requester's, a later page": lambda c: (
        workorders.orders(c, MANY, {}, 100, datetime(2020, 2, 1, tzinfo=UTC), UUID(int=0))
    ),
    "work orders of a technician": lambda c: workorders.orders(c, TECHNICIAN, {}, 100, None),
    "patrol tasks in the reach": lambda c: patrols.tasks(c, MANAGER, None, None, None, None, 100),
    "patrol tasks of an estate, a later page": lambda c: patrols.tasks(
        c, MANAGER, ESTATE, None, None, (datetime(2020, 2, 1, tzinfo=UTC), UUID(int=0)), 100
    ),
    "patrol tasks in a reach of three estates": lambda c: patrols.tasks(
        c, MANY, None, None, None, None, 100
    ),
    "patrol tasks of a technician": lambda c: patrols.tasks(
        c, TECHNICIAN, None, None, None, None, 100
    ),
    "patrol completion of an estate's month": lambda c: patrols.completion(
        c, MANAGER, ESTATE, "2026-03", limit=100
    ),
    "patrol completion of a technician": lambda c: patrols.completion(
        c, TECHNICIAN, None, None, limit=100
    ),
    "complaints in the reach": lambda c: community.complaints(c, MANAGER),
    "complaints of an estate, a later page": lambda c: community.complaints(
        c, MANAGER, estate_id=ESTATE, before_id=CLAIM_50000
    ),
    "complaints in a reach of three estates, a complainant's, a later page": lambda c: (
        community.complaints(c, MANY, before_id=CLAIM_50000)
    ),
    "announcements of an estate, a later page": lambda c: community.announcements(
        c, MANAGER, estate_id=ESTATE, before_id=CLAIM_50000
    ),
    "announcements in a reach of three estates": lambda c: community.announcements(c, MANY),
    "the journal of an estate, a later page": lambda c: books.journal(
        c, [ESTATE], before=ROWS // 2
    ),
    "the journal of three estates": lambda c: books.journal(c, sorted(MANY.estates)),
    "the journal of an estate with no entries": lambda c: books.journal(c, [UUID(int=10**6)]),
    "approvals in the reach": lambda c: approvals.approvals(c, MANAGER),
    "approvals of an estate": lambda c: approvals.approvals(
        c, MANAGER, filters={"estate_id": ESTATE}
    ),
    "approvals in a reach of three estates, a requester's, a later page": lambda c: (
        approvals.approvals(c, MANY, before=ROWS // 2)
    ),
    "approvals of a delegate": lambda c: approvals.approvals(c, TECHNICIAN),
    "meters of an estate, a later page": lambda c: meters.meters(
        c, MANAGER, estate_id=ESTATE, before_id=CLAIM_50000
    ),
    "meters in a reach of three estates and own units": lambda c: meters.meters(c, MANY),
    "readings of an estate, a later page": lambda c: meters.readings(
        c, MANAGER, estate_id=ESTATE, before_id=CLAIM_50000
    ),
    "readings of a meter": lambda c: meters.readings(c, MANAGER, meter_id=UNIT),
    "readings in a reach of three estates and own units": lambda c: meters.readings(c, MANY),
    "reading rounds of a technician": lambda c: meters.rounds(c, TECHNICIAN),
    "reading rounds of an estate": lambda c: meters.rounds(c, MANAGER, estate_id=ESTATE),
    "unread meters of an estate": lambda c: meters.unread(c, ESTATE, "2026-03"),
    "units in a reach of three estates and own units": lambda c: registry.units(
        c, MANY, estate_id=None, building_id=None, cursor=None, limit=100
    ),
    "visitor passes in the reach": lambda c: gate.passes(c, MANAGER, limit=101),
    "visitor passes of an estate, a later page": lambda c: gate.passes(
        c, MANAGER, estate_id=ESTATE, before_id=CLAIM_50000, limit=101
    ),
    "visitor passes in a reach of three estates, an issuer's or visitor's": lambda c: gate.passes(
        c, MANY, limit=101
    ),
    "visitor passes of a visitor": lambda c: gate.passes(c, TECHNICIAN, limit=101),
    "visitors inside an estate": lambda c: gate.inside(c, ESTATE),
    # A day's log is one day's rows however long the history: sorted, not read in order.
    "the gate's log of an estate's day": lambda c: gate.movements(
        c,
        ESTATE,
        since=datetime(2020, 2, 1, tzinfo=UTC),
        until=datetime(2020, 2, 2, tzinfo=UTC),
        limit=201,
    ),
    "the gate's log of an estate's day, a later page": lambda c: gate.movements(
        c,
        ESTATE,
        since=datetime(2020, 2, 1, tzinfo=UTC),
        until=datetime(2020, 2, 2, tzinfo=UTC),
        limit=201,
        after_position=43_210,
    ),
}


#: Lists narrowed to one estate inside the reach: a page is read off an index
#: in order (a ``Limit`` over an index scan, no sort), however long the
#: estate's history (``projections/reach.py``, ``estate_id``).
IN_ORDER = {
    "a store's stock card",
    "a store's stock card, a later page",
    "purchase requests of an estate",
    "purchase requests, a later page",
    "bills of an estate",
    "bills, a later page",
    "payments of an estate",
    "invoices of an estate, a later page",
    "receipts of an estate, a later page",
    "bank lines of an estate",
    "bank lines of an estate, a later page",
    "alarms of an estate",
    "alarms of an estate, a later page",
    "equipment of an estate",
    "equipment of an estate, a later page",
    "expense claims of an estate",
    "expense claims of an estate, a later page",
    "compliance reviews of an estate, a later page",
    "audit by an aggregate type nothing has",
    "work orders of an estate",
    "complaints of an estate, a later page",
    "announcements of an estate, a later page",
    "the journal of an estate, a later page",
    "approvals of an estate",
    "a long-lived user's reminders, a later page",
    "a long-lived respondent's surveys, a later page",
    "the announcement board of an estate, a later page",
    "an estate's billing runs, a later page",
    "an estate's fund accounts, a later page",
    "an estate's fund spendings, a later page",
    "an estate's renovation deposits, a later page",
    "an estate's parking sessions, a later page",
    "an estate's vehicles, a later page",
    "an estate's shared costs, a later page",
    "meters of an estate, a later page",
    "readings of an estate, a later page",
    "reading rounds of an estate",
    "visitor passes of an estate, a later page",
}


@pytest.fixture(scope="module")
def big(service_urls: tuple[str, str]) -> Iterator[psycopg.Connection[Any]]:
    """A connection whose schema holds the read models' tables, filled."""
    with schema_of(service_urls[0], SCHEMA, DDL) as conn:
        for table, columns in FILLS.items():
            fill(conn, table, columns, SIZES.get(table, ROWS))
        yield conn


@pytest.mark.parametrize("case", CASES)
def test_a_page_reads_no_big_table_whole(big: psycopg.Connection[Any], case: str) -> None:
    recording = Recording(big)
    CASES[case](recording)
    assert recording.statements, f"{case}: issued no statement"
    for statement, params in recording.statements:
        root = plan(big, statement, params)
        assert not scans(root, BIG), f"{case}: {statement}\n{outline(root)}"
        if case in IN_ORDER:
            sorts = [n for n in nodes(root) if n["Node Type"] == "Sort"]
            assert not sorts, f"{case}: sorts for a page\n{outline(root)}"
