"""Every setting is in the README's table, and the table names no setting that is not.

An operator configures the service from that table alone (issue 16): a setting
added without a row there is one nobody will find.
"""

from __future__ import annotations

import re
from pathlib import Path

from infrastructure.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
NAME = re.compile(r"ESTATELOG_[A-Z0-9_]+")


def documented() -> set[str]:
    """The names in the first cell of each row of the README's tables."""
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("|")]
    return {name for row in rows for name in NAME.findall(row.split("|")[1])}


def read_by_compose() -> set[str]:
    """Names the compose file's own shell steps read (the backup loop's schedule)."""
    return set(
        re.findall(r"\$\{(ESTATELOG_[A-Z0-9_]+):-", (ROOT / "docker-compose.yml").read_text())
    )


def test_every_setting_has_a_row_in_the_readme() -> None:
    settings = {f"ESTATELOG_{field.upper()}" for field in Settings.model_fields}
    assert sorted(settings - documented()) == []


def test_every_row_of_the_readme_names_a_setting() -> None:
    settings = {f"ESTATELOG_{field.upper()}" for field in Settings.model_fields}
    assert sorted(documented() - settings - read_by_compose()) == []
