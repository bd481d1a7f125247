"""Finance: billing runs of a 10,000-unit estate and payments through the API.

Part of ``python -m bench`` (``--only finance``). Uses a database of its own
beside the bench's (``<name>_finance`` on the same server, created empty) and
``estatelog serve`` on it (projector and workers running, as by default).
The estate is made through the API: the registry import (one CSV of units,
one of owners, every unit owned since 2025-01-01), two rates adopted through
approval (property fee per m² of gross area, parking per space; proposed by a
finance clerk, approved at every level by the administrator), a shared cost
for each billed period, split by gross area, and a parking space assigned to
every third unit (registered and assigned through the domain, saved in one
``save_bulk``: there is no import for parking).

Measured, on this month and the two after it (a rate may not take effect
before the current month, and the API bills at most a month ahead):

* ``AccountService.run_billing`` in this process (the service's container on
  the same database; its projector is the server's): month 1 opens every
  account; a re-run of month 1 finds the run and returns; month 3 loads
  every account (``load_many``) and appends, with this container's clock
  set to the 1st of month 3;
* the same through ``POST /estates/{id}/billing-runs`` once, for month 2
  (the server's real clock), to set the HTTP overhead against month 3;
* the ceiling: the run's own events (read back from the log after month 1,
  same sizes and topics) written by a raw ``COPY`` in one transaction into a
  scratch table shaped like the log (no triggers), bills/s at that rate;
* how long after the run's commit the server's projector had the
  ``finance_accounts`` and ``finance_ledger`` read models at the run's
  position (bills/s from the commit);
* ``POST /units/{id}/payments`` (cash, 10.00 against a month-1 bill) from 16
  clients, each on units of its own (no contention), and from 8 clients on
  one unit (every payment conflicts: the service reloads and retries); the
  ceiling is the bare endpoint (``bench/bare_app.py``) at the same client
  counts, on the same database.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg

from application.actor import system_acting_for
from application.finance.accounts.commands import RunBilling
from bench import http_load
from bench.appends import create_raw_table
from bench.measure import Result, run_threads
from bench.replay_bench import open_container, sibling_database
from bootstrap import Container
from domain.finance.account import bill_id_for
from domain.registry.places import ParkingSpace
from infrastructure.eventstore.store import EVENTS_TABLE

SCRATCH = "bench_finance_raw"
PROJECTIONS = ("finance_accounts", "finance_ledger")
BUILDINGS = 20
PAYING_CLIENTS = 16
CONTENDED_CLIENTS = 8
SINCE = "2025-01-01"  # every owner moved in on this day
PASSWORD = "tidal-quartz-meridian-3"


def periods(today: date, count: int = 3) -> list[str]:
    """This month and the ``count - 1`` after it."""
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# ---- the estate ----------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    return response.json()


class Api:
    """The setup's calls, as the administrator or the finance clerk."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base + "/api/v1", timeout=600)
        self.admin = self.login(*http_load.ADMIN)

    def close(self) -> None:
        self.client.close()

    def login(self, username: str, password: str) -> dict[str, str]:
        body = _ok(
            self.client.post("/auth/login", json={"username": username, "password": password})
        )
        return {"Authorization": f"Bearer {body['access_token']}"}

    def post(self, path: str, who: dict[str, str], body: Any = None, **kw: Any) -> Any:
        return _ok(self.client.post(path, json=body, headers=who, **kw))

    def upload(self, path: str, content: bytes) -> Any:
        headers = {**self.admin, "Content-Type": "text/csv"}
        return _ok(self.client.post(path, content=content, headers=headers))


def make_estate(
    api: Api, units: int, rates_from: str, settled: Callable[[], float]
) -> dict[str, Any]:
    """Estate, units, owners, a finance clerk, rates and shared costs; timings of each."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    estate = api.post(
        "/estates",
        api.admin,
        {"code": "FINBENCH", "name": "Bench Garden", "address": "1 Bench Road, Shanghai"},
    )["id"]
    per_building = -(-units // BUILDINGS)
    unit_rows, owner_rows = [], []
    for n in range(units):
        building, k = divmod(n, per_building)
        floor, door = divmod(k, 20)
        gross = Decimal(60 + (n * 37) % 101) + Decimal(n % 4) / 4  # 60.00-160.75 m²
        internal = (gross * Decimal("0.8")).quantize(Decimal("0.01"))
        code, number = f"B{building + 1:02d}", f"{floor + 1}{door + 1:02d}"
        unit_rows.append([code, number, floor + 1, gross, internal, "residential"])
        owner_rows.append([code, number, f"Owner {n}", "owner", SINCE])
    imported = api.upload(
        f"/estates/{estate}/imports/units",
        _csv(["building", "number", "floor", "gross_area", "internal_area", "use"], unit_rows),
    )
    timings["import_units_seconds"] = round(time.perf_counter() - t0, 2)
    t1 = time.perf_counter()
    residents = api.upload(
        f"/estates/{estate}/imports/residents",
        _csv(["building", "unit", "name", "relation", "moved_in_on"], owner_rows),
    )
    timings["import_owners_seconds"] = round(time.perf_counter() - t1, 2)
    assert imported["units"] == units and residents["people"] == units, (imported, residents)
    timings["projections_after_imports_seconds"] = round(settled(), 2)
    clerk = api.post(
        "/users",
        api.admin,
        {
            "username": "bench.finance",
            "password": PASSWORD,
            "display_name": "Bench Finance",
            "roles": ["finance"],
        },
    )["id"]
    api.post(f"/users/{clerk}/estates", api.admin, {"estate_id": estate})
    finance = api.login("bench.finance", PASSWORD)
    for item, rate in (("property_fee", "2.50"), ("parking", "300.00")):
        change = api.post(
            f"/finance/estates/{estate}/rate-changes",
            finance,
            {
                "item": item,
                "rate": rate,
                "effective_from": rates_from,
                "contract_reference": "PSC-2024-001",
            },
        )
        approve_fully(api, change["approval_id"], change["position"])
    return {"estate_id": estate, "finance": finance, "timings": timings}


def approve_fully(api: Api, approval_id: str, after: int) -> None:
    """The administrator approves every level (as ``tests/e2e/finance/helpers.py``)."""
    for _ in range(6):
        view = _ok(
            api.client.get(f"/approvals/{approval_id}", params={"after": after}, headers=api.admin)
        )
        if view["status"] != "pending":
            assert view["status"] == "approved", view
            return
        after = api.post(f"/approvals/{approval_id}/approve", api.admin, {})["position"]
    raise RuntimeError(f"approval {approval_id} still pending")


def assign_parking(container: Container, estate_id: UUID, unit_ids: list[UUID]) -> int:
    """A space for every third unit, registered and assigned in one save; how many."""
    spaces = []
    for i, unit_id in enumerate(unit_ids[::3]):
        space = ParkingSpace.register(estate_id=estate_id, code=f"P{i:05d}", level="B1")
        space.assign(unit_id, estate_id)
        spaces.append(space)
    container.event_log.save_bulk(spaces)
    return len(spaces)


# ---- waiting for the projector ---------------------------------------------------------


def positions(url: str) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT name, position FROM projection_positions").fetchall()
    return {name: int(p) for name, p in rows}


def settle(url: str, names: list[str], head: int, timeout: float = 300.0) -> float:
    """Wait until every projection in ``names`` has applied ``head``; seconds waited."""
    started = time.perf_counter()
    while True:
        at = positions(url)
        if all(at.get(n, 0) >= head for n in names):
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"projections still behind {head} after {timeout} s: {at}")
        time.sleep(0.05)


def catch_up(url: str, position: int, since: float, timeout: float = 300.0) -> dict[str, float]:
    """Seconds from ``since`` (the run's commit) until each finance read model had ``position``."""
    reached: dict[str, float] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        while len(reached) < len(PROJECTIONS):
            rows = conn.execute(
                "SELECT name, position FROM projection_positions WHERE name = ANY(%s)",
                [list(PROJECTIONS)],
            ).fetchall()
            now = time.perf_counter()
            for name, at in rows:
                if name not in reached and int(at) >= position:
                    reached[name] = round(now - since, 3)
            if now - since > timeout:
                raise RuntimeError(f"finance read models behind {position} after {timeout} s")
            time.sleep(0.02)
    return reached


# ---- billing ---------------------------------------------------------------------------


def _run_figures(result: Any, seconds: float, before: int) -> dict[str, Any]:
    if isinstance(result, dict):
        bills, position, already = result["bills"], result["position"], result["already_run"]
        amount = result["amount"]
    else:
        bills, position, already = result.bills, result.position, result.already_run
        amount = str(result.amount)
    return {
        "bills": bills,
        "amount": str(amount),
        "events": position - before if position else 0,
        "position": position,
        "seconds": round(seconds, 3),
        "bills_per_second": round(bills / seconds) if bills else None,
        "already_run": already,
    }


def run_in_process(container: Container, estate_id: UUID, period: str, by: UUID) -> dict[str, Any]:
    before = container.event_log.head()
    started = time.perf_counter()
    result = container.finance.accounts.bill(RunBilling(system_acting_for(by), estate_id, period))
    return _run_figures(result, time.perf_counter() - started, before)


def run_over_http(
    api: Api, container: Container, estate_id: UUID, period: str, finance: dict[str, str]
) -> dict[str, Any]:
    before = container.event_log.head()
    started = time.perf_counter()
    response = api.client.post(
        f"/finance/estates/{estate_id}/billing-runs", json={"period": period}, headers=finance
    )
    seconds = time.perf_counter() - started
    return _run_figures(_ok(response), seconds, before)


def copy_ceiling(url: str, first: int, last: int) -> dict[str, Any]:
    """COPY the events at positions ``first..last`` again, in one transaction, elsewhere."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
            "WHERE notification_id BETWEEN %s AND %s ORDER BY notification_id",
            [first, last],
        ).fetchall()
        conn.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        conn.execute(
            f"CREATE TABLE {SCRATCH} (originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute(f"CREATE UNIQUE INDEX {SCRATCH}_nid ON {SCRATCH} (notification_id)")
        conn.execute("CHECKPOINT")
    state_bytes = sum(len(r[3]) for r in rows)
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                f"COPY {SCRATCH} (originator_id, originator_version, topic, state) "
                "FROM STDIN (FORMAT binary)"
            ) as copy,
        ):
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for row in rows:
                copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - started
    return {
        "rows": len(rows),
        "mean_state_bytes": round(state_bytes / len(rows)) if rows else 0,
        "seconds": round(seconds, 3),
        "rows_per_second": round(len(rows) / seconds),
    }


# ---- payments --------------------------------------------------------------------------


def pay_load(
    name: str,
    base: str,
    clients: int,
    seconds: float,
    targets: list[list[tuple[str, str | None]]],
    amount: str,
    headers: dict[str, str],
) -> Result:
    """``clients`` threads, each paying its own list of (unit, bill) in turn."""
    host, port = base.removeprefix("http://").split(":")
    send_headers = {**headers, "Content-Type": "application/json"}

    def make(i: int) -> Callable[[], None]:
        conn = HTTPConnection(host, int(port), timeout=120)
        mine = itertools.cycle(targets[i % len(targets)])

        def work() -> None:
            unit, bill = next(mine)
            # A cash payment carries its receipt's number, one per payment.
            body: dict[str, Any] = {"amount": amount, "method": "cash", "reference": uuid4().hex}
            if bill is not None:
                body["bill_id"] = bill
            conn.request(
                "POST", f"/api/v1/finance/units/{unit}/payments", json.dumps(body), send_headers
            )
            response = conn.getresponse()
            response.read()
            if response.status >= 300:
                raise RuntimeError(f"{response.status}")

        return work

    return run_threads("finance", name, make, clients, seconds, warmup=1.0)


# ---- the whole part ----------------------------------------------------------------------


def run(
    server_url: str,
    redis_url: str,
    data_dir: Path,
    database: str,
    *,
    seconds: float,
    units: int = 10_000,
) -> dict[str, Any]:
    url = sibling_database(server_url, database)
    create_raw_table(url)  # the bare endpoint's table
    port = http_load.free_port()
    env = http_load.api_env(url, redis_url, data_dir / "api", port)
    figures: dict[str, Any] = {"units": units}
    month1, month2, month3 = periods(datetime.now(UTC).date())
    figures["periods"] = [month1, month2, month3]
    with http_load.server(http_load.estatelog_argv(), env, port) as base:
        api = Api(base)
        container = open_container(url, redis_url, data_dir / "api")
        try:
            started = time.perf_counter()
            names = [p.name for p in container.projector.projections]
            made = make_estate(
                api,
                units,
                f"{month1}-01",
                lambda: settle(url, names, container.event_log.head()),
            )
            estate_id, finance = UUID(made["estate_id"]), made["finance"]
            with psycopg.connect(url) as conn:
                unit_ids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT unit_id FROM registry_units WHERE estate_id = %s ORDER BY unit_id",
                        [estate_id],
                    )
                ]
            spaces = assign_parking(container, estate_id, unit_ids)
            for period in (month1, month2, month3):
                api.post(
                    f"/finance/estates/{estate_id}/shared-costs",
                    finance,
                    {
                        "period": period,
                        "description": "lift and lobby maintenance",
                        "amount": "86420.50",
                        "basis": "gross",
                    },
                )
            head = container.event_log.head()
            settle(url, names, head)
            figures["setup"] = {
                **made["timings"],
                "parking_spaces": spaces,
                "events": head,
                "seconds_with_projections": round(time.perf_counter() - started, 1),
            }
            print(
                f"  finance: {units:,} units, owners, rates and {spaces:,} parking spaces "
                f"in {figures['setup']['seconds_with_projections']} s",
                flush=True,
            )
            admin_id = UUID(_ok(api.client.get("/auth/me", headers=api.admin))["id"])

            def billed(key: str, run: dict[str, Any], catch: bool = True) -> None:
                done = time.perf_counter()
                if catch:
                    run["projections_seconds"] = catch_up(url, run["position"], done)
                    slowest = max(run["projections_seconds"].values())
                    run["projection_bills_per_second"] = round(run["bills"] / slowest)
                figures[key] = run
                print(
                    f"  finance {key}: {run['bills']:,} bills in {run['seconds']} s"
                    + (f", read models {run['projections_seconds']}" if catch else ""),
                    flush=True,
                )
                settle(url, names, container.event_log.head())

            before = container.event_log.head()
            billed("month1", run_in_process(container, estate_id, month1, admin_id))
            figures["copy_ceiling"] = copy_ceiling(url, before + 1, figures["month1"]["position"])
            billed("rerun", run_in_process(container, estate_id, month1, admin_id), catch=False)
            billed("month2_http", run_over_http(api, container, estate_id, month2, finance))
            # The server bills at most a month ahead of today; this process's
            # services read the clock of its container, moved to month 3.
            real_clock = container.finance.accounts.deps.clock
            month3_day = datetime.fromisoformat(f"{month3}-01T09:00:00+00:00")
            container.finance.accounts.deps.clock = lambda: month3_day
            try:
                billed("month3", run_in_process(container, estate_id, month3, admin_id))
            finally:
                container.finance.accounts.deps.clock = real_clock

            first_day = date.fromisoformat(f"{month1}-01")
            units_of: list[list[tuple[str, str | None]]] = [
                [
                    (str(u), str(bill_id_for(u, month1, first_day)))
                    for u in unit_ids[i::PAYING_CLIENTS]
                ]
                for i in range(PAYING_CLIENTS)
            ]
            figures["payments"] = pay_load(
                "payment API, distinct units",
                base,
                PAYING_CLIENTS,
                seconds,
                units_of,
                "10.00",
                finance,
            ).as_dict()
            figures["payments_contended"] = pay_load(
                "payment API, one unit (contended)",
                base,
                CONTENDED_CLIENTS,
                seconds,
                [[(str(unit_ids[-1]), None)]],
                "1.00",
                finance,
            ).as_dict()
        finally:
            container.close()
            api.close()
    port = http_load.free_port()
    with http_load.server(
        http_load.bare_argv(port), {**env, "ESTATELOG_PORT": str(port)}, port
    ) as base:
        figures["bare"] = [
            http_load.load(
                "bare FastAPI + INSERT (ceiling)", base, n, seconds, ("/bare", [], {})
            ).as_dict()
            for n in (PAYING_CLIENTS, CONTENDED_CLIENTS)
        ]
    return figures


def as_results(figures: dict[str, Any]) -> list[Result]:
    """The figures as rows of the bench table (group ``finance``)."""
    rows = []
    copy = figures["copy_ceiling"]
    m1 = figures["month1"]

    def run_row(name: str, run: dict[str, Any], what: str) -> Result:
        return Result(
            "finance",
            name,
            1,
            run["bills"],
            run["seconds"],
            run["bills_per_second"] or 0.0,
            note=f"bills/s: {run['bills']:,} bills, {run['events']:,} events in "
            f"{run['seconds']:.2f} s; {what}",
        )

    copy_bills = m1["bills"] / copy["seconds"]
    rows.append(
        Result(
            "finance",
            "raw COPY of month 1's events (ceiling)",
            1,
            copy["rows"],
            copy["seconds"],
            round(copy_bills),
            note=f"bills/s at COPY speed: {copy['rows']:,} rows (mean state "
            f"{copy['mean_state_bytes']} B) in {copy['seconds']:.2f} s, "
            f"{copy['rows_per_second']:,} rows/s",
        )
    )
    rows.append(run_row("billing run, service, month 1", m1, "opens every account"))
    rows.append(run_row("billing run, HTTP, month 2", figures["month2_http"], "POST billing-runs"))
    rows.append(run_row("billing run, service, month 3", figures["month3"], "load_many + append"))
    rerun = figures["rerun"]
    rows.append(
        Result(
            "finance",
            "billing re-run of month 1",
            1,
            1,
            rerun["seconds"],
            round(1 / rerun["seconds"], 1) if rerun["seconds"] else 0.0,
            p50_ms=rerun["seconds"] * 1000,
            note=f"runs/s; idempotent: {rerun['seconds'] * 1000:.1f} ms, "
            f"already_run={rerun['already_run']}, nothing appended",
        )
    )
    for key, label in (("month1", "month 1"), ("month2_http", "month 2"), ("month3", "month 3")):
        run = figures[key]
        each = ", ".join(f"{n} {s:.2f} s" for n, s in run["projections_seconds"].items())
        rows.append(
            Result(
                "finance",
                f"finance read models caught up, {label}",
                1,
                run["bills"],
                max(run["projections_seconds"].values()),
                run["projection_bills_per_second"],
                note=f"bills/s from the run's commit: {each}",
            )
        )
    for key in ("payments", "payments_contended"):
        rows.append(Result(**figures[key]))
    for bare in figures["bare"]:
        rows.append(Result(**{**bare, "group": "finance"}))
    return rows
