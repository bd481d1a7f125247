"""The ``estatelog`` command: serve, projector, scheduler, worker, demo, verify,
replay, backup, restore, import, quality."""

from __future__ import annotations

import gc
import logging
import secrets
import signal
import threading
from datetime import datetime

import typer
from pydantic import ValidationError

from bootstrap import Container, build
from domain.errors import ValidationFailed
from infrastructure.embedded import EmbeddedServersMissing
from infrastructure.heartbeat import Heartbeat, heartbeat_path
from infrastructure.settings import Settings
from interfaces.cli import checks, finance, imports, quality, replay
from interfaces.cli.logs import configure_logging
from interfaces.cli.progress import steps_progress
from interfaces.cli.proxies import proxy_options

app = typer.Typer(
    help="estatelog: event-sourced property management back end", no_args_is_help=True
)


def _stop_on_sigterm() -> None:
    """Let SIGTERM stop a long-running command as Ctrl-C does, through its
    ``finally`` and the exit handlers: the embedded PostgreSQL and Redis stop
    with the process only when those run. (uvicorn re-raises the signal once
    it has shut down; without a handler the process would die on the spot.)"""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def ensure_first_admin(container: Container) -> None:
    """On an empty store, create the first administrator and say how to log in."""
    settings = container.settings
    if settings.admin_username and settings.admin_password:
        try:
            created = container.identity.ensure_admin(
                settings.admin_username, settings.admin_password.get_secret_value()
            )
        except ValidationFailed as refused:
            typer.echo(f"ESTATELOG_ADMIN_PASSWORD refused: {refused.detail}", err=True)
            raise typer.Exit(1) from None
        if created:
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


def _freeze_startup_heap() -> None:
    """Leave what start-up built out of every later garbage collection.

    Modules, settings and the container live as long as the process, yet each
    full collection walked them again; in the projector, the dicts every
    decoded event allocates set those collections off (measured: a catch-up
    of 100,000 events at 21,000-23,000 events/s, 25,700 with this).
    """
    gc.collect()
    gc.freeze()


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
    configure_logging(settings)
    container = build(settings)
    ensure_first_admin(container)
    if workers > 1:
        from interfaces.cli.workers import multiprocess_metrics, run_workers

        container.close()
        multiprocess_metrics(settings.data_dir)
        run_workers(
            "interfaces.http.asgi:app_factory",
            workers,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            **proxy_options(settings.trusted_proxies),
            access_log=False,
            log_config=None,
        )
        return
    api = create_app(container)
    _freeze_startup_heap()
    runner = BackgroundRunner(container)
    api.state.runner = runner  # /ready reports a background thread that died
    runner.start(
        projector=settings.run_projector,
        workers=settings.run_workers,
        scheduler=settings.run_scheduler,
    )
    _stop_on_sigterm()
    try:
        uvicorn.run(
            api,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            **proxy_options(settings.trusted_proxies),
            # Our request log line (interfaces/http/telemetry.py) replaces the
            # access log: it carries the request id, route template and actor.
            access_log=False,
            log_config=None,
        )
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
        container.close()


@app.command()
def projector() -> None:
    """Keep every read model up to date with the log, and take the snapshots it
    calls for (one per deployment is enough)."""
    settings = Settings()
    configure_logging(settings)
    container = build(settings)
    _freeze_startup_heap()
    stop = threading.Event()
    _stop_on_sigterm()
    snapshots = threading.Thread(
        target=container.snapshotter.run, args=(stop,), name="estatelog-snapshotter", daemon=True
    )
    snapshots.start()
    container.projector.on_round = Heartbeat(heartbeat_path(settings.data_dir, "projector")).beat
    try:
        container.projector.run(stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        snapshots.join(timeout=10)
        container.close()


@app.command()
def scheduler() -> None:
    """Run scheduled jobs: SLA breaches, alarm escalation, due maintenance, reminders."""
    from interfaces.scheduler import Scheduler

    settings = Settings()
    configure_logging(settings)
    container = build(settings)
    stop = threading.Event()
    _stop_on_sigterm()
    try:
        beat = Heartbeat(heartbeat_path(settings.data_dir, "scheduler")).beat
        Scheduler(container.pool, container.scheduled_jobs(), on_tick=beat).run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        container.close()


@app.command()
def worker(threads: int = typer.Option(4, help="worker threads")) -> None:
    """Run dramatiq workers for background jobs (notifications, alerts)."""
    from interfaces.runner import run_worker_blocking

    settings = Settings()
    configure_logging(settings)
    container = build(settings)
    _stop_on_sigterm()
    try:
        beat = Heartbeat(heartbeat_path(settings.data_dir, "worker")).beat
        run_worker_blocking(container, threads=threads, beat=beat)
    finally:
        container.close()


def _acceptable_for_all(container: Container, password: str) -> bool:
    """Whether every demo account may have ``password`` (it holds none of their names)."""
    from interfaces.cli.demo import accounts

    try:
        for username, name in accounts():
            container.identity.check_password(password, username, name)
    except ValidationFailed:
        return False
    return True


def where_it_runs(settings: Settings) -> str:
    """Where to open the API: the service's address if it answers there now,
    else how to start it (``make run`` serves the same data directory)."""
    import httpx

    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    url = f"http://{host}:{settings.port}"
    try:
        answered = httpx.get(f"{url}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        answered = False
    if answered:
        return f"The service is running: {url}/docs"
    return (
        f"The service is not running at {url}: start it with `make run` "
        f"(or `estatelog serve`), then open {url}/docs"
    )


@app.command()
def demo() -> None:
    """Load a demo estate (Harbour View Gardens) through the ordinary commands."""
    import os
    from datetime import UTC

    from interfaces.cli.demo import (
        ESTATE_CODE,
        ESTATE_NAME,
        DemoError,
        check_loadable,
        load_demo,
    )

    settings = Settings()
    configure_logging(settings)
    path = settings.secrets_dir / "demo-password"
    try:
        container = build(settings)
    except Exception as e:
        typer.echo(f"demo: cannot open the store: {e}", err=True)
        raise typer.Exit(1) from None
    try:
        ensure_first_admin(container)
        if not check_loadable(container):
            typer.echo(
                f"The demo estate {ESTATE_NAME} ({ESTATE_CODE}) is loaded already; "
                f"nothing was added. The demo accounts' password is in {path}."
            )
            return
        password = secrets.token_urlsafe(18)
        while not _acceptable_for_all(container, password):
            password = secrets.token_urlsafe(18)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(password + "\n")
        with steps_progress("demo") as begin:
            summary = load_demo(container, password=password, now=datetime.now(UTC), begin=begin)
    except DemoError as e:
        typer.echo(f"demo: {e}", err=True)
        raise typer.Exit(1) from None
    except Exception as e:
        logging.getLogger(__name__).debug("the demo failed", exc_info=True)
        typer.echo(
            f"demo: failed (part of the demo may be stored): {type(e).__name__}: {e}", err=True
        )
        raise typer.Exit(1) from None
    finally:
        container.close()
    counts = summary.counts
    typer.echo(
        f"Loaded the demo estate {ESTATE_NAME} ({ESTATE_CODE}) in {summary.seconds:.1f} s, "
        f"up to position {summary.position}:\n"
        f"  {counts.get('buildings', 0)} buildings, {counts.get('units', 0)} units, "
        f"{counts.get('parking_spaces', 0)} parking spaces, {counts.get('people', 0)} people, "
        f"{counts.get('equipment', 0)} pieces of equipment, {counts.get('alarms', 0)} alarms, "
        f"{counts.get('work_orders', 0)} work orders, "
        f"{counts.get('service_requests', 0)} service requests, "
        f"{counts.get('complaints', 0)} complaints, {counts.get('announcements', 0)} announcement"
    )
    typer.echo(f"\nEvery demo account has this password (also in {path}, readable by you only):")
    typer.echo(f"  {password}\n")
    width = max(len(a.username) for a in summary.accounts)
    for account in summary.accounts:
        typer.echo(
            f"  {account.username:<{width}}  {account.role:<17} "
            f"{account.display_name}: {account.note}"
        )
    typer.echo(
        '\nLog in: POST /api/v1/auth/login with {"username": "hvg.manager", "password": ...}'
    )
    typer.echo(where_it_runs(settings))


app.add_typer(replay.app, name="replay")
app.add_typer(finance.app, name="finance")
app.add_typer(imports.app, name="import")
app.add_typer(quality.app, name="quality")
app.command("backup")(replay.backup_command)
app.command("restore")(replay.restore_command)
app.command()(checks.alive)
app.command("signing-key")(checks.signing_key)
app.command()(checks.verify)
app.command()(checks.renumber)


def setting_errors(invalid: ValidationError) -> str:
    """Each invalid setting by its variable's name and what is wrong with it, and
    never the value given: it may be a key or a password."""
    lines = []
    for error in invalid.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"])
        name = f"ESTATELOG_{field.upper()}" if field else "the settings"
        lines.append(f"  {name}: {error['msg']}")
    return "\n".join(lines)


def main() -> None:
    """The console script: a setting that is wrong or missing is one clear message
    and exit status 2, not a traceback (which could quote a secret)."""
    try:
        app()
    except ValidationError as invalid:
        if invalid.title != Settings.__name__:
            raise
        typer.echo(f"estatelog: invalid settings\n{setting_errors(invalid)}", err=True)
        raise SystemExit(2) from None
    except EmbeddedServersMissing as missing:
        typer.echo(f"estatelog: {missing}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
