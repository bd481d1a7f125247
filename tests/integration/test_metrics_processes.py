"""``serve --workers N``: each worker counts in its own files, and a scrape that
any one of them answers adds every worker's counts up (multiprocess mode)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

COUNT = """
from infrastructure.metrics import Metrics
m = Metrics()
m.observe_request("GET", "/health", 200, 0.002)
m.observe_request("GET", "/health", 200, 0.002)
"""
SCRAPE = """
import sys
from infrastructure.metrics import Metrics
sys.stdout.write(Metrics().exposition().decode())
"""


def _python(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_a_scrape_adds_up_the_counts_of_every_worker_process(tmp_path: Path) -> None:
    for _ in range(2):  # two workers, each gone by the time of the scrape
        _python(COUNT, tmp_path)
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # a file each

    text = _python(SCRAPE, tmp_path)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    labels = (("method", "GET"), ("route", "/health"), ("status", "200"))
    assert samples[("estatelog_http_requests_total", labels)] == 4
    count = ("estatelog_http_request_duration_seconds_count", labels[:2])
    assert samples[count] == 4
