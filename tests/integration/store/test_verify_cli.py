"""``estatelog verify``, run as ops would run it: a real process, exit codes, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg
from eventsourcing.domain import Aggregate, event

from bootstrap import Container
from infrastructure.eventstore.store import EVENTS_TABLE
from infrastructure.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


class Invoice(Aggregate):
    @event("Issued")
    def __init__(self, number: str, amount: Decimal) -> None:
        self.number = number
        self.amount = amount

    @event("Paid")
    def pay(self, amount: Decimal, at: datetime) -> None:
        self.amount -= amount


def run_verify(
    container: Container, settings: Settings, data_dir: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESTATELOG_")}
    env.update(
        ESTATELOG_DATABASE_URL=container.database_url,
        ESTATELOG_REDIS_URL=str(settings.redis_url),
        ESTATELOG_DATA_DIR=str(data_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "interfaces.cli.main", "verify", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def issue_and_pay(container: Container, count: int = 6) -> list[int]:
    positions = []
    for i in range(count):
        invoice = Invoice(f"INV-{i:04d}", Decimal("1280.00"))
        invoice.pay(Decimal("1280.00"), datetime.now(UTC))
        positions.append(container.event_log.save_and_position(invoice))
    return positions


def test_verify_exits_0_with_an_ok_report_on_an_intact_log(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    positions = issue_and_pay(container)
    result = run_verify(container, settings, tmp_path / "cli")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["first_broken_position"] is None
    assert report["events_checked"] == 12
    assert report["head_position"] == positions[-1]
    assert len(bytes.fromhex(report["head_hash"])) == 32
    assert "TAMPERING" not in result.stderr


def test_verify_exits_1_and_names_the_broken_position_after_tampering(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    positions = issue_and_pay(container)
    with psycopg.connect(container.database_url) as conn:
        row = conn.execute(
            f"SELECT notification_id, state FROM {EVENTS_TABLE} "
            "WHERE topic LIKE %s ORDER BY notification_id OFFSET 2 LIMIT 1",
            ("%Paid",),
        ).fetchone()
        assert row is not None
        position, state = row
        forged = orjson.loads(state)
        forged["amount"]["_data_"] = "12800.00"  # someone "paid" ten times as much
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            f"UPDATE {EVENTS_TABLE} SET state = %s WHERE notification_id = %s",
            (orjson.dumps(forged), position),
        )

    result = run_verify(container, settings, tmp_path / "cli")
    assert result.returncode == 1, (result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["first_broken_position"] == position
    # Every event before it still checks out: its own Issued event and the
    # two events of each earlier invoice.
    assert report["events_checked"] == 2 * positions.index(position) + 1
    assert f"TAMPERING: first broken position {position}" in result.stderr


def test_verify_reads_only_new_events_and_full_finds_what_lies_behind_them(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    positions = issue_and_pay(container, count=3)
    assert run_verify(container, settings, tmp_path / "cli").returncode == 0
    with psycopg.connect(container.database_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            f"UPDATE {EVENTS_TABLE} SET state = state || '\\x20'::bytea WHERE notification_id = %s",
            (positions[0],),
        )
    issue_and_pay(container, count=1)

    incremental = run_verify(container, settings, tmp_path / "cli")
    assert incremental.returncode == 0, incremental.stderr
    assert json.loads(incremental.stdout)["events_checked"] == 2
    assert json.loads(incremental.stdout)["verified_from"] == positions[-1]

    full = run_verify(container, settings, tmp_path / "cli", "--full")
    assert full.returncode == 1, (full.stdout, full.stderr)
    assert json.loads(full.stdout)["first_broken_position"] == positions[0]
