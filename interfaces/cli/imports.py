"""``estatelog import``: the batch imports of R3.3 from the command line.

The same handlers as ``POST /api/v1/estates/{id}/imports/...`` decide on the
file: every row or none, as the user named by ``--by`` (their grants decide,
as their HTTP session's would; the events carry the actor role ``cli``). A bar
on standard error shows the steps (reading the file, deciding on every row and
appending), then the rows and their rate; standard output gets the result as
JSON (its ``position``: the read models show it once the projector passes it). A
refused file prints each row's errors and exits 1; a refused caller or a
missing estate exits 2.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import typer

from application.actor import Actor
from application.registry import commands as c
from application.registry.importing import ImportRejected, Table
from application.stores.importing import ImportParts
from bootstrap import Container
from interfaces.cli.acting import ESTATE, as_user, estate_of
from interfaces.cli.progress import say, steps_progress
from interfaces.importfiles import read_table

app = typer.Typer(
    help="import units, residents, meter readings or the parts catalogue from a CSV or xlsx "
    "file (all rows or none)",
    no_args_is_help=True,
)
KINDS = {".csv": "csv", ".xlsx": "xlsx"}
STEPS = ("read the file", "decide on every row and append")


def _kind(path: Path) -> str:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise typer.BadParameter(f"{path.name}: a .csv or .xlsx file")
    return kind


def _run(
    file: Path,
    estate: str | None,
    by: str,
    decide: Callable[[Container, Actor, Any, Callable[[], Table]], dict[str, Any]],
) -> None:
    """``estate`` None: company data (the parts catalogue), no estate."""
    kind = _kind(file)
    estate_id = estate_of(estate) if estate is not None else None
    started = time.perf_counter()
    with as_user(by, "import") as (container, actor):
        try:
            with steps_progress(f"import {file.name}") as step:
                step(STEPS[0], 0, len(STEPS))
                content = file.read_bytes()
                step(STEPS[1], 1, len(STEPS))
                done = decide(container, actor, estate_id, partial(read_table, content, kind))
        except ImportRejected as rejected:
            say(f"{file.name}: {len(rejected.errors)} error(s); nothing was imported")
            for error in rejected.report():
                column = f", {error['column']}" if error.get("column") else ""
                say(f"  row {error['row']}{column}: {error['message']}")
            raise typer.Exit(1) from None
    seconds = time.perf_counter() - started
    rows = done["rows"]
    say(f"{rows:,} rows in {seconds:.1f} s ({rows / max(seconds, 1e-6):,.0f} rows/s)")
    typer.echo(json.dumps(done, default=str))


FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="a .csv or .xlsx file")
BY = typer.Option(..., "--by", help="the user the import is recorded as; their grants decide")


@app.command("units")
def import_units(file: Path = FILE, estate: str = ESTATE, by: str = BY) -> None:
    """Register the units of the file and the buildings it names
    (楼栋, 房号, 楼层, 建筑面积, 套内面积)."""

    def decide(k: Container, actor: Actor, estate_id: UUID, read: Callable[[], Table]) -> Any:
        done = k.registry.import_units(c.ImportUnits(actor, estate_id, read))
        return vars(done)

    _run(file, estate, by, decide)


@app.command("residents")
def import_residents(file: Path = FILE, estate: str = ESTATE, by: str = BY) -> None:
    """Register the people of the file and move them into their units, in file order."""

    def decide(k: Container, actor: Actor, estate_id: UUID, read: Callable[[], Table]) -> Any:
        done = k.registry.import_residents(c.ImportResidents(actor, estate_id, read))
        return vars(done)

    _run(file, estate, by, decide)


@app.command("meter-readings")
def import_meter_readings(
    file: Path = FILE,
    estate: str = ESTATE,
    by: str = BY,
    period: str = typer.Option(..., "--period", help="the month the readings bill, YYYY-MM"),
) -> None:
    """Record a month's readings of the estate's unit meters (房号, 表类型, 读数, 抄表日期)."""

    def decide(k: Container, actor: Actor, estate_id: UUID, read: Callable[[], Table]) -> Any:
        rows, held, position = k.meters.import_readings(actor, estate_id, period, read)
        return {"rows": rows, "held": held, "position": position}

    _run(file, estate, by, decide)


@app.command("parts")
def import_parts(file: Path = FILE, by: str = BY) -> None:
    """Add parts to the company's catalogue (物料编码, 物料名称, 英文名称, 计量单位, 物料类别)."""

    def decide(k: Container, actor: Actor, _: None, read: Callable[[], Table]) -> Any:
        rows, position = k.stores.import_parts(ImportParts(actor, read))
        return {"rows": rows, "position": position}

    _run(file, None, by, decide)
