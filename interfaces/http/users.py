"""User administration and each user's own record (R2.1-R2.4, R7.3)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from application.identity import commands as do
from application.identity.admin import UserAdmin
from domain.identity.policy import Permission, Role
from interfaces.http.asof import AsOfRoute
from interfaces.http.consistency import reached
from interfaces.http.cursors import decode_cursor
from interfaces.http.reads import query_off_loop
from interfaces.http.routes import Commands
from interfaces.http.schemas import (
    Accepted,
    Command,
    Created,
    Cursor,
    NationalId,
    Page,
    Phone,
    accepted,
    paged,
)
from interfaces.http.security import Principal, container, requires
from interfaces.http.text import MultiLine, Secret, SingleLine
from interfaces.http.views import from_view
from projections.identity import queries

router = APIRouter(route_class=AsOfRoute, prefix="/api/v1/users", tags=["users"])

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


@from_view(
    queries.UserRow,
    describe={
        "display_name": 'masked ("J*** S****", "王**"); "[erased]" once erased',
        "phone": "masked",
        "national_id": "masked",
        "estates": "estates this staff member serves",
    },
)
class UserView(BaseModel):
    pass


@from_view(queries.LoginRow)
class LoginView(BaseModel):
    pass


def _admin(request: Request) -> UserAdmin:
    return container(request).identity.admin


manage = Commands(router, _admin, Permission.USERS_MANAGE_ACCESS)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(
    body: NewUser, request: Request, principal: Principal = requires(Permission.USERS_CREATE)
) -> Created:
    """Register a user; name, phone and national ID are encrypted before they are stored."""
    command = do.RegisterUser(actor=principal, **body.model_dump())
    user_id, position = _admin(request).register(command)
    return Created(id=user_id, position=position)


@router.get("")
async def list_users(
    request: Request,
    principal: Principal = requires(Permission.USERS_READ_ESTATE),
    username_prefix: Annotated[str | None, Query(max_length=64)] = None,
    role: Role | None = None,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(normal|locked|disabled)$")
    ] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[int | None, Query(ge=0, description="wait for this position")] = None,
) -> Page[UserView]:
    """Users the caller may read: company-wide readers see everyone; estate staff
    the staff and residents of the estates they serve."""
    await reached(request, "user_directory", after)
    rows = await query_off_loop(
        request,
        queries.list_users,
        principal,
        username_prefix=username_prefix,
        role=role,
        status=status_,
        after_username=decode_cursor(cursor, str)[0] if cursor else None,
        limit=limit + 1,
    )
    return paged(rows, limit, UserView.model_validate, lambda r: (r["username"],))


@router.get("/{user_id}")
async def get_user(
    user_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.USERS_READ_OWN),
    after: Annotated[int | None, Query(ge=0)] = None,
) -> UserView:
    """One user's record; owners and residents may read only their own, estate
    staff those of the estates they serve (another answers 404, as a missing one)."""
    await reached(request, "user_directory", after)
    return UserView.model_validate(
        await query_off_loop(request, queries.get_user, principal, user_id)
    )


@router.get("/{user_id}/logins")
async def login_history(
    user_id: UUID,
    request: Request,
    principal: Principal = requires(Permission.AUDIT_READ_OWN),
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Page[LoginView]:
    """Login successes, failures and logouts, newest first, with IP and agent."""
    await reached(request, "login_history", after)
    before = decode_cursor(cursor, int)[0] if cursor else None
    rows = await query_off_loop(
        request, queries.login_history, principal, user_id, before=before, limit=limit + 1
    )
    return paged(rows, limit, LoginView.model_validate, lambda r: (r["position"],))


@router.post("/{user_id}/profile", response_model=Accepted)
def change_profile(
    user_id: UUID,
    body: ProfileChange,
    request: Request,
    principal: Principal = requires(Permission.USERS_UPDATE_OWN),
) -> Response:
    """Change a user's display name, gender, phone or national ID (their own, or
    anyone's with users:update:any)."""
    changes = body.model_dump(exclude_unset=True)
    return accepted(_admin(request).change_profile(do.ChangeProfile(principal, user_id, changes)))


manage("POST", "/{user_id}/roles", UserAdmin.grant_role, body=RoleChange, doc="Grant a role.")
manage(
    "DELETE",
    "/{user_id}/roles/{role}",
    UserAdmin.revoke_role,
    path_types={"role": Role},
    doc="Revoke a role.",
)
manage(
    "POST",
    "/{user_id}/permissions",
    UserAdmin.grant_permission,
    body=PermissionChange,
    doc="Grant one permission beyond the user's roles.",
)
manage(
    "DELETE",
    "/{user_id}/permissions/{permission}",
    UserAdmin.revoke_permission,
    doc="Revoke a permission granted one by one.",
    path_types={"permission": Permission},
)


class EstateAssignment(Command):
    estate_id: UUID


manage(
    "POST",
    "/{user_id}/estates",
    UserAdmin.assign_estate,
    body=EstateAssignment,
    doc="Let a staff member serve an estate: its records open to their ``estate`` scope.",
)
manage(
    "DELETE",
    "/{user_id}/estates/{estate_id}",
    UserAdmin.unassign_estate,
    doc="Stop a staff member serving an estate.",
)
manage(
    "POST",
    "/{user_id}/lock",
    UserAdmin.lock,
    body=WithReason,
    doc="Lock an account now; its sessions end at once.",
)
manage("POST", "/{user_id}/unlock", UserAdmin.unlock, doc="Unlock a locked account.")
manage(
    "POST",
    "/{user_id}/disable",
    UserAdmin.disable,
    body=WithReason,
    doc="Disable an account; its sessions end at once.",
)
manage("POST", "/{user_id}/enable", UserAdmin.enable, doc="Enable a disabled account.")
manage(
    "POST",
    "/{user_id}/password",
    UserAdmin.reset_password,
    body=PasswordReset,
    doc="Set a new password for someone; all of their sessions end.",
)
manage(
    "POST",
    "/{user_id}/erase-personal-data",
    UserAdmin.erase_personal_data,
    body=WithReason,
    permission=Permission.USERS_ERASE_PERSONAL_DATA,
    doc="Crypto-shred name, phone and national ID: the key is deleted, the history stays.",
)
