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
    """Only the fields given change; a name cannot be removed (erasure does that)."""

    actor: Actor
    user_id: UUID
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GrantRole:
    actor: Actor
    user_id: UUID
    role: Role


@dataclass(frozen=True)
class RevokeRole:
    actor: Actor
    user_id: UUID
    role: Role


@dataclass(frozen=True)
class GrantPermission:
    actor: Actor
    user_id: UUID
    permission: Permission


@dataclass(frozen=True)
class RevokePermission:
    actor: Actor
    user_id: UUID
    permission: Permission


@dataclass(frozen=True)
class AssignEstate:
    actor: Actor
    user_id: UUID
    estate_id: UUID


@dataclass(frozen=True)
class PreassignEstate:
    """Let a staff member serve an estate the registry may not hold yet.

    For a loader that sets up staff before or without the estate's records
    (the demo, tests); no route sends it, since :class:`AssignEstate` insists
    the estate exists."""

    actor: Actor
    user_id: UUID
    estate_id: UUID


@dataclass(frozen=True)
class UnassignEstate:
    actor: Actor
    user_id: UUID
    estate_id: UUID


@dataclass(frozen=True)
class LockAccount:
    actor: Actor
    user_id: UUID
    reason: str


@dataclass(frozen=True)
class UnlockAccount:
    actor: Actor
    user_id: UUID


@dataclass(frozen=True)
class DisableAccount:
    actor: Actor
    user_id: UUID
    reason: str


@dataclass(frozen=True)
class EnableAccount:
    actor: Actor
    user_id: UUID


@dataclass(frozen=True)
class ResetPassword:
    actor: Actor
    user_id: UUID
    new_password: str


@dataclass(frozen=True)
class ErasePersonalData:
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
    challenge_id: str
    code: str
    client_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class RefreshSession:
    refresh_token: str


@dataclass(frozen=True)
class LogOut:
    actor: Actor


@dataclass(frozen=True)
class ChangeSecondFactor:
    actor: Actor
    enabled: bool
    password: str
    client_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class ChangePassword:
    actor: Actor
    current_password: str
    new_password: str
    client_ip: str | None = None
    user_agent: str | None = None
