"""The services that serve no HTTP say they are alive through a heartbeat file,
which ``estatelog alive ROLE`` checks for the container's healthcheck."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bootstrap import Container
from infrastructure.heartbeat import Heartbeat, heartbeat_path, seconds_since_beat
from interfaces.scheduler import Scheduler

ROOT = Path(__file__).resolve().parents[3]


def _alive(data_dir: Path, role: str, within: int = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESTATELOG_")}
    env["ESTATELOG_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "interfaces.cli.main", "alive", role, "--within", str(within)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        # Each run imports the whole service first: tens of seconds on a loaded machine.
        timeout=300,
    )


def test_the_projector_and_the_scheduler_beat_as_their_loops_go_round(
    container: Container, tmp_path: Path
) -> None:
    projector_file = heartbeat_path(tmp_path, "projector")
    scheduler_file = heartbeat_path(tmp_path, "scheduler")
    container.projector.on_round = Heartbeat(projector_file, every=0.1).beat
    scheduler = Scheduler(container.pool, [], on_tick=Heartbeat(scheduler_file, every=0.1).beat)
    stop = threading.Event()
    loops = [
        threading.Thread(target=container.projector.run, args=(stop, 0.1)),
        threading.Thread(target=scheduler.run, args=(stop, 0.1)),
    ]
    for loop in loops:
        loop.start()
    try:
        deadline = time.monotonic() + 10
        while not (projector_file.exists() and scheduler_file.exists()):
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.05)
        os.utime(projector_file, (0, 0))  # as if long ago: the next round beats again
        while (seconds_since_beat(projector_file) or 1e9) > 5:
            assert time.monotonic() < deadline, "the projector stopped beating"
            time.sleep(0.05)
    finally:
        stop.set()
        container.projector.wake()
        for loop in loops:
            loop.join(timeout=10)


def test_alive_answers_for_a_fresh_heartbeat_only(tmp_path: Path) -> None:
    never = _alive(tmp_path, "worker")
    assert never.returncode == 1 and "never" in never.stderr

    Heartbeat(heartbeat_path(tmp_path, "worker")).beat()
    # The limit leaves room for the command's own start-up (the beat's age is read
    # after it), which a loaded machine stretched past 60 s once.
    fresh = _alive(tmp_path, "worker", within=600)
    assert fresh.returncode == 0, fresh.stderr

    os.utime(heartbeat_path(tmp_path, "worker"), (time.time() - 300, time.time() - 300))
    stale = _alive(tmp_path, "worker", within=60)
    assert stale.returncode == 1 and "s ago (limit 60 s)" in stale.stderr

    unknown = _alive(tmp_path, "painter")
    assert unknown.returncode == 2
