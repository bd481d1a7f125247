"""``estatelog quality run``: the data-quality checks of an estate, now, from a terminal.

The same handler as ``POST /api/v1/estates/{id}/quality/runs`` runs every check
and records the counts as a run (``QualityRun.Recorded``, trigger ``on_demand``),
as the user named by ``--by`` (``quality:run`` for the estate: its managers,
administrators). It waits, as the route does, until every read model a check
reads has reached the log's head, so the projector must be running. Standard
output gets the run as JSON, as the route answers it; a caller refused, an
estate unknown, a bad month or read models still behind exit 2, nothing recorded.
"""

from __future__ import annotations

import typer

from application.quality.commands import RunQualityChecks
from interfaces.cli.acting import ESTATE, as_user, estate_of
from projections.events import to_json

app = typer.Typer(help="the data-quality checks of an estate (R7.5)", no_args_is_help=True)


@app.command("run")
def run(
    estate: str = ESTATE,
    by: str = typer.Option(..., "--by", help="the user the run is recorded as (quality:run)"),
    month: str | None = typer.Option(
        None, "--month", help="YYYY-MM: the period the bills' check reads; default this month"
    ),
    stale_days: int | None = typer.Option(
        None, "--stale-days", help="days without a sign of life that make equipment stale (30)"
    ),
) -> None:
    """Run every check over the estate now and record the counts as a run."""
    estate_id = estate_of(estate)
    with as_user(by, "quality run") as (container, actor):
        done = container.quality.run(RunQualityChecks(actor, estate_id, month, stale_days))
    typer.echo(to_json(done.view()))
