"""An actor's :class:`~application.actor.Reach` as a WHERE clause of a read model."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID


class Reaching(Protocol):
    """What a query needs of a reach (``application.actor.Reach`` is one)."""

    @property
    def everything(self) -> bool: ...
    @property
    def estates(self) -> frozenset[UUID]: ...
    @property
    def own(self) -> bool: ...
    @property
    def user_id(self) -> UUID: ...


def clause(
    reach: Reaching, estate_column: str, owner_columns: tuple[str, ...] = ()
) -> tuple[str, list[Any]]:
    """A WHERE fragment and its parameters: ``estate_column`` holds a row's
    estate; each of ``owner_columns`` a user ID (or ``name[]``: a uuid[] of
    them) that makes the row the actor's own."""
    if reach.everything:
        return "true", []
    clauses: list[str] = []
    params: list[Any] = []
    if reach.estates:
        clauses.append(f"{estate_column} = ANY(%s)")
        params.append(list(reach.estates))
    if reach.own:
        for column in owner_columns:
            if column.endswith("[]"):
                clauses.append(f"%s = ANY({column[:-2]})")
            else:
                clauses.append(f"{column} = %s")
            params.append(reach.user_id)
    if not clauses:
        return "false", []
    return "(" + " OR ".join(clauses) + ")", params
