"""``estatelog alive``, ``signing-key`` and ``verify``: the commands that check
something and say so in their exit code (a healthcheck, an auditor, a cron job)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bootstrap import build
from infrastructure.heartbeat import ROLES, heartbeat_path, seconds_since_beat
from infrastructure.settings import Settings


def alive(
    role: str = typer.Argument(..., help="projector, scheduler or worker"),
    within: float = typer.Option(60.0, "--within", min=1, help="seconds"),
) -> None:
    """Exit 0 if ROLE's process went round its loop within the last seconds (a
    container healthcheck for the services that serve no HTTP); 1 if not."""
    if role not in ROLES:
        raise typer.BadParameter(f"one of {', '.join(ROLES)}")
    age = seconds_since_beat(heartbeat_path(Settings().data_dir, role))
    if age is None or age > within:
        said = "never" if age is None else f"{age:.0f} s ago"
        typer.echo(f"{role}: last went round {said} (limit {within:.0f} s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{role}: alive ({age:.0f} s ago)")


def _verify_export(export: Path, public_key: str | None) -> None:
    from replay.attestation import public_key_from_text, verify_signed_export

    if public_key is None:
        raise typer.BadParameter("--export needs --public-key (GET /api/v1/audit/signing-key)")
    try:
        trusted = public_key_from_text(public_key)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    report = verify_signed_export(export, trusted)
    typer.echo(json.dumps(report.as_dict(), indent=2))
    if not report.ok:
        typer.echo(f"EXPORT INVALID: {report.problem}", err=True)
        raise typer.Exit(1)


def signing_key() -> None:
    """Print the public key that verifies signed exports, to give to auditors."""
    from infrastructure.secrets import signing_key as the_key
    from replay.attestation import key_id, public_key_text

    public = the_key(Settings()).public_key()
    typer.echo(
        json.dumps(
            {
                "algorithm": "Ed25519",
                "public_key": public_key_text(public),
                "key_id": key_id(public),
            }
        )
    )


def verify(
    backup: Path | None = typer.Option(
        None, "--backup", help="check this backup file on its own instead of the database"
    ),
    full: bool = typer.Option(
        False, "--full", help="recompute from the first event, not from the last checkpoint"
    ),
    export: Path | None = typer.Option(
        None, "--export", help="check a signed export of the log offline (with --public-key)"
    ),
    public_key: str | None = typer.Option(
        None, "--public-key", help="the service's Ed25519 public key (base64), given apart"
    ),
) -> None:
    """Recompute the hash chain (of the log after its last verified checkpoint, all of
    it with --full, of a backup file, or of a signed export with the public key that
    signed it); exit 1 at a broken link or a signature that does not verify. --full
    also checks the numbers the appends gave (receipts) against the log."""
    from replay.verify import check_chain

    if export is not None:
        _verify_export(export, public_key)
        return

    if backup is not None:
        from replay.backup import verify_backup

        result = verify_backup(backup)
        typer.echo(json.dumps(result.as_dict(), indent=2))
        if not result.ok:
            typer.echo(
                f"BACKUP INVALID: {result.problem} (position {result.first_broken_position})",
                err=True,
            )
            raise typer.Exit(1)
        return
    from replay.numbers import check_numbers

    settings = Settings()
    container = build(settings)
    try:
        report = check_chain(container.database_url, container.incidents, full=full)
        # The numbers the appends gave, against the log's own rule (decision 0041).
        numbers = check_numbers(container.event_log) if full else None
    finally:
        container.close()  # which records the incident of a broken chain
    said = report.as_dict()
    if numbers is not None:
        said["numbers"] = numbers.as_dict()
    typer.echo(json.dumps(said, indent=2))  # one document, for scripts
    if not report.ok:
        typer.echo(f"TAMPERING: first broken position {report.first_broken_position}", err=True)
        raise typer.Exit(1)
    if numbers is not None and not numbers.ok:
        typer.echo(f"NUMBERS DISAGREE WITH THE LOG: {numbers.problem}", err=True)
        raise typer.Exit(1)


def renumber() -> None:
    """Give the numbers the log implies that its numbers table lacks (decision 0050).

    Once, when this release first starts, before its writers take appends:
    work orders, requests, complaints, bills and approvals created before then
    get the numbers their places in the log give them. Refuses a table that
    holds a number the log does not imply."""
    from replay.numbers import renumber as fill

    container = build(Settings())
    try:
        written = fill(container.event_log)
    except ValueError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(1) from None
    finally:
        container.close()
    typer.echo(json.dumps({"written": written}))
