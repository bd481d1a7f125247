"""User administration and each user's own record (R2.1-R2.4, R7.3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from application.registry.service import RegistryRecordNotFound
from domain.identity.policy import Permission, Role, Scope, widest_scope
from domain.registry.places import Estate
from interfaces.http.consistency import reached
from interfaces.http.problems import Problem
from interfaces.http.schemas import Accepted, Command, Created, NationalId, Phone, accepted
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, Secret, SingleLine

router = APIRouter(prefix="/api/v1/users", tags=["users"])

Reason = Annotated[str, MultiLine(500)]


class NewUser(Command):
    username: Annotated[str, SingleLine(64, min_length=3)]
    password: Annotated[str, Secret(256)]
    display_name: Annotated[str, SingleLine(100)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=8)]
    gender: Annotated[str, SingleLine(20, min_length=0)] | None = None
    phone: Phone | None = None
    national_id: NationalId | None = None


class ProfileChange(Command):
    display_name: Annotated[str, SingleLine(100)] | None = None
    gender: Annotated[str, SingleLine(20, min_length=0)] | None = None
    phone: Phone | None = None
    national_id: NationalId | None = None


class RoleChange(Command):
    role: Role


class PermissionChange(Command):
    permission: Permission


class WithReason(Command):
    reason: Reason


class PasswordReset(Command):
    new_password: Annotated[str, Secret(256)]


class UserView(BaseModel):
    id: UUID
    username: str
    display_name: str = Field(description='masked ("J*** S****", "王**"); "[erased]" once erased')
    gender: str | None
    phone: str | None = Field(description="masked")
    national_id: str | None = Field(description="masked")
    personal_data_erased: bool
    roles: list[str]
    direct_permissions: list[str]
    estates: list[UUID] = Field(description="estates this staff member serves")
    status: str
    registered_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    last_login_ip: str | None
    version: int


class UserPage(BaseModel):
    items: list[UserView]
    next_cursor: str | None


class LoginView(BaseModel):
    position: int
    at: datetime
    outcome: str
    reason: str | None
    client_ip: str | None
    user_agent: str | None


# An automatic lock ends when its cool-down does, whether or not the user has
# tried again since (the log records the unlock only at the next attempt).
STATUS = "(CASE WHEN status = 'locked' AND locked_until <= now() THEN 'normal' ELSE status END)"
COLUMNS = (
    "user_id, username, display_name, gender, phone_masked, national_id_masked, "
    f"personal_data_erased, roles, direct_permissions, estates, {STATUS}, registered_at, "
    "updated_at, last_login_at, last_login_ip, version"
)
NAMES = [
    "user_id",
    "username",
    "display_name",
    "gender",
    "phone_masked",
    "national_id_masked",
    "personal_data_erased",
    "roles",
    "direct_permissions",
    "estates",
    "status",
    "registered_at",
    "updated_at",
    "last_login_at",
    "last_login_ip",
    "version",
]


def _view(row: tuple[Any, ...]) -> UserView:
    data = dict(zip(NAMES, row, strict=True))
    data["id"] = data.pop("user_id")
    data["phone"] = data.pop("phone_masked")
    data["national_id"] = data.pop("national_id_masked")
    return UserView(**data)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(
    body: NewUser, request: Request, principal: Principal = requires(Permission.USERS_CREATE)
) -> Created:
    """Register a user; name, phone and national ID are encrypted before they are stored."""
    user_id, position = container(request).identity.register(**body.model_dump())
    return Created(id=user_id, position=position)


def _shown(principal: Principal, view: UserView) -> UserView:
    """Where someone logs in from is for company-wide readers (and the user):
    estate staff see their residents' records without the last login IP."""
    if view.id != principal.user_id and not principal.may("users:read", owner_id=None):
        view.last_login_ip = None
    return view


# A user an estate-scoped reader may see: staff serving one of their estates,
# or a login linked to a person of one of them (an owner or resident).
OF_ESTATES = (
    "(estates && %s::uuid[] OR user_id IN (SELECT user_id FROM registry_people "
    "WHERE estate_id = ANY(%s) AND user_id IS NOT NULL))"
)


def _reach(principal: Principal) -> tuple[str, list[Any]]:
    """The users ``principal`` may read: everyone, or themselves and those of their estates."""
    reach = principal.reach("users:read")
    if reach.everything:
        return "true", []
    estates = list(reach.estates)
    return f"(user_id = %s OR {OF_ESTATES})", [principal.user_id, estates, estates]


@router.get("")
async def list_users(
    request: Request,
    principal: Principal = requires(Permission.USERS_READ_ESTATE),
    username_prefix: Annotated[str | None, Query(max_length=64)] = None,
    role: Role | None = None,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(normal|locked|disabled)$")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[int | None, Query(ge=0, description="wait for this position")] = None,
) -> UserPage:
    """Users the caller may read: company-wide readers see everyone; estate staff
    the staff and residents of the estates they serve."""
    if widest_scope(principal.permissions, "users:read") not in (Scope.ANY, Scope.ESTATE):
        raise Problem(403, "listing users needs the permission users:read:estate")
    c = container(request)
    await reached(request, "user_directory", after)
    where, params = _reach(principal)
    sql = f"SELECT {COLUMNS} FROM user_directory WHERE {where}"
    if username_prefix:
        sql += " AND username LIKE %s"
        params.append(username_prefix.lower().replace("%", r"\%").replace("_", r"\_") + "%")
    if role is not None:
        sql += " AND %s = ANY(roles)"
        params.append(role.value)
    if status_:
        sql += f" AND {STATUS} = %s"
        params.append(status_)
    if cursor:
        sql += " AND username > %s"
        params.append(cursor)
    sql += " ORDER BY username LIMIT %s"
    params.append(limit + 1)
    with c.pool.connection() as conn:
        rows = conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
    items = [_shown(principal, _view(r)) for r in rows[:limit]]
    return UserPage(items=items, next_cursor=items[-1].username if len(rows) > limit else None)


@router.get("/{user_id}")
async def get_user(
    user_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.USERS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> UserView:
    """One user's record; owners and residents may read only their own, estate
    staff those of the estates they serve (another answers 404, as a missing one)."""
    c = container(request)
    await reached(request, "user_directory", after)
    where, params = _reach(principal)
    with c.pool.connection() as conn:
        row = conn.execute(
            f"SELECT {COLUMNS} FROM user_directory WHERE user_id = %s AND {where}",
            [user_id, *params],
        ).fetchone()
    if row is None and where == "true":
        raise Problem(404, "no such user")
    if row is None:
        raise Problem(404, "no such record, or not yours to see")
    return _shown(principal, _view(row))


@router.get("/{user_id}/logins")
async def login_history(
    user_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.AUDIT_READ_OWN),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1)] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> list[LoginView]:
    """Login successes, failures and logouts, newest first, with IP and agent."""
    principal.check("audit:read", owner_id=user_id)
    c = container(request)
    await reached(request, "login_history", after)
    with c.pool.connection() as conn:
        rows = conn.execute(
            "SELECT position, at, outcome, reason, client_ip, user_agent FROM login_history "
            "WHERE user_id = %s AND position < %s ORDER BY position DESC LIMIT %s",
            [user_id, before or 2**62, limit],
        ).fetchall()
    return [
        LoginView(
            position=r[0], at=r[1], outcome=r[2], reason=r[3], client_ip=r[4], user_agent=r[5]
        )
        for r in rows
    ]


@router.post("/{user_id}/profile", response_model=Accepted)
def change_profile(
    user_id: UUID,
    body: ProfileChange,
    request: Request,
    principal: Principal = requires(Permission.USERS_UPDATE_OWN),
) -> Response:
    principal.check("users:update", owner_id=user_id)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise Problem(422, "name at least one field to change")
    return accepted(container(request).identity.change_profile(user_id, **changes))


@router.post("/{user_id}/roles", response_model=Accepted)
def grant_role(
    user_id: UUID,
    body: RoleChange,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    return accepted(container(request).identity.grant_role(user_id, body.role))


@router.delete("/{user_id}/roles/{role}", response_model=Accepted)
def revoke_role(
    user_id: UUID,
    role: Role,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    return accepted(container(request).identity.revoke_role(user_id, role))


@router.post("/{user_id}/permissions", response_model=Accepted)
def grant_permission(
    user_id: UUID,
    body: PermissionChange,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    return accepted(container(request).identity.grant_permission(user_id, body.permission))


@router.delete("/{user_id}/permissions/{permission}", response_model=Accepted)
def revoke_permission(
    user_id: UUID,
    permission: Permission,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    return accepted(container(request).identity.revoke_permission(user_id, permission))


class EstateAssignment(Command):
    estate_id: UUID


@router.post("/{user_id}/estates", response_model=Accepted)
def assign_estate(
    user_id: UUID,
    body: EstateAssignment,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    """Let a staff member serve an estate: its records open to their ``estate`` scope."""
    c = container(request)
    try:
        c.registry.load(body.estate_id, Estate)
    except RegistryRecordNotFound:
        raise Problem(422, f"there is no estate {body.estate_id}") from None
    return accepted(c.identity.assign_estate(user_id, body.estate_id))


@router.delete("/{user_id}/estates/{estate_id}", response_model=Accepted)
def unassign_estate(
    user_id: UUID,
    estate_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    return accepted(container(request).identity.unassign_estate(user_id, estate_id))


@router.post("/{user_id}/lock", response_model=Accepted)
def lock(
    user_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    """Lock an account now; its sessions end at once."""
    identity = container(request).identity
    return accepted(identity.lock(user_id, body.reason, by=principal.user_id))


@router.post("/{user_id}/unlock", response_model=Accepted)
def unlock(
    user_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    return accepted(container(request).identity.unlock(user_id, by=principal.user_id))


@router.post("/{user_id}/disable", response_model=Accepted)
def disable(
    user_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    if user_id == principal.user_id:
        raise Problem(409, "you cannot disable your own account")
    return accepted(container(request).identity.disable(user_id, body.reason))


@router.post("/{user_id}/enable", response_model=Accepted)
def enable(
    user_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    return accepted(container(request).identity.enable(user_id))


@router.post("/{user_id}/password", response_model=Accepted)
def reset_password(
    user_id: UUID,
    body: PasswordReset,
    request: Request,
    principal: Principal = requires(Permission.USERS_MANAGE_ACCESS),
) -> Response:
    """Set a new password for someone; all of their sessions end."""
    return accepted(container(request).identity.reset_password(user_id, body.new_password))


@router.post("/{user_id}/erase-personal-data", response_model=Accepted)
def erase_personal_data(
    user_id: UUID,
    body: WithReason,
    request: Request,
    principal: Principal = requires(Permission.USERS_ERASE_PERSONAL_DATA),
) -> Response:
    """Crypto-shred name, phone and national ID: the key is deleted, the history stays."""
    return accepted(container(request).identity.erase_personal_data(user_id, body.reason))
