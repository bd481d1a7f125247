"""``python -m bench.rss_plateau``: the resident memory of ``estatelog serve`` under commands.

Starts ``estatelog serve`` on the embedded default (its own PostgreSQL and
Redis under ``--data-dir``, API + projector + workers in one process), makes
an estate with a unit and a technician, then sends a mix of commands from
one client, one after another: submit, triage and assign a work order, the
technician logs in, changes their display name, a cash payment for the unit.
Every ``--every`` commands it reads the server's VmRSS from
``/proc/<pid>/status`` (the Python process only: PostgreSQL and Redis are
processes of their own). A process that leaks keeps growing at about the
same rate per 1,000 commands; one that does not flattens once its caches
are full and the allocator has settled.

Linux only (``/proc``). Timings are for people, never for CI.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.http_load import ADMIN, ROOT, estatelog_argv, free_port, server

PASSWORD = "rss-technician-password-1"
# Payments and logins are spread over several units and people, as they are
# in an estate: one unit's account or one person's sessions growing with
# every command of the run would measure that aggregate, not the process.
UNITS = 20
TECHNICIANS = 10


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def serve_pid(port: int) -> int:
    """The process listening on ``port`` (the ``estatelog`` script may exec python)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":  # LISTEN
            inode = fields[9]
            break
    if inode is None:
        raise RuntimeError(f"nothing listens on {port}")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return int(proc.name)
        except OSError:
            continue
    raise RuntimeError(f"no process holds the socket on {port}")


class World:
    """An estate, a unit and a technician, made through the API as an administrator."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.admin = self.login(*ADMIN)
        estate = self.created("estates", {"code": "RSS", "name": "RSS Court", "address": "1 Rd"})
        building = self.created(f"estates/{estate}/buildings", {"code": "B1", "name": "Tower"})
        self.units = [
            self.created(
                f"buildings/{building}/units",
                {
                    "number": f"{n + 1}01",
                    "floor": n + 1,
                    "gross_area": "89.50",
                    "internal_area": "72.30",
                },
            )
            for n in range(UNITS)
        ]
        self.estate = estate
        self.techs: list[tuple[str, str]] = []
        for n in range(TECHNICIANS):
            username = f"rss.tech{n}"
            body = {
                "username": username,
                "password": PASSWORD,
                "display_name": f"Tech {n}",
                "roles": ["technician"],
            }
            tech = self.created("users", body)
            self.post(f"users/{tech}/estates", {"estate_id": estate})
            self.techs.append((tech, username))
        # Payments look the unit up in its read model: wait for the projector.
        deadline = time.monotonic() + 30
        last = f"/api/v1/units/{self.units[-1]}"
        while client.get(last, headers=self.admin).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the units never reached their read model")
            time.sleep(0.1)

    def login(self, username: str, password: str) -> dict[str, str]:
        r = self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
        r = self.client.post(f"/api/v1/{path}", json=body, headers=headers or self.admin)
        if r.status_code >= 300:
            raise RuntimeError(f"POST {path}: {r.status_code} {r.text}")
        result: dict[str, Any] = r.json()
        return result

    def created(self, path: str, body: Any) -> str:
        return str(self.post(path, body)["id"])

    def commands(self) -> Iterator[Callable[[], object]]:
        """An endless mix of commands, one callable each."""
        for n in itertools.count():
            yield from self.cycle(n)

    def cycle(self, n: int) -> list[Callable[[], object]]:
        """Six commands: a work order submitted, triaged and assigned; a technician
        logs in and, with that new token, changes their name; a cash payment."""
        tech, username = self.techs[n % TECHNICIANS]
        unit = self.units[n % UNITS]
        order: dict[str, str] = {}
        session: dict[str, dict[str, str]] = {}

        def submit() -> None:
            body = {"title": f"Leak {n}", "description": "basement", "estate_id": self.estate}
            order["id"] = self.created("workorders", body)

        def triage() -> None:
            body = {"category": "plumbing", "priority": "high"}
            self.post(f"workorders/{order['id']}/triage", body)

        def assign() -> None:
            self.post(f"workorders/{order['id']}/assign", {"technician_id": tech})

        def login() -> None:
            session["headers"] = self.login(username, PASSWORD)

        def rename() -> None:
            body = {"display_name": f"T{n}"}
            self.post(f"users/{tech}/profile", body, session["headers"])

        def pay() -> None:
            body = {"amount": "10.00", "method": "cash", "reference": f"r{n}"}
            self.post(f"finance/units/{unit}/payments", body)

        return [submit, triage, assign, login, rename, pay]


def run(
    commands: int, every: int, data_dir: Path, argv: list[str], cache_size: int | None
) -> list[dict[str, Any]]:
    port = free_port()
    env = {
        "ESTATELOG_DATA_DIR": str(data_dir),
        "ESTATELOG_PORT": str(port),
        "ESTATELOG_ADMIN_USERNAME": ADMIN[0],
        "ESTATELOG_ADMIN_PASSWORD": ADMIN[1],
        "ESTATELOG_LOG_LEVEL": "warning",
        "ESTATELOG_LOGIN_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    if cache_size is not None:
        env["ESTATELOG_AGGREGATE_CACHE_SIZE"] = str(cache_size)
    samples: list[dict[str, Any]] = []
    with server(argv, env, port) as base, httpx.Client(base_url=base, timeout=60) as client:
        pid = serve_pid(port)
        world = World(client)
        started = time.monotonic()
        print(f"{'commands':>9} {'RSS MiB':>8} {'delta/1k':>9} {'seconds':>8}", flush=True)
        for done, command in enumerate(itertools.islice(world.commands(), commands), 1):
            command()
            if done % every == 0:
                rss = rss_kib(pid) / 1024
                delta = (rss - samples[-1]["rss_mib"]) * 1000 / every if samples else 0.0
                seconds = time.monotonic() - started
                samples.append({"commands": done, "rss_mib": round(rss, 1), "seconds": seconds})
                print(f"{done:>9} {rss:>8.1f} {delta:>+9.2f} {seconds:>8.0f}", flush=True)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rss_plateau")
    parser.add_argument("--commands", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "rss-plateau")
    parser.add_argument(
        "--cache-size", type=int, help="ESTATELOG_AGGREGATE_CACHE_SIZE (default: the setting's)"
    )
    parser.add_argument("--json", type=Path, help="also write the samples here")
    parser.add_argument(
        "--serve",
        default=None,
        help="the command that serves (default: this venv's `estatelog serve`)",
    )
    args = parser.parse_args()
    shutil.rmtree(args.data_dir, ignore_errors=True)  # a fresh store each run
    argv = args.serve.split() if args.serve else estatelog_argv()
    samples = run(args.commands, args.every, args.data_dir, argv, args.cache_size)
    if args.json:
        args.json.write_text(json.dumps(samples, indent=1) + "\n")
    if len(samples) >= 4:
        half = len(samples) // 2
        first, last = samples[half - 1], samples[-1]
        rate = (last["rss_mib"] - first["rss_mib"]) * 1000 / (last["commands"] - first["commands"])
        print(f"second half: {rate:+.3f} MiB per 1,000 commands", file=sys.stderr)


if __name__ == "__main__":
    main()
