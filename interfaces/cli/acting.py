"""What a command run as a user shares (``estatelog import``, ``estatelog quality``):
the estate named by ID or code, the user ``--by`` names as the actor (their grants
decide, as their HTTP session's would), the context the events record (actor role
``cli``, the terminal's user in the user agent), and a refusal's exit 2."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import typer

from application.actor import Actor
from application.context import CommandContext, acting
from application.errors import Forbidden, NotFound
from bootstrap import Container, build
from domain.errors import DomainError
from domain.registry.ids import estate_id_for
from infrastructure.settings import Settings
from interfaces.cli.progress import say

ESTATE = typer.Option(..., "--estate", help="the estate's ID or code (HVG)")


def estate_of(estate: str) -> UUID:
    """An estate by its ID or its code (``HVG``)."""
    try:
        return UUID(estate)
    except ValueError:
        return estate_id_for(estate)


def actor_of(container: Container, by: str) -> Actor:
    user = container.identity.find(by)
    if user is None:
        raise typer.BadParameter(f"--by: no user {by}")
    return Actor.of(user, "cli")


def context_of(actor: Actor, command: str) -> CommandContext:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return CommandContext(
        actor_id=actor.user_id, actor_role="cli", user_agent=f"estatelog {command} ({who})"
    )


@contextmanager
def as_user(by: str, command: str) -> Iterator[tuple[Container, Actor]]:
    """The service, and the user ``--by`` names as the actor of what the block
    appends. A refusal (the domain's, a record missing or not the user's to see, a
    caller refused) is said on standard error and exits 2: nothing was recorded."""
    container = build(Settings())
    try:
        actor = actor_of(container, by)
        with acting(context_of(actor, command)):
            yield container, actor
    except DomainError as e:
        say(f"{command}: {e.detail}")
        raise typer.Exit(2) from None
    except (NotFound, Forbidden) as e:
        say(f"{command}: {e}")
        raise typer.Exit(2) from None
    finally:
        container.close()
