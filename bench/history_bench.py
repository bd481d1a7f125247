"""Does a command cost more on an aggregate with a long history? (issue 15)

Part of ``python -m bench`` (``--only history``). Uses a database of its own
beside the bench's (``<name>_history``, created empty) and ``estatelog
serve`` on it (projector, snapshotter and workers in its process, as by
default). The setup goes through the API (an estate, its units and owners
imported, users created) except the long histories, which
``bench.history_setup`` writes in this process through the service's
``EventLog``:

* unit accounts: one of about 5,000 events (2,500 bills issued and paid)
  and ``SMALL`` of about 10 (5 bills); a payment
  (``POST /finance/units/{id}/payments``, cash, 10.00 to credit) on each;
* users: one with 10,000 past logins (about 20,000 events: beyond 20
  sessions each login ends the oldest) and ``SMALL`` with 10; a login
  (``POST /auth/login``) and an administrator's command on the user
  (``POST /users/{id}/profile``) on each.

Before measuring, the server's projector and snapshotter have caught up with
the log (so a long history is loaded from its snapshot, as in service). The
first command on an aggregate is *cold* (the server has never loaded it; one
sample each: the first small one and the long one); then rounds, each
sending every command once to the long history and once to a small one (the
small ones in turn, so each grows by only a few events over the run; the
order alternates between rounds), one request at a time from one client.
Ratios are long/short of p50 (and of p99, and of the cold sample).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bench import history_setup, http_load
from bench.finance_bench import Api, _csv, positions, settle
from bench.measure import Result, percentile
from bench.replay_bench import open_container, sibling_database

SMALL = 4  # short-history aggregates of each kind, used in turn
LONG_BILLS, SHORT_BILLS = 2_500, 5  # 2 events a bill (issued, paid), and Opened
LONG_LOGINS, SHORT_LOGINS = 10_000, 10
PASSWORD = "tidal-quartz-meridian-4"
GOAL = 1.5  # issue 15: at most 1.5x with 5,000 events (10,000 logins) of history
CATCH_UP = 180.0  # seconds the server's projector and snapshotter may take


def _setup(api: Api, container: Any, url: str) -> dict[str, Any]:
    """The estate, units, owners and users; then the long and short histories."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    estate = api.post(
        "/estates",
        api.admin,
        {"code": "HISTBENCH", "name": "History Court", "address": "2 Bench Road, Shanghai"},
    )["id"]
    count = SMALL + 1
    api.upload(
        f"/estates/{estate}/imports/units",
        _csv(
            ["building", "number", "floor", "gross_area", "internal_area", "use"],
            [["H1", f"{n + 1}01", n + 1, "100.00", "80.00", "residential"] for n in range(count)],
        ),
    )
    api.upload(
        f"/estates/{estate}/imports/residents",
        _csv(
            ["building", "unit", "name", "relation", "moved_in_on"],
            [["H1", f"{n + 1}01", f"Owner {n}", "owner", "2000-01-01"] for n in range(count)],
        ),
    )
    run = uuid4().hex[:6]
    users = []
    for n in range(count):
        body = {
            "username": f"hist{n}-{run}",
            "password": PASSWORD,
            "display_name": f"History {n}",
            "roles": ["visitor"],
        }
        users.append((api.post("/users", api.admin, body)["id"], body["username"]))
    admin_id = UUID(api.client.get("/auth/me", headers=api.admin).json()["id"])
    names = [p.name for p in container.projector.projections]
    settle(url, names, container.event_log.head())
    with psycopg.connect(url) as conn:
        unit_ids = [
            r[0]
            for r in conn.execute(
                "SELECT unit_id FROM registry_units WHERE estate_id = %s ORDER BY number",
                [estate],
            )
        ]
    timings["api_seconds"] = round(time.perf_counter() - t0, 1)
    t1 = time.perf_counter()
    versions = {
        "accounts": [
            history_setup.account_with_history(
                container, UUID(estate), u, LONG_BILLS if i == 0 else SHORT_BILLS, admin_id
            )
            for i, u in enumerate(unit_ids)
        ],
        "users": [
            history_setup.logins(container, UUID(u), LONG_LOGINS if i == 0 else SHORT_LOGINS)
            for i, (u, _) in enumerate(users)
        ],
    }
    timings["history_seconds"] = round(time.perf_counter() - t1, 1)
    t2 = time.perf_counter()
    head = container.event_log.head()
    settle(url, names, head, timeout=CATCH_UP)
    _snapshotter_at(url, head)
    timings["catch_up_seconds"] = round(time.perf_counter() - t2, 1)
    return {
        "units": [str(u) for u in unit_ids],
        "users": users,
        "versions": versions,
        "events": head,
        "timings": timings,
    }


def _snapshotter_at(url: str, head: int, timeout: float = CATCH_UP) -> None:
    started = time.perf_counter()
    while True:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT max(position) FROM snapshotter_position").fetchone()
        if row and row[0] is not None and int(row[0]) >= head:
            return
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"snapshotter behind {head} after {timeout} s: {positions(url)}")
        time.sleep(0.1)


class Client:
    """One keep-alive connection; each call's seconds."""

    def __init__(self, base: str, admin: dict[str, str]) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = HTTPConnection(host, int(port), timeout=120)
        self.admin = {**admin, "Content-Type": "application/json"}

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> float:
        started = time.perf_counter()
        self.conn.request("POST", "/api/v1" + path, json.dumps(body), headers)
        response = self.conn.getresponse()
        text = response.read()
        seconds = time.perf_counter() - started
        if response.status >= 300:
            raise RuntimeError(f"POST {path}: {response.status} {text[:300]!r}")
        return seconds

    def payment(self, unit: str) -> float:
        body = {"amount": "10.00", "method": "cash", "reference": uuid4().hex}
        return self._post(f"/finance/units/{unit}/payments", body, self.admin)

    def login(self, username: str) -> float:
        body = {"username": username, "password": PASSWORD}
        return self._post("/auth/login", body, {"Content-Type": "application/json"})

    def profile(self, user_id: str) -> float:
        body = {"display_name": f"History {uuid4().hex[:8]}"}
        return self._post(f"/users/{user_id}/profile", body, self.admin)


def _measure(client: Client, made: dict[str, Any], rounds: int) -> dict[str, Any]:
    units, users = made["units"], made["users"]
    calls: dict[str, Callable[[int], float]] = {
        "payment": lambda i: client.payment(units[i]),
        "login": lambda i: client.login(users[i][1]),
        "profile change": lambda i: client.profile(users[i][0]),
    }
    # Cold: the first command the server sees on each (a login would warm the
    # user's cache for the profile change, so only the payment and the profile
    # change get a cold sample).
    cold = {
        name: {"long": calls[name](0), "short": calls[name](1)}
        for name in ("payment", "profile change")
    }
    samples: dict[str, dict[str, list[float]]] = {n: {"long": [], "short": []} for n in calls}
    for r in range(rounds):
        short = 1 + r % SMALL
        pair = [("long", 0), ("short", short)]
        for side, i in pair if r % 2 else pair[::-1]:
            for name, call in calls.items():
                samples[name][side].append(call(i))
    out: dict[str, Any] = {}
    for name in calls:
        figures: dict[str, Any] = {}
        for side in ("long", "short"):
            s = samples[name][side]
            figures[side] = {
                "samples": len(s),
                "p50_ms": round(percentile(s, 0.5) * 1000, 2),
                "p99_ms": round(percentile(s, 0.99) * 1000, 2),
                "seconds": round(sum(s), 3),
            }
            if name in cold:
                figures[side]["cold_ms"] = round(cold[name][side] * 1000, 2)
        long, short_ = figures["long"], figures["short"]
        figures["ratio_p50"] = round(long["p50_ms"] / short_["p50_ms"], 2)
        figures["ratio_p99"] = round(long["p99_ms"] / short_["p99_ms"], 2)
        if name in cold:
            figures["ratio_cold"] = round(long["cold_ms"] / short_["cold_ms"], 2)
        out[name] = figures
    return out


def run(
    server_url: str, redis_url: str, data_dir: Path, database: str, *, rounds: int
) -> dict[str, Any]:
    url = sibling_database(server_url, database)
    port = http_load.free_port()
    env = http_load.api_env(url, redis_url, data_dir / "api", port)
    with http_load.server(http_load.estatelog_argv(), env, port) as base:
        api = Api(base)
        container = open_container(url, redis_url, data_dir / "api")
        try:
            made = _setup(api, container, url)
            v = made["versions"]
            print(
                f"  history: account versions {v['accounts'][0]:,} / {v['accounts'][1]:,}, "
                f"user versions {v['users'][0]:,} / {v['users'][1]:,}; {made['timings']}",
                flush=True,
            )
            client = Client(base, api.admin)
            commands = _measure(client, made, rounds)
        finally:
            container.close()
            api.close()
    return {
        "rounds": rounds,
        "versions": made["versions"],
        "setup": {"events": made["events"], **made["timings"]},
        "commands": commands,
    }


def ratios(figures: dict[str, Any]) -> dict[str, float | None]:
    """``history_<command>_p50`` (and cold): the long history's latency over the short's."""
    out: dict[str, float | None] = {}
    for name, f in figures["commands"].items():
        key = name.replace(" ", "_")
        out[f"history_{key}_p50"] = f["ratio_p50"]
        if "ratio_cold" in f:
            out[f"history_{key}_cold"] = f["ratio_cold"]
    return out


def goals(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 15's "<= 1.5x" for each command, on the p50 (p99 and cold beside it)."""
    v = figures["versions"]
    out = []
    for name, f in figures["commands"].items():
        history = (
            f"{v['accounts'][0]:,}-event account vs {v['accounts'][1]:,}"
            if name == "payment"
            else f"user of {LONG_LOGINS:,} logins vs {SHORT_LOGINS}"
        )
        cold = f" (cold {f['ratio_cold']}x)" if "ratio_cold" in f else ""
        out.append(
            {
                "issue": 15,
                "goal": f"{name}, long history <= {GOAL}x short, p50",
                "measured": f"{f['ratio_p50']}x, p99 {f['ratio_p99']}x{cold}; {history}",
                "met": f["ratio_p50"] <= GOAL,
            }
        )
    return out


def as_results(figures: dict[str, Any]) -> list[Result]:
    """A row per command and history length (group ``history``)."""
    rows = []
    v = figures["versions"]
    for name, f in figures["commands"].items():
        for side in ("short", "long"):
            s = f[side]
            if name == "payment":
                what = f"{v['accounts'][0 if side == 'long' else 1]:,}-event account"
            else:
                what = f"{LONG_LOGINS if side == 'long' else SHORT_LOGINS:,}-login user"
            cold = f", cold {s['cold_ms']:.1f} ms" if "cold_ms" in s else ""
            rows.append(
                Result(
                    "history",
                    f"{name}, {what}",
                    1,
                    s["samples"],
                    s["seconds"],
                    round(s["samples"] / s["seconds"], 1) if s["seconds"] else 0.0,
                    p50_ms=s["p50_ms"],
                    p99_ms=s["p99_ms"],
                    note=f"warm, one at a time{cold}"
                    + (f"; long/short p50 {f['ratio_p50']}x" if side == "long" else ""),
                )
            )
    return rows
