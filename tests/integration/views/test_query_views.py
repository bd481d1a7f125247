"""Every typed view a read model's query declares is what PostgreSQL returns.

A query's rows are TypedDicts (``projections/<context>/``): a promise to mypy
that nothing checks at run time, so a column renamed in SQL, or a nullable
one declared not null, would pass mypy and break a route. Each query of
``QUERIES`` runs on the two-estate world (``tests/support/estate_world.py``)
and each row it returns must have exactly the keys of the view its signature
names (``get_type_hints(query)["return"]``), and every non-null value the
declared type, nested views and their lists included. A query that finds no
row, or a nested list of views that is empty, fails rather than passing
unchecked: the world is topped up where it has none (a published
announcement, chosen preferences, billing terms).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict
from uuid import UUID

import psycopg
from fastapi.testclient import TestClient

from application.actor import Reach
from application.quality.ports import CheckScope
from bootstrap import Container
from domain.identity.user import user_id_for
from domain.parking.tariff import LOCAL
from projections.approvals import queries as approvals
from projections.community import queries as community
from projections.equipment import board_past
from projections.equipment import queries as equipment
from projections.finance import compliance, expenses, fund, fund_first_deposit, rates
from projections.finance.accounts import queries as accounts
from projections.gate import queries as gate
from projections.identity import queries as identity
from projections.meters import queries as meters
from projections.notifications import queries as notifications
from projections.operations import alerts, incidents
from projections.parking import queries as parking
from projections.patrols import queries as patrols
from projections.quality import checks as quality_checks
from projections.quality import dashboard as quality_dashboard
from projections.quality import runs as quality_runs
from projections.registry import views as registry
from projections.stores import queries as stores
from projections.tasks.todo import open_items
from projections.workorders import queries as workorders
from tests.conftest import ADMIN_PASSWORD, bearer, login
from tests.support.actors import EVERY_RIGHT
from tests.support.estate_world import Builder, World, ok, settle

ALL = Reach(everything=True, estates=frozenset(), own=False, user_id=UUID(int=0))
LATER = datetime(2030, 1, 1, tzinfo=UTC)
_TODAY = datetime.now(UTC)
#: The 25th of next month (the furthest month a billing run may bill).
ARREARS_DAY = datetime(_TODAY.year + _TODAY.month // 12, _TODAY.month % 12 + 1, 25, 12, tzinfo=UTC)


TODAY: list[date] = []  # the day the top-up ran, in Beijing (the car park's exceptions)


class Lazy:
    """An argument taken from the world when the query runs."""

    def __init__(self, of: Callable[[World], Any]) -> None:
        self.of = of


def record(kind: str) -> Lazy:
    """Estate A's record of this kind."""
    return Lazy(lambda w: UUID(w.a[kind]))


def user(role: str) -> Lazy:
    """Estate A's user of this role (``resident``, ``technician`` ...)."""
    return Lazy(lambda w: UUID(getattr(w.a, role).id))


class Read:
    """One query and its arguments, beside the connection."""

    def __init__(self, query: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.query, self.args, self.kwargs = query, args, kwargs

    @property
    def name(self) -> str:
        return f"{self.query.__module__}.{self.query.__name__}"

    def __call__(self, conn: psycopg.Connection[Any], world: World) -> Any:
        def given(a: Any) -> Any:
            return a.of(world) if isinstance(a, Lazy) else a

        args = [given(a) for a in self.args]
        return self.query(conn, *args, **{k: given(v) for k, v in self.kwargs.items()})


def _quality_scope(w: World) -> CheckScope:
    """Estate A's checks over its February books (unit 102 has no owner)."""
    return CheckScope(UUID(w.a["estate"]), "2026-02", LATER, 30)


NO_FILTERS: dict[str, Any] = dict(estate_id=None, kind=None, status=None)
EQUIPMENT_SEARCH: dict[str, Any] = dict(
    installed_before=None,
    installed_after=None,
    min_age_years=None,
    today=date(2030, 1, 1),
    min_repairs=None,
    max_repairs=None,
    text=None,
    after_key=None,
    limit=10,
)
ALARM_SEARCH: dict[str, Any] = dict(
    status=None, severity=None, estate_id=None, equipment_id=None, code=None, since=None
)

#: Every query a route or a port calls for rows, once each.
QUERIES = [
    Read(stores.parts),
    Read(stores.stores, ALL),
    Read(stores.store, ALL, record("store")),
    Read(stores.stock, ALL, record("store")),
    Read(stores.movements, ALL, record("store")),
    Read(stores.requests, ALL),
    Read(stores.request, ALL, record("purchase")),
    Read(stores.stocktakes, ALL),
    Read(stores.stocktake, ALL, record("stocktake")),
    Read(stores.order_parts, ALL, record("order")),
    Read(approvals.approvals, ALL),
    Read(approvals.approval, ALL, record("approval")),
    Read(community.service_requests, ALL),
    Read(community.service_request, ALL, record("service_request")),
    Read(community.complaints, ALL),
    Read(community.complaint, ALL, record("complaint")),
    Read(community.surveys_of, user("resident"), status=None, limit=10),
    Read(community.survey_results, ALL),
    Read(community.announcements, ALL),
    Read(community.board, None),
    Read(meters.meters, ALL),
    Read(meters.meter, ALL, record("meter")),
    Read(meters.readings, ALL),
    Read(meters.rounds, ALL),
    Read(meters.reading_round, ALL, record("meter_round")),
    Read(meters.round_stops, record("meter_round")),
    Read(meters.unread, record("estate"), "2026-03"),
    Read(meters.jump_rule, record("estate")),
    Read(equipment.equipment, record("equipment")),
    Read(equipment.visible_equipment, EVERY_RIGHT, record("equipment")),
    Read(equipment.search_equipment, ALL, **NO_FILTERS, **EQUIPMENT_SEARCH),
    Read(equipment.stale_equipment, ALL, cared_for_before=LATER, estate_id=None, limit=10),
    Read(equipment.board, ALL, estate_id=None, kind=None, offline_before=LATER, limit=10),
    Read(board_past.board, ALL, estate_id=None, kind=None, offline_before=LATER, limit=10),
    Read(
        equipment.archive,
        record("equipment"),
        category=None,
        since=None,
        until=None,
        after_position=None,
        limit=10,
    ),
    Read(equipment.visible_alarm, EVERY_RIGHT, record("alarm")),
    Read(equipment.search_alarms, ALL, **ALARM_SEARCH, before_key=None, limit=10),
    Read(identity.list_users, EVERY_RIGHT),
    Read(incidents.incident, Lazy(lambda w: UUID(w.incident))),
    Read(incidents.search_incidents, status=None, level=None, before_key=None, limit=10),
    Read(alerts.inbox, user_id_for("admin"), acknowledged=None, before=None, limit=10),
    Read(identity.get_user, EVERY_RIGHT, user("resident")),
    Read(identity.login_history, EVERY_RIGHT, user("resident")),
    Read(notifications.inbox, user("resident")),
    Read(notifications.preferences, user("resident")),
    Read(notifications.deliveries),
    Read(notifications.reminders_of, user("resident")),
    Read(open_items, user("customer_service")),
    Read(registry.estates, ALL, limit=10),
    Read(registry.estate, ALL, record("estate")),
    Read(registry.buildings, ALL, estate_id=None, limit=10),
    Read(registry.building, ALL, record("building")),
    Read(registry.units, ALL, estate_id=None, building_id=None, cursor=None, limit=10),
    Read(registry.unit, ALL, record("unit")),
    Read(registry.unit_occupancy, ALL, record("unit")),
    Read(registry.parking, ALL, estate_id=None, limit=10),
    Read(registry.parking_space, ALL, record("parking")),
    Read(registry.people, ALL, estate_id=None, cursor=None, limit=10),
    Read(registry.person, ALL, record("person")),
    Read(registry.person_occupancy, ALL, record("person")),
    Read(workorders.order, record("order")),
    Read(workorders.visible_order, EVERY_RIGHT, record("order")),
    Read(workorders.orders, ALL, {}, 10, None),
    Read(workorders.history, record("order")),
    Read(workorders.dashboard, ALL, None, None, None),
    Read(workorders.plans, ALL, None, None),
    Read(workorders.plan, record("plan")),
    Read(workorders.visible_plan, EVERY_RIGHT, record("plan")),
    Read(patrols.routes, ALL, None, None),
    Read(patrols.visible_route, EVERY_RIGHT, record("patrol_route")),
    Read(patrols.plans, ALL, None, None),
    Read(patrols.visible_plan, EVERY_RIGHT, record("patrol_plan")),
    Read(patrols.tasks, ALL, None, None, None),
    Read(patrols.visible_task, EVERY_RIGHT, record("patrol_task")),
    Read(patrols.completion, ALL, None, None),
    Read(expenses.vendors),
    Read(expenses.vendor, Lazy(lambda w: UUID(w.vendor))),
    Read(expenses.budget, ALL, record("estate"), 2026),
    Read(expenses.claims, ALL, {}),
    Read(expenses.claim, ALL, record("claim")),
    Read(expenses.analysis, ALL, record("estate"), 2026),
    Read(fund.accounts, ALL),
    Read(fund.account, ALL, record("unit")),
    Read(fund.spendings, ALL),
    Read(fund.spending, ALL, record("spending")),
    Read(fund_first_deposit.rule, ALL, record("estate"), date(2026, 3, 1)),
    Read(fund_first_deposit.unpaid, ALL, record("estate")),
    Read(compliance.reviews, ALL),
    Read(compliance.review, ALL, record("review")),
    Read(rates.rate_changes, record("estate")),
    Read(rates.billing_terms, record("estate")),
    Read(rates.rates_in_force, record("estate"), date(2026, 3, 1)),
    Read(rates.shared_costs, record("estate")),
    Read(rates.meter_readings, record("estate"), "2026-02"),
    Read(accounts.billing_runs, ALL, record("estate")),
    Read(accounts.bills, ALL),
    Read(accounts.bill, ALL, record("bill")),
    Read(accounts.payments, ALL),
    Read(accounts.unit_account, ALL, record("unit")),
    Read(parking.car_parks, ALL),
    Read(parking.car_park, ALL, record("car_park")),
    Read(parking.board, ALL, record("car_park")),
    Read(parking.vehicles, ALL),
    Read(parking.vehicle, ALL, record("vehicle")),
    Read(parking.passes, ALL, record("vehicle")),
    Read(parking.sessions, ALL),
    Read(parking.session, ALL, record("parking_session")),
    Read(parking.exceptions, ALL, record("car_park"), Lazy(lambda w: TODAY[-1])),
    Read(quality_runs.runs, ALL, record("estate")),
    Read(quality_runs.trend, ALL, record("estate"), "2000-01", "2100-12"),
    Read(quality_runs.latest, record("estate")),
    Read(quality_checks.report, ALL, Lazy(lambda w: _quality_scope(w))),
    Read(quality_checks.records, ALL, "units_without_owner", Lazy(lambda w: _quality_scope(w))),
    Read(
        quality_dashboard.dashboard,
        ALL,
        Lazy(lambda w: quality_dashboard.DashboardScope(UUID(w.a["estate"]), ARREARS_DAY)),
    ),
    Read(gate.passes, ALL),
    Read(gate.visitor_pass, ALL, record("visitor_pass")),
    Read(gate.inside, record("estate")),
    Read(gate.movements, record("estate"), since=datetime(2026, 1, 1, tzinfo=UTC), until=LATER),
]


# ---- the checker ------------------------------------------------------------------


def _view_of(annotation: Any) -> Any:
    """The row's view in a query's return type: ``V``, ``V | None``, ``list[V] | None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        [annotation] = [a for a in get_args(annotation) if a is not type(None)]
    return get_args(annotation)[0] if get_origin(annotation) is list else annotation


def _rows_of(answer: Any) -> list[Any]:
    return answer if isinstance(answer, list) else [] if answer is None else [answer]


def view_problems(view: Any, row: Any, at: str) -> list[str]:
    """How ``row`` differs from the TypedDict ``view``: its keys, its values' types."""
    if not isinstance(row, dict):
        return [f"{at}: {type(row).__name__}, not a {view.__name__}"]
    required, declared = view.__required_keys__, view.__required_keys__ | view.__optional_keys__
    problems = [f"{at}: undeclared key {k!r}" for k in sorted(set(row) - declared)]
    problems += [f"{at}: missing key {k!r}" for k in sorted(required - set(row))]
    hints = get_type_hints(view)
    for key in sorted(set(row) & declared):
        problems += type_problems(hints[key], row[key], f"{at}.{key}")
    return problems


def type_problems(hint: Any, value: Any, at: str) -> list[str]:
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return []
    if origin in (Union, types.UnionType):
        if value is None:
            return [] if type(None) in args else [f"{at}: None, declared {hint}"]
        tried = [type_problems(a, value, at) for a in args if a is not type(None)]
        return [] if any(not t for t in tried) else min(tried, key=len)
    if value is None:
        return [f"{at}: None, declared {hint} (not nullable)"]
    if origin is Literal:
        return [] if value in args else [f"{at}: {value!r} not one of {args}"]
    if is_typeddict(hint):
        return view_problems(hint, value, at)
    if origin is list:
        if not isinstance(value, list):
            return [f"{at}: {type(value).__name__}, declared {hint}"]
        if is_typeddict(args[0]) and not value:
            return [f"{at}: no {args[0].__name__} in the world to check"]
        return [p for i, v in enumerate(value) for p in type_problems(args[0], v, f"{at}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{at}: {type(value).__name__}, declared {hint}"]
        return [
            p
            for k, v in value.items()
            for p in type_problems(args[0], k, f"{at} key") + type_problems(args[1], v, f"{at}.{k}")
        ]
    # bool is an int and a datetime a date to isinstance; neither is what was declared
    exact = hint in (int, date)
    if (type(value) is not hint) if exact else not isinstance(value, hint):
        return [f"{at}: {type(value).__name__} {value!r}, declared {hint.__name__}"]
    return []


def test_the_checker_finds_what_differs() -> None:
    """The checker itself: a wrong key, a wrong type, a None where none is allowed."""
    from projections.registry.views import EstateRow

    good = {
        "id": UUID(int=1),
        "code": "E",
        "name": "n",
        "address": "a",
        "created_at": LATER,
        "updated_at": LATER,
        "version": 1,
    }
    assert view_problems(EstateRow, good, "row") == []
    assert view_problems(EstateRow, {**good, "extra": 1}, "row") == ["row: undeclared key 'extra'"]
    missing = {k: v for k, v in good.items() if k != "code"}
    assert view_problems(EstateRow, missing, "row") == ["row: missing key 'code'"]
    assert view_problems(EstateRow, {**good, "version": True}, "row") != []
    assert view_problems(EstateRow, {**good, "created_at": LATER.date()}, "row") != []
    assert view_problems(EstateRow, {**good, "name": None}, "row") != []
    assert type_problems(date, LATER, "d") != []  # a datetime is no date column


# ---- the world, topped up -----------------------------------------------------------


def _top_up(client: TestClient, container: Container, world: World) -> None:
    """What the world lacks for some queries: a published announcement (the
    board), a resident's chosen channels, estate A's billing terms, and a unit
    of estate A assessed for its first deposit (its one unit had a deposit), and
    estate A's bills of next month (the estate dashboard's collection)."""
    admin = bearer(login(client, "admin", ADMIN_PASSWORD))
    with container.pool.connection() as conn:
        [approval] = approvals.approvals(
            conn, ALL, filters={"subject_id": UUID(world.a["announcement"])}
        )
    Builder(client, admin, container).approve_fully(str(approval["approval_id"]))
    announcement = world.a["announcement"]
    ok(
        client.post(
            f"/api/v1/announcements/{announcement}/publish", headers=world.a.manager.headers
        )
    )
    ok(
        client.put(
            "/api/v1/notifications/preferences",
            json={"channels": ["in_app", "email"], "email": "owner.a@example.com"},
            headers=world.a.resident.headers,
        )
    )
    ok(
        client.put(
            f"/api/v1/finance/estates/{world.a['estate']}/billing-terms",
            json={"due_days": 20},
            headers=world.a.finance.headers,
        )
    )
    unit = {"number": "1901", "floor": 19, "gross_area": "80.00", "internal_area": "64.00"}
    ok(
        client.post(
            f"/api/v1/buildings/{world.a['building']}/units",
            json={**unit, "use": "residential"},
            headers=admin,
        ),
        201,
    )
    fund_path = f"/api/v1/finance/estates/{world.a['estate']}/fund"
    rule = {"rate": "48.00", "reference": "R-1", "effective_on": "2026-01-01"}
    finance = world.a.finance.headers
    ok(client.put(f"{fund_path}/first-deposit-rule", json=rule, headers=finance))
    settle(container)
    ok(client.post(f"{fund_path}/first-deposit-assessments", headers=finance))
    gate = world.a.gate_guard.headers  # A's visitor inside (issue 17)
    ok(client.post("/api/v1/gate/check-in", json={"token": world.a["pass_token"]}, headers=gate))
    # A car at A's exit with no recorded entry: the day's parking exceptions (0063).
    no_entry = {"plate": "粤B13579", "gate": "East 1", "direction": "out"}
    ok(client.post(f"/api/v1/car-parks/{world.a['car_park']}/gate", json=no_entry, headers=gate))
    TODAY.append(container.clock().astimezone(LOCAL).date())
    settle(container)
    # Next month's bills (due on its 21st), unpaid and overdue on ARREARS_DAY: the
    # estate dashboard's collection and arrears.
    billing = f"/api/v1/finance/estates/{world.a['estate']}/billing-runs"
    ok(client.post(billing, json={"period": f"{ARREARS_DAY:%Y-%m}"}, headers=finance), 201)
    settle(container)


def test_every_query_returns_the_view_it_declares(
    running: Container, client: TestClient, world: World
) -> None:
    _top_up(client, running, world)
    problems: list[str] = []
    with running.pool.connection() as conn:
        for read in QUERIES:
            view = _view_of(get_type_hints(read.query)["return"])
            assert is_typeddict(view), f"{read.name} declares no TypedDict view: {view}"
            rows = _rows_of(read(conn, world))
            if not rows:
                problems.append(f"{read.name}: no row in the world to check")
            for i, row in enumerate(rows):
                problems += view_problems(view, row, f"{read.name}[{i}]")
    assert not problems, "\n".join(problems)


def test_the_table_names_each_query_once() -> None:
    names = [read.name for read in QUERIES]
    assert len(names) == len(set(names))
