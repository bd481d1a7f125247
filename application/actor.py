"""Who issues a command or a query, and what the policy lets them do.

Every command carries its :class:`Actor`; its handler authorizes against the
record it loaded (``actor.check`` to see it, ``actor.require`` to change it),
so the rule is written once, next to the decision, whatever the caller (HTTP,
CLI, a job). Queries take the actor's :class:`Reach` to filter rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from uuid import UUID

from application.errors import Forbidden, NotFound
from domain.identity.policy import (
    AUTHENTICATED_BASELINE,
    Permission,
    Scope,
    allows,
    widest_scope,
)
from domain.identity.user import User

HIDDEN = "no such record, or not yours to see"


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: their permissions and the estates they serve."""

    user_id: UUID
    username: str
    role: str | None
    permissions: frozenset[Permission]
    session_id: str
    estates: frozenset[UUID] = frozenset()
    #: "sms" when their logins ask for a one-time code, else None.
    second_factor: str | None = None
    #: The last log position this session's commands answered with, as of
    #: the request's start: its reads wait until their read model has it
    #: (decision 0045). Not who the caller is, so not compared.
    written: int = field(default=0, compare=False)

    @classmethod
    def of(cls, user: User, session_id: str) -> Actor:
        """The user as the holder of a session: their grants plus what every
        signed-in user may do, so a CLI, a loader or a test acts exactly as
        the user's HTTP session would."""
        return cls(
            user_id=user.id,
            username=user.username,
            role=user.primary_role,
            permissions=user.permissions | AUTHENTICATED_BASELINE,
            session_id=session_id,
            estates=frozenset(user.estates),
            second_factor=user.second_factor,
        )

    def may(self, action: str, owner_id: object | None, estate_id: object | None = None) -> bool:
        """May the actor do ``action`` ("resource:action") to a record of this
        owner (one ID or a collection of them) in this estate?"""
        return allows(
            self.permissions,
            action,
            actor_id=self.user_id,
            owner_id=owner_id,
            estate_id=estate_id,
            actor_estates=self.estates,
        )

    def check(
        self,
        action: str,
        owner_id: object | None,
        estate_id: object | None = None,
        *,
        hidden: str = HIDDEN,
    ) -> None:
        """The actor may see the record; one they may not is reported missing."""
        if not self.may(action, owner_id, estate_id):
            raise NotFound(hidden)

    def require(
        self,
        action: str,
        owner_id: object | None,
        estate_id: object | None = None,
        *,
        refused: str | None = None,
    ) -> None:
        """The actor may do ``action`` to a record they can already see (403 if not)."""
        if not self.may(action, owner_id, estate_id):
            raise Forbidden(refused or f"this needs the permission {action} for the record")

    def reach(self, action: str) -> Reach:
        """Which records a list of ``action`` may show the actor: filter queries by it."""
        scope = widest_scope(self.permissions, action)
        if scope is Scope.ANY:
            return Reach(everything=True, estates=frozenset(), own=True, user_id=self.user_id)
        return Reach(
            everything=False,
            estates=self.estates if scope is Scope.ESTATE else frozenset(),
            own=scope is not None,
            user_id=self.user_id,
        )


#: The service acting without a session: an operator at the console, the
#: demo loader, a job. It holds every permission at every scope, so only the
#: handlers' rules about the record can refuse it; whoever may run the entry
#: point (the CLI, the scheduler) is the authorization.
SYSTEM_ACTOR = Actor(
    user_id=UUID(int=0),
    username="system",
    role=None,
    permissions=frozenset(Permission),
    session_id="",
)


def system_acting_for(user_id: UUID) -> Actor:
    """:data:`SYSTEM_ACTOR` recorded as ``user_id``: an operator named at the
    console, so the events (and four-eyes rules) see who it was."""
    return replace(SYSTEM_ACTOR, user_id=user_id)


@dataclass(frozen=True)
class Reach:
    """The rows an actor may list: every row, rows of some estates, or their own.

    ``own`` is true when the actor holds the action at any scope: everyone
    may see records that are their own (an estate-scoped technician still
    sees an order assigned to them in an estate they no longer serve).
    ``projections/reach.py`` turns it into a WHERE clause.
    """

    everything: bool
    estates: frozenset[UUID]
    own: bool
    user_id: UUID

    def admits(self, estate_id: object | None, owners: object = ()) -> bool:
        """Would a row of this estate and these owners be listed?"""
        if self.everything:
            return True
        if estate_id is not None and estate_id in self.estates:
            return True
        if not self.own:
            return False
        held = owners if isinstance(owners, (set, frozenset, list, tuple)) else (owners,)
        return self.user_id in held
