"""HTTP commands through the real API (``estatelog serve``) vs a bare endpoint.

The command is ``POST /api/v1/users/{id}/profile`` (an administrator's token,
one user per client so that clients never conflict): authentication loads the
caller's aggregate, the command loads and saves the user's, and the response
carries the position. It is the cheapest command the API has today; domain
commands added later may cost more.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from http.client import HTTPConnection
from pathlib import Path
from uuid import uuid4

import httpx

from bench.measure import Result, run_threads

ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("benchadmin", "tidal-quartz-meridian-1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(argv: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(argv, env={**os.environ, **env}, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{argv} exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/openapi.json", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv} did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def api_env(database_url: str, redis_url: str, data_dir: Path, port: int) -> dict[str, str]:
    return {
        "ESTATELOG_DATABASE_URL": database_url,
        "ESTATELOG_REDIS_URL": redis_url,
        "ESTATELOG_DATA_DIR": str(data_dir),
        "ESTATELOG_PORT": str(port),
        "ESTATELOG_ADMIN_USERNAME": ADMIN[0],
        "ESTATELOG_ADMIN_PASSWORD": ADMIN[1],
        "ESTATELOG_LOG_LEVEL": "warning",
        "ESTATELOG_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
        # The projector must be able to decode the bench's own events if the
        # database already holds some (ESTATELOG_BENCH_DATABASE_URL).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def prepare_users(base: str, count: int) -> tuple[dict[str, str], list[str]]:
    """An admin token and ``count`` users for the clients to change."""
    run = uuid4().hex[:8]  # the database may already hold an earlier run's users
    with httpx.Client(base_url=base, timeout=60) as client:
        r = client.post("/api/v1/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]})
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        ids = []
        for i in range(count):
            r = client.post(
                "/api/v1/users",
                headers=headers,
                json={
                    "username": f"bench{i:03d}-{run}",
                    "password": "tidal-quartz-meridian-2",
                    "display_name": f"Bench {i}",
                    "roles": ["visitor"],
                },
            )
            r.raise_for_status()
            ids.append(r.json()["id"])
    return headers, ids


def load(
    name: str,
    base: str,
    clients: int,
    seconds: float,
    request: tuple[str, list[str], dict[str, str]],
) -> Result:
    """``clients`` threads, each with its own keep-alive connection.

    ``http.client`` rather than httpx: the load generator shares the two
    cores with the server and PostgreSQL, so it must cost as little CPU per
    request as possible. A non-2xx answer counts as an error.
    """
    path_template, ids, headers = request
    host, port = base.removeprefix("http://").split(":")
    send_headers = {**headers, "Content-Type": "application/json"}

    def make(i: int) -> Callable[[], None]:
        conn = HTTPConnection(host, int(port), timeout=60)
        path = path_template.format(id=ids[i % len(ids)]) if ids else path_template
        count = itertools.count()

        def work() -> None:
            body = json.dumps({"display_name": f"c{i}-{next(count)}"}) if ids else "{}"
            conn.request("POST", path, body=body, headers=send_headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 300:
                raise RuntimeError(f"{response.status}")

        return work

    return run_threads("http", name, make, clients, seconds, warmup=1.0)


def estatelog_argv() -> list[str]:
    return [str(Path(sys.executable).parent / "estatelog"), "serve"]


def bare_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.bare_app", str(port)]
