"""HTTP commands through the real API (``estatelog serve``) vs a bare endpoint.

The command is ``POST /api/v1/users/{id}/profile`` (an administrator's token,
one user per client so that clients never conflict): authentication loads the
caller's aggregate, the command loads and saves the user's, and the response
carries the position. It is the cheapest command the API has today; domain
commands added later may cost more. The part (``run``) measures it through
``serve`` at one process and at ``--workers 2`` with the projector, the
workers and the scheduler as processes of their own, each beside the bare
endpoint at as many processes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
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
def process(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` running until the block ends, however it ends.

    A session of its own, so that what it starts (uvicorn's worker processes)
    is stopped with it: SIGTERM to the group, SIGKILL to what is left after 20 s.
    """
    proc = subprocess.Popen(argv, env={**os.environ, **env}, cwd=ROOT, start_new_session=True)
    try:
        yield proc
    finally:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        # The group's other members (workers whose parent has gone) too.
        _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


def _group_cpu(pgid: int) -> tuple[int, int]:
    """Worker processes (``multiprocessing`` spawns) in the group, and the group's CPU ticks."""
    workers = ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) != pgid:
            continue
        workers += b"spawn_main" in cmdline
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return workers, ticks


def wait_for_workers(pgid: int, workers: int, timeout: float = 120.0) -> None:
    """Until ``workers`` processes are in the group and the group has been idle for a
    second: the first answer comes from the first worker up, while the others may
    still be importing, which would take both cores from the first measured load."""
    deadline = time.monotonic() + timeout
    _, before = _group_cpu(pgid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        count, now = _group_cpu(pgid)
        if count >= workers and now - before <= 5:  # ticks: 50 ms of CPU in that second
            return
        before = now
    raise RuntimeError(f"{workers} workers not started and idle after {timeout} s")


@contextlib.contextmanager
def server(argv: list[str], env: dict[str, str], port: int, workers: int = 1) -> Iterator[str]:
    """``argv`` serving HTTP on ``port`` in ``workers`` processes: its base URL once
    it answers (and, with several workers, once every one is up)."""
    base = f"http://127.0.0.1:{port}"
    with process(argv, env) as proc:
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
        if workers > 1:
            wait_for_workers(proc.pid, workers)
        yield base


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


def estatelog_argv(*command: str) -> list[str]:
    """The ``estatelog`` command of this environment: ``serve`` unless told."""
    return [str(Path(sys.executable).parent / "estatelog"), *(command or ("serve",))]


def bare_argv(port: int, workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "bench.bare_app", str(port), str(workers)]


# ---- the part: the API at 1 and 2 workers, beside the bare endpoint --------------------

API = "estatelog API command"  # `serve`: one process, projector and workers in it
API_2 = "estatelog API, 2 workers"  # `serve --workers 2`, SERVICES as processes of their own
BARE = "bare FastAPI + INSERT (ceiling)"
BARE_2 = "bare FastAPI, 2 workers (ceiling)"
#: What ``serve --workers N`` (N > 1) leaves to processes of their own (docker-compose.yml).
SERVICES = (("projector",), ("worker", "--threads", "2"), ("scheduler",))


def run(
    database_url: str,
    redis_url: str,
    data_dir: Path,
    seconds: float,
    clients: tuple[int, ...],
    record: Callable[[Result], None],
) -> None:
    """The profile command at each client count, through ``serve`` at 1 worker and at
    2 (with the projector, the workers and the scheduler as processes), then the bare
    endpoint at 1 and 2 workers; one data directory, so one set of keys."""
    env = api_env(database_url, redis_url, data_dir, 0)
    for workers, name in ((1, API), (2, API_2)):
        port = free_port()
        env["ESTATELOG_PORT"] = str(port)
        with contextlib.ExitStack() as stack:
            argv = estatelog_argv("serve", "--workers", str(workers))
            base = stack.enter_context(server(argv, env, port, workers))
            # After serve is up: it made the first administrator and the keys.
            services = [
                (c[0], stack.enter_context(process(estatelog_argv(*c), env)))
                for c in (SERVICES if workers > 1 else ())
            ]
            headers, ids = prepare_users(base, max(clients))
            for n in clients:
                record(load(name, base, n, seconds, ("/api/v1/users/{id}/profile", ids, headers)))
            for command, proc in services:
                if proc.poll() is not None:
                    raise RuntimeError(f"estatelog {command} exited with {proc.returncode}")
    for workers, name in ((1, BARE), (2, BARE_2)):
        port = free_port()
        bare_env = {**env, "ESTATELOG_PORT": str(port)}
        with server(bare_argv(port, workers), bare_env, port, workers) as base:
            for n in clients:
                record(load(name, base, n, seconds, ("/bare", [], {})))
