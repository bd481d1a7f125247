"""Roles, permissions and the one policy that joins them (R2.1).

Permissions are ``resource:action:scope`` strings. ``any`` lets the holder act
on every record; ``own`` only on records that belong to them (an owner sees
only their own units, bills and requests, R7.4). Everything not granted here
or to a user directly is denied.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PROPERTY_MANAGER = "property_manager"
    FINANCE = "finance"
    CUSTOMER_SERVICE = "customer_service"
    TECHNICIAN = "technician"
    OWNER = "owner"
    VISITOR = "visitor"
    AUDITOR = "auditor"


class Scope(StrEnum):
    ANY = "any"
    OWN = "own"


class Permission(StrEnum):
    SESSION_OWN = "session:manage:own"
    USERS_CREATE = "users:create:any"
    USERS_READ = "users:read:any"
    USERS_READ_OWN = "users:read:own"
    USERS_UPDATE = "users:update:any"
    USERS_UPDATE_OWN = "users:update:own"
    USERS_MANAGE_ACCESS = "users:manage_access:any"
    USERS_ERASE_PERSONAL_DATA = "users:erase_personal_data:any"
    PASSWORD_CHANGE_OWN = "password:change:own"  # noqa: S105 (a permission name)
    AUDIT_READ = "audit:read:any"
    AUDIT_READ_OWN = "audit:read:own"
    AUDIT_EXPORT = "audit:export:any"
    AUDIT_VERIFY = "audit:verify:any"
    PROJECTIONS_READ = "projections:read:any"
    HISTORY_READ = "history:read:any"

    @property
    def action(self) -> str:
        resource, action, _ = self.value.split(":")
        return f"{resource}:{action}"

    @property
    def scope(self) -> Scope:
        return Scope(self.value.rsplit(":", 1)[1])


# Every signed-in user may see who they are and end their own session, even
# with no role left: logging out must never need a grant.
AUTHENTICATED_BASELINE = frozenset({Permission.SESSION_OWN})

_SELF_SERVICE = frozenset(
    {
        Permission.USERS_READ_OWN,
        Permission.USERS_UPDATE_OWN,
        Permission.PASSWORD_CHANGE_OWN,
        Permission.AUDIT_READ_OWN,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.AUDITOR: _SELF_SERVICE
    | {
        Permission.USERS_READ,
        Permission.AUDIT_READ,
        Permission.AUDIT_EXPORT,
        Permission.AUDIT_VERIFY,
        Permission.PROJECTIONS_READ,
        Permission.HISTORY_READ,
    },
    Role.PROPERTY_MANAGER: _SELF_SERVICE | {Permission.USERS_READ},
    Role.CUSTOMER_SERVICE: _SELF_SERVICE | {Permission.USERS_READ},
    Role.FINANCE: _SELF_SERVICE,
    Role.TECHNICIAN: _SELF_SERVICE,
    Role.OWNER: _SELF_SERVICE,
    Role.VISITOR: frozenset({Permission.USERS_READ_OWN, Permission.PASSWORD_CHANGE_OWN}),
}


def effective_permissions(
    roles: frozenset[Role] | set[Role], direct: frozenset[Permission] | set[Permission]
) -> frozenset[Permission]:
    """What a user with these roles and direct grants may do."""
    granted: set[Permission] = set(direct)
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def allows(
    granted: frozenset[Permission], action: str, *, actor_id: object, owner_id: object | None
) -> bool:
    """Object-level check: may the actor do ``action`` to a record of ``owner_id``?

    ``action`` is ``resource:action``. Holding the ``any`` scope allows every
    record; holding ``own`` allows records whose owner is the actor.
    """
    for permission in granted:
        if permission.action != action:
            continue
        if permission.scope is Scope.ANY:
            return True
        if permission.scope is Scope.OWN and owner_id is not None and owner_id == actor_id:
            return True
    return False


def holds_action(granted: frozenset[Permission], action: str) -> bool:
    """Does the actor hold ``action`` at any scope (the route-level check)?"""
    return any(p.action == action for p in granted)
