"""``estatelog replay ...`` (rebuild, resume, as-of, drop) and ``estatelog
backup`` / ``restore``: the commands that work on the log as a whole."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

from bootstrap import build
from infrastructure.settings import Settings
from interfaces.cli.logs import configure_logging
from interfaces.cli.progress import log_progress, stages_progress

app = typer.Typer(help="rebuild read models, or build them as of a moment", no_args_is_help=True)


@app.command("rebuild")
def replay_rebuild(
    projection: list[str] = typer.Argument(
        None, help="read model names (see GET /api/v1/projections)"
    ),
    all_: bool = typer.Option(False, "--all", help="every read model"),
) -> None:
    """Rebuild read models from position 0 aside, then swap them in atomically."""
    from replay.operations import rebuild_all
    from replay.readmodels import UnknownProjection

    if not projection and not all_:
        raise typer.BadParameter("name a read model, or pass --all")
    settings = Settings()
    configure_logging(settings)
    container = build(settings)
    try:
        with log_progress("rebuild", stop=container.event_log.head()) as progress:
            report = rebuild_all(container, None if all_ else projection, progress)
    except UnknownProjection as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    finally:
        container.close()
    typer.echo(
        json.dumps(
            {
                "rebuilt": report.projections,
                "position": report.position,
                "events": report.events,
                "seconds": round(report.seconds, 3),
                "events_per_second": round(report.events_per_second),
            },
            indent=2,
        )
    )


@app.command("resume")
def replay_resume(
    projection: str = typer.Argument(
        ..., help="a read model that stopped (GET /api/v1/projections)"
    ),
) -> None:
    """Let a stopped read model go on from where it stopped, after a fix (no rebuild).

    The running projector tries its failing event again at once; if the event
    still fails, the read model stops there again, with a new alert.
    """
    settings = Settings()
    configure_logging(settings)
    container = build(settings)
    try:
        names = {p.name for p in container.projector.projections}
        if projection not in names:
            typer.echo(f"no read model {projection}; known: {', '.join(sorted(names))}", err=True)
            raise typer.Exit(2)
        stopped_at = container.projector.resume(projection)
    finally:
        container.close()
    if stopped_at is None:
        typer.echo(f"{projection} had not stopped; nothing to resume", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps({"resumed": projection, "from_failed_position": stopped_at}))


@app.command("as-of")
def replay_as_of(
    at: datetime | None = typer.Option(None, "--at", help="ISO 8601 moment with a timezone"),
    position: int | None = typer.Option(None, "--position", min=0),
    projection: list[str] = typer.Option(None, "--projection", help="default: every read model"),
    schema: str | None = typer.Option(None, help="default: estatelog_asof_<position>"),
) -> None:
    """Build read models as they stood at a moment or position into a schema of their own."""
    from replay.asof import build_as_of, position_at
    from replay.readmodels import UnknownProjection, select

    if (at is None) == (position is None):
        raise typer.BadParameter("give exactly one of --at or --position")
    if at is not None and at.tzinfo is None:
        raise typer.BadParameter("--at needs a timezone, e.g. 2026-01-01T00:00:00Z")
    settings = Settings()
    configure_logging(settings)
    container = build(settings)
    try:
        target = position if position is not None else position_at(container.event_log, at)  # type: ignore[arg-type]
        chosen = select(container.projector.projections, projection)
        with log_progress(f"as of {target}", stop=target) as progress:
            result = build_as_of(
                container.event_log,
                container.database_url,
                chosen,
                target,
                schema,
                progress=progress,
            )
    except UnknownProjection as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    finally:
        container.close()
    typer.echo(
        json.dumps(
            {
                "schema": result.schema,
                "position": result.position,
                "events": result.events,
                "read_models": result.projections,
                "seconds": round(result.seconds, 3),
            },
            indent=2,
        )
    )


@app.command("drop")
def replay_drop(schema: str = typer.Argument(..., help="a schema built by replay as-of")) -> None:
    """Drop an as-of build (refuses any schema that is not one)."""
    from replay.asof import NotAnAsOfBuild, drop_build

    settings = Settings()
    container = build(settings)
    try:
        drop_build(container.database_url, schema)
    except (NotAnAsOfBuild, ValueError) as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    finally:
        container.close()
    typer.echo(f"dropped {schema}")


def backup_command(
    out: Path = typer.Option(..., "--out", help="file to write (gzip of JSON lines)"),
    from_position: int = typer.Option(
        0, "--from-position", min=0, help="incremental: only events after this position"
    ),
) -> None:
    """Write a full or incremental backup of the log that verifies on its own."""
    from replay.operations import backup

    settings = Settings()
    configure_logging(settings)
    container = build(settings)
    try:
        with log_progress(
            "backup", start=from_position, stop=container.event_log.head()
        ) as progress:
            summary, position = backup(container, out, from_position, progress)
    finally:
        container.close()
    typer.echo(json.dumps({**summary.as_dict(), "recorded_at_position": position}, indent=2))


def restore_command(
    files: list[Path] = typer.Argument(..., help="a full backup, then incrementals in order"),
) -> None:
    """Load backups into an empty store, verify the chain, rebuild every read model."""
    from replay.backup import BackupInvalid, StoreNotEmpty
    from replay.operations import restore

    settings = Settings()
    configure_logging(settings)
    container = build(settings)
    try:
        with stages_progress(("restore: load", 0, None), ("restore: rebuild", 0, None)) as (
            loading,
            rebuilding,
        ):
            events, head, report = restore(container, files, loading, rebuilding)
    except (BackupInvalid, StoreNotEmpty) as e:
        typer.echo(f"RESTORE REFUSED: {e}", err=True)
        raise typer.Exit(1) from None
    finally:
        container.close()
    typer.echo(
        json.dumps(
            {"events": events, "head_position": head, "rebuilt": report.projections}, indent=2
        )
    )
