"""``estatelog finance``: finance operations from the command line.

``estatelog finance check`` runs the compliance checks (R5.5) as the HTTP
route does, records the review in the log, prints every check and finding,
and exits 1 when any check failed (0 when all passed, 2 when refused).
"""

from __future__ import annotations

import getpass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

import typer

from application.context import CommandContext, acting
from application.finance.compliance import RunChecks
from bootstrap import Container, build
from domain.errors import DomainError
from infrastructure.settings import Settings
from projections.events import to_json

app = typer.Typer(help="finance: compliance checks over the books", no_args_is_help=True)

DATE = ["%Y-%m-%d"]


def _actor(container: Container, by: str | None) -> UUID | None:
    """The user named by ``--by`` (username or ID); None: the operator, as the system."""
    if by is None:
        return None
    try:
        return container.identity.get(UUID(by)).id  # type: ignore[no-any-return]
    except ValueError:
        pass
    except Exception:
        raise typer.BadParameter(f"--by: no user {by}") from None
    user = container.identity.find(by)
    if user is None:
        raise typer.BadParameter(f"--by: no user {by}")
    return user.id  # type: ignore[no-any-return]


def _context(actor_id: UUID | None) -> CommandContext:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return CommandContext(
        actor_id=actor_id,
        actor_role="operator" if actor_id is None else None,
        user_agent=f"estatelog finance check ({who})",
    )


def _print(body: dict[str, Any]) -> None:
    scope = body["estate_id"] or "every estate"
    typer.echo(
        f"Compliance review {body['id']}: {scope}, {body['from']} to {body['to']}, "
        f"as of position {body['as_of_position']} (recorded at position {body['position']})"
    )
    for check in body["checks"]:
        mark = "PASS" if check["passed"] else "FAIL"
        typer.echo(f"  {mark}  {check['name']}: {check['detail']}")
    if body["findings"]:
        typer.echo(f"\n{len(body['findings'])} finding(s):")
    for f in body["findings"]:
        typer.echo(f"  [{f['severity']}] {f['check']} {f['subject']}: {f['detail']}")
        typer.echo(f"      finding {f['finding_id']}")
    typer.echo("\nPASSED" if body["passed"] else "\nFAILED")


@app.command("check")
def check(
    estate: UUID | None = typer.Option(None, "--estate", help="one estate (default: all)"),
    date_from: datetime = typer.Option(..., "--from", formats=DATE, help="first day, YYYY-MM-DD"),
    date_to: datetime = typer.Option(..., "--to", formats=DATE, help="last day, YYYY-MM-DD"),
    as_of_text: str | None = typer.Option(
        None, "--as-of", help="the books as they stood at this ISO 8601 moment (with a timezone)"
    ),
    as_of_position: int | None = typer.Option(None, "--as-of-position", min=0),
    threshold: str | None = typer.Option(
        None, "--large-expense-threshold", help="default 10000: such claims need people's approval"
    ),
    currency: str | None = typer.Option(None, "--currency", help="of the threshold (CNY)"),
    by: str | None = typer.Option(None, "--by", help="record the run as this user"),
    as_json: bool = typer.Option(False, "--json", help="print the review as JSON"),
) -> None:
    """Run every compliance check, record the review, exit 1 when a check failed."""
    if as_of_text is not None and as_of_position is not None:
        raise typer.BadParameter("give --as-of or --as-of-position, not both")
    try:
        as_of = None if as_of_text is None else datetime.fromisoformat(as_of_text)
    except ValueError:
        raise typer.BadParameter("--as-of: an ISO 8601 moment") from None
    if as_of is not None and as_of.tzinfo is None:
        raise typer.BadParameter("--as-of needs a timezone, e.g. 2026-01-31T23:59:59Z")
    try:
        limit = None if threshold is None else Decimal(threshold)
    except InvalidOperation:
        raise typer.BadParameter("--large-expense-threshold: a decimal amount") from None
    container = build(Settings())
    try:
        actor_id = _actor(container, by)
        with acting(_context(actor_id)):
            done = container.finance.compliance.run(
                RunChecks(
                    actor=None,  # the operator at the console, recorded as --by
                    recorded_as=actor_id,
                    estate_id=estate,
                    date_from=date_from.date(),
                    date_to=date_to.date(),
                    as_of=as_of,
                    as_of_position=as_of_position,
                    large_expense_threshold=limit,
                    currency=currency,
                )
            )
    except DomainError as e:
        typer.echo(f"finance check: {e.detail}", err=True)
        raise typer.Exit(2) from None
    finally:
        container.close()
    review = done.review
    body = {
        "id": review.id,
        "position": done.position,
        "estate_id": review.estate_id,
        "from": review.date_from,
        "to": review.date_to,
        "as_of_position": review.as_of_position,
        "parameters": review.parameters,
        "passed": review.passed,
        "checks": review.checks,
        "findings": [
            {**{k: v for k, v in f.items() if k != "rectified_by"}, "status": str(f["status"])}
            for f in review.findings.values()
        ],
    }
    if as_json:
        typer.echo(to_json(body))
    else:
        _print(body)
    if not review.passed:
        raise typer.Exit(1)
