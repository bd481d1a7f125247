"""`estatelog serve` on the embedded default, spoken to over real HTTP."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def server() -> Iterator[tuple[str, Path]]:
    # Not pytest's tmp_path: as root, the embedded PostgreSQL runs as its own
    # user, and pytest sets its temporary root back to 0700 whenever another
    # worker first asks for a tmp_path, which can lock that user out mid-test.
    (ROOT / "var" / "test").mkdir(parents=True, exist_ok=True)
    tmp_path = Path(tempfile.mkdtemp(prefix="serve-", dir=ROOT / "var" / "test"))
    try:
        yield from _serving(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _serving(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESTATELOG_")} | {
        "ESTATELOG_DATA_DIR": str(tmp_path / "var"),
        "ESTATELOG_PORT": str(port),
    }
    log_file = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli.main", "serve"],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not come up within 60 s"
            time.sleep(0.2)
        yield base, tmp_path / "var"
    finally:
        # As a process manager stops it: the server shuts down cleanly, and
        # the embedded PostgreSQL it started stops with it.
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=30) == 0, (tmp_path / "server.log").read_text()
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        finally:
            log_file.close()
        pgdata = str(tmp_path / "var" / "pg")
        deadline = time.monotonic() + 10
        while _postgres_running(pgdata):
            assert time.monotonic() < deadline, "the embedded PostgreSQL outlived the server"
            time.sleep(0.2)


def _postgres_running(pgdata: str) -> bool:
    import psutil

    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if any(part.endswith("/postgres") for part in cmdline[:1]) and pgdata in cmdline:
            return True
    return False


def test_a_fresh_embedded_server_creates_an_admin_who_can_log_in(
    server: tuple[str, Path],
) -> None:
    base, data_dir = server
    password_file = data_dir / "secrets" / "initial-admin-password"
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    password = password_file.read_text().strip()
    assert httpx.get(f"{base}/docs").status_code == 200
    assert httpx.get(f"{base}/ready").json()["status"] == "ready"

    tokens = httpx.post(
        f"{base}/api/v1/auth/login", json={"username": "admin", "password": password}
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = httpx.get(f"{base}/api/v1/auth/me", headers=headers)
    assert me.json()["username"] == "admin"


def test_five_wrong_passwords_lock_an_account_and_the_trail_shows_it_with_ips(
    server: tuple[str, Path],
) -> None:
    base, data_dir = server
    password = (data_dir / "secrets" / "initial-admin-password").read_text().strip()
    admin = httpx.post(
        f"{base}/api/v1/auth/login", json={"username": "admin", "password": password}
    ).json()
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    created = httpx.post(
        f"{base}/api/v1/users",
        headers=headers,
        json={
            "username": "wang.wei",
            "password": "a-long-enough-secret",
            "display_name": "王伟",
            "roles": ["owner"],
        },
    )
    assert created.status_code == 201, created.text
    agent = {"User-Agent": "estatelog-test/1.0"}
    for _ in range(5):
        wrong = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": "wang.wei", "password": "not-the-password"},
            headers=agent,
        )
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
    right = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": "wang.wei", "password": "a-long-enough-secret"},
        headers=agent,
    )
    assert right.status_code == 401
    assert "locked" in right.json()["detail"]

    trail = httpx.get(
        f"{base}/api/v1/audit/events",
        headers=headers,
        params={"aggregate_id": created.json()["id"], "after": right.json()["position"]},
    ).json()["items"]
    kinds = [e["event_type"] for e in trail]
    assert kinds.count("LoginFailed") == 6
    assert "AccountLocked" in kinds
    failures = [e for e in trail if e["event_type"] == "LoginFailed"]
    assert {e["client_ip"] for e in failures} == {"127.0.0.1"}
    assert {e["user_agent"] for e in failures} == {"estatelog-test/1.0"}
