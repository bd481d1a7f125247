"""The identity commands: each a frozen dataclass carrying the actor who issues it.

Handlers (``admin.py`` for user administration, ``sessions.py`` for logins
and the caller's own account) authorize against the actor, so HTTP, the CLI
and a job that send the same command get the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from application.actor import Actor
from domain.identity.policy import Permission, Role


@dataclass(frozen=True)
class RegisterUser:
    """Needs ``users:create``; the roles given may hold only permissions the actor holds."""

    actor: Actor
    username: str
    password: str
    display_name: str
    roles: list[Role]
    gender: str | None = None
    phone: str | None = None
    national_id: str | None = None


@dataclass(frozen=True)
class ChangeProfile:
    """Only the fields given change; a name cannot be removed (erasure does that).

    A user changes their own profile (``users:update``); an administrator of
    users anyone's; another's ID answers as a missing one.
    """

    actor: Actor
    user_id: UUID
    changes: dict[str, Any] = field(default_factory=dict)


# ---- a user's access: ``users:manage_access`` ----------------------------------


@dataclass(frozen=True)
class AccessChange:
    """A change an administrator of users (``users:manage_access``) makes to one user."""

    actor: Actor
    user_id: UUID


@dataclass(frozen=True)
class RoleChange(AccessChange):
    """Nobody grants or revokes a role with a permission they do not hold themselves."""

    role: Role


class GrantRole(RoleChange):
    """Add ``role`` to the user's roles."""


class RevokeRole(RoleChange):
    """Take ``role`` away from the user."""


@dataclass(frozen=True)
class PermissionChange(AccessChange):
    """Nobody grants or revokes a permission they do not hold themselves."""

    permission: Permission


class GrantPermission(PermissionChange):
    """Give the user ``permission`` beside those of their roles."""


class RevokePermission(PermissionChange):
    """Take a permission given on its own away from the user."""


@dataclass(frozen=True)
class EstateChange(AccessChange):
    estate_id: UUID


class AssignEstate(EstateChange):
    """The user serves the estate from now on; the estate must exist."""


class PreassignEstate(EstateChange):
    """Let a staff member serve an estate the registry may not hold yet.

    For a loader that sets up staff before or without the estate's records
    (the demo, tests); no route sends it, since :class:`AssignEstate` insists
    the estate exists."""


class UnassignEstate(EstateChange):
    """The user no longer serves the estate."""


@dataclass(frozen=True)
class AccessChangeWithReason(AccessChange):
    reason: str


class LockAccount(AccessChangeWithReason):
    """Lock the account with no cool-down and end its sessions; an automatic lock may
    become one, a disabled account may not."""


class UnlockAccount(AccessChange):
    """Lift a lock, an administrator's or the one failed logins set."""


class DisableAccount(AccessChangeWithReason):
    """Disable the account and end its sessions; nobody disables their own account."""


class EnableAccount(AccessChange):
    """Let a disabled account log in again."""


@dataclass(frozen=True)
class ResetPassword(AccessChange):
    """Set a new password for the user; it must pass the password rules."""

    new_password: str


# ---- privacy ------------------------------------------------------------------


@dataclass(frozen=True)
class ErasePersonalData:
    """Needs ``users:erase_personal_data``: the user's name, phone and ID number are
    erased for good (their keys destroyed); the account stays for the log's sake."""

    actor: Actor
    user_id: UUID
    reason: str


# ---- logins and the caller's own account -----------------------------------


@dataclass(frozen=True)
class LogIn:
    """Anyone may try: there is no actor yet, only where the attempt comes from."""

    username: str
    password: str
    client_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class CompleteLogin:
    """The second step of a login: the SMS one-time code sent for ``challenge_id``."""

    challenge_id: str
    code: str
    client_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class RefreshSession:
    """Swap a refresh token for a new pair; a token used twice revokes its session."""

    refresh_token: str


@dataclass(frozen=True)
class LogOut:
    """End the actor's own session."""

    actor: Actor


@dataclass(frozen=True)
class ChangeSecondFactor:
    """The actor turns their own SMS one-time code on or off, giving their password again."""

    actor: Actor
    enabled: bool
    password: str
    client_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class ChangePassword:
    """The actor changes their own password, giving the current one."""

    actor: Actor
    current_password: str
    new_password: str
    client_ip: str | None = None
    user_agent: str | None = None
