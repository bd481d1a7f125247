"""The production image and its compose file, checked without a Docker daemon.

The Dockerfile copies the source tree piece by piece, so a module left out of
its COPY lines is missing from the image only (bootstrap.py once was: every
container would have died on its first import). The image's package is built
here from exactly what the Dockerfile copies and compared with the package
built from the whole tree; every command compose runs must be a command, with
options, that the CLI has.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import typer
import yaml

from interfaces.cli.main import app

ROOT = Path(__file__).resolve().parents[3]


def dockerfile_copies() -> list[str]:
    """The build-context paths the Dockerfile's COPY lines take (no --from stages)."""
    sources: list[str] = []
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        words = shlex.split(line)
        if words and words[0].upper() == "COPY":
            assert not any(w.startswith("--from") for w in words), line
            sources += words[1:-1]
    return sources


def wheel_files(context: Path, out: Path) -> set[str]:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(context),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return {n for n in archive.namelist() if ".dist-info/" not in n}


def copy_into(context: Path, sources: list[Path]) -> Path:
    context.mkdir()
    for source in sources:
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(source, context / source.relative_to(ROOT), ignore=ignore)
        else:
            shutil.copy2(source, context / source.relative_to(ROOT))
    return context


def test_the_image_installs_every_module_the_tree_has(tmp_path: Path) -> None:
    context = copy_into(tmp_path / "context", [ROOT / s for s in dockerfile_copies()])
    modules = [p for p in ROOT.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()]
    whole = copy_into(tmp_path / "whole", [*modules, ROOT / "pyproject.toml"])

    image = wheel_files(context, tmp_path / "image-wheel")
    tree = wheel_files(whole, tmp_path / "tree-wheel")

    assert "bootstrap.py" in image
    assert "infrastructure/reports/fonts/NotoSansSC-GBK.ttf" in image
    assert sorted(tree - image) == []


def compose_commands() -> list[tuple[str, list[str]]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands: list[tuple[str, list[str]]] = []
    for name, service in compose["services"].items():
        for argv in (service.get("command"), service.get("healthcheck", {}).get("test")):
            if not argv:
                continue
            words = argv[1:] if argv[0] == "CMD" else argv
            if words[:2] == ["sh", "-c"]:
                for step in re.split(r"&&|;|\bdo\b", words[2]):
                    if step.split()[:1] == ["estatelog"]:
                        commands.append((name, shlex.split(step.replace("$$", "$"))[1:]))
                continue
            if words and words[0] == "estatelog":
                commands.append((name, words[1:]))
    return commands


@pytest.mark.parametrize(("service", "argv"), compose_commands(), ids=lambda v: str(v))
def test_every_command_compose_runs_is_a_command_of_the_cli(service: str, argv: list[str]) -> None:
    group = typer.main.get_command(app)
    command = group.commands.get(argv[0])  # type: ignore[attr-defined]
    assert command is not None, f"{service}: estatelog {argv[0]} is not a command"
    options = {o for p in command.params for o in p.opts}
    given = {w for w in argv[1:] if w.startswith("--")}
    assert given <= options, f"{service}: estatelog {argv[0]} has no {given - options}"


def test_compose_runs_the_api_the_projector_the_scheduler_the_worker_and_backups() -> None:
    ran = {argv[0] for _, argv in compose_commands()}
    assert {"serve", "projector", "scheduler", "worker", "backup", "alive"} <= ran
