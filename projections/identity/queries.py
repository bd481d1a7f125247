"""What the API reads of the user directory and the login history.

Query functions over a psycopg connection; each takes the asking
:class:`~application.actor.Actor` and answers only what they may see, so a
route cannot forget the scope. The tables are those of ``directory.py``
(``user_directory``) and ``logins.py`` (``login_history``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict, cast
from uuid import UUID

import psycopg

from application.actor import HIDDEN, Actor
from application.errors import Forbidden, NotFound
from application.identity.errors import UserNotFound
from domain.identity.policy import Role, Scope, widest_scope

# An automatic lock ends when its cool-down does, whether or not the user has
# tried again since (the log records the unlock only at the next attempt).
STATUS = "(CASE WHEN status = 'locked' AND locked_until <= now() THEN 'normal' ELSE status END)"
# (column, the name the API gives it)
_COLUMNS = (
    ("user_id", "id"),
    ("username", "username"),
    ("display_name", "display_name"),
    ("gender", "gender"),
    ("phone_masked", "phone"),
    ("national_id_masked", "national_id"),
    ("personal_data_erased", "personal_data_erased"),
    ("roles", "roles"),
    ("direct_permissions", "direct_permissions"),
    ("estates", "estates"),
    (STATUS, "status"),
    ("registered_at", "registered_at"),
    ("updated_at", "updated_at"),
    ("last_login_at", "last_login_at"),
    ("last_login_ip", "last_login_ip"),
    ("version", "version"),
)


class UserRow(TypedDict):
    id: UUID
    username: str
    display_name: str
    gender: str | None
    phone: str | None  # masked
    national_id: str | None  # masked
    personal_data_erased: bool
    roles: list[str]
    direct_permissions: list[str]
    estates: list[UUID]
    status: str
    registered_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    last_login_ip: str | None
    version: int


class LoginRow(TypedDict):
    position: int
    at: datetime
    outcome: str
    reason: str | None
    client_ip: str | None
    user_agent: str | None


_SELECT = "SELECT " + ", ".join(column for column, _ in _COLUMNS) + " FROM user_directory"

# A user an estate-scoped reader may see: staff serving one of their estates,
# or a login linked to a person of one of them (an owner or resident).
_OF_ESTATES = (
    "(estates && %s::uuid[] OR user_id IN (SELECT user_id FROM registry_people "
    "WHERE estate_id = ANY(%s) AND user_id IS NOT NULL))"
)


def list_users(
    conn: psycopg.Connection[Any],
    actor: Actor,
    *,
    username_prefix: str | None = None,
    role: Role | None = None,
    status: str | None = None,
    after_username: str | None = None,
    limit: int = 50,
) -> list[UserRow]:
    """Users ``actor`` may read, by username, at most ``limit`` of them:
    company-wide readers see everyone; estate staff the staff and residents
    of the estates they serve (and themselves)."""
    if widest_scope(actor.permissions, "users:read") not in (Scope.ANY, Scope.ESTATE):
        raise Forbidden("listing users needs the permission users:read:estate")
    where, params = _reach(actor)
    sql = f"{_SELECT} WHERE {where}"
    if username_prefix:
        sql += " AND username LIKE %s"
        params.append(username_prefix.lower().replace("%", r"\%").replace("_", r"\_") + "%")
    if role is not None:
        sql += " AND %s = ANY(roles)"
        params.append(role.value)
    if status:
        sql += f" AND {STATUS} = %s"
        params.append(status)
    if after_username:
        sql += " AND username > %s"
        params.append(after_username)
    sql += " ORDER BY username LIMIT %s"
    params.append(limit)
    rows = conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
    return [_shown(actor, row) for row in rows]


def get_user(conn: psycopg.Connection[Any], actor: Actor, user_id: UUID) -> UserRow:
    """One user's record; owners and residents may read only their own, estate
    staff those of the estates they serve (another is reported missing)."""
    where, params = _reach(actor)
    row = conn.execute(
        f"{_SELECT} WHERE user_id = %s AND {where}",  # type: ignore[arg-type]
        [user_id, *params],
    ).fetchone()
    if row is None:
        raise UserNotFound() if where == "true" else NotFound(HIDDEN)
    return _shown(actor, row)


def login_history(
    conn: psycopg.Connection[Any],
    actor: Actor,
    user_id: UUID,
    *,
    before: int | None = None,
    limit: int = 100,
) -> list[LoginRow]:
    """A user's logins, failures and logouts, newest first, with IP and agent."""
    actor.check("audit:read", owner_id=user_id)
    cur = conn.execute(
        "SELECT position, at, outcome, reason, client_ip, user_agent FROM login_history "
        "WHERE user_id = %s AND position < %s ORDER BY position DESC LIMIT %s",
        [user_id, before or 2**62, limit],
    )
    names = [d.name for d in cur.description or ()]
    return cast(list[LoginRow], [dict(zip(names, row, strict=True)) for row in cur.fetchall()])


def _reach(actor: Actor) -> tuple[str, list[Any]]:
    """The users ``actor`` may read: everyone, or themselves and those of their estates."""
    reach = actor.reach("users:read")
    if reach.everything:
        return "true", []
    estates = list(reach.estates)
    return f"(user_id = %s OR {_OF_ESTATES})", [actor.user_id, estates, estates]


def _shown(actor: Actor, row: tuple[Any, ...]) -> UserRow:
    """Where someone logs in from is for company-wide readers (and the user):
    estate staff see their residents' records without the last login IP."""
    view = cast(UserRow, {name: value for (_, name), value in zip(_COLUMNS, row, strict=True)})
    if view["id"] != actor.user_id and not actor.may("users:read", owner_id=None):
        view["last_login_ip"] = None
    return view
