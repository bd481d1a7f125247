"""Roles, permissions and the one policy that joins them (R2.1).

Permissions are ``resource:action:scope`` strings. ``any`` lets the holder act
on every record of the company; ``estate`` only on records of the estates the
holder is assigned to serve (a property manager of one estate sees nothing of
another, R7.4); ``own`` only on records that belong to them (an owner sees
only their own units, bills and requests; a technician the orders assigned to
them). Everything not granted here or to a user directly is denied.
"""

from __future__ import annotations

from collections.abc import Collection

from domain.identity.permissions import Permission, Role, Scope

__all__ = [
    "AUTHENTICATED_BASELINE",
    "ROLE_PERMISSIONS",
    "Permission",
    "Role",
    "Scope",
    "allows",
    "effective_permissions",
    "holds_action",
    "widest_scope",
]

# Every signed-in user may see who they are and end their own session, even
# with no role left: logging out must never need a grant.
AUTHENTICATED_BASELINE = frozenset({Permission.SESSION_OWN})

_SELF_SERVICE = frozenset(
    {
        Permission.USERS_READ_OWN,
        Permission.USERS_UPDATE_OWN,
        Permission.PASSWORD_CHANGE_OWN,
        Permission.SECOND_FACTOR_OWN,
        Permission.AUDIT_READ_OWN,
        Permission.NOTIFICATIONS_READ_OWN,
        Permission.NOTIFICATIONS_MANAGE_OWN,
        Permission.TASKS_READ_OWN,
    }
)

# Everyone who works on an estate reads its registry, equipment and orders.
_ESTATE_STAFF = frozenset(
    {
        Permission.REGISTRY_READ_ESTATE,
        Permission.EQUIPMENT_READ_ESTATE,
        Permission.ALARMS_READ_ESTATE,
        Permission.WORKORDERS_READ_ESTATE,
        Permission.WORKORDERS_SUBMIT_ESTATE,
        Permission.MAINTENANCE_READ_ESTATE,
        Permission.SERVICES_READ_ESTATE,
        Permission.ANNOUNCEMENTS_READ_ESTATE,
        Permission.APPROVALS_READ_ESTATE,
        Permission.METERS_READ_ESTATE,
        Permission.PATROLS_READ_ESTATE,
    }
)

_EVERY_ESTATE_READ = frozenset(
    {
        Permission.REGISTRY_READ,
        Permission.EQUIPMENT_READ,
        Permission.ALARMS_READ,
        Permission.WORKORDERS_READ,
        Permission.MAINTENANCE_READ,
        Permission.APPROVALS_READ,
        Permission.SERVICES_READ,
        Permission.SURVEYS_READ,
        Permission.ANNOUNCEMENTS_READ,
        Permission.NOTIFICATIONS_READ,
        Permission.FINANCE_READ,
        Permission.FUND_READ,
        Permission.LEDGER_READ,
        Permission.COMPLIANCE_READ,
        Permission.METERS_READ,
        Permission.PATROLS_READ,
        Permission.STORES_READ,
        Permission.VISITORS_READ,
        Permission.PARKING_READ,
        Permission.QUALITY_READ,
        Permission.DASHBOARD_READ,
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
        Permission.COMPLIANCE_RUN,
        Permission.INCIDENTS_READ,
    }
    | _EVERY_ESTATE_READ,
    Role.PROPERTY_MANAGER: _SELF_SERVICE
    | _ESTATE_STAFF
    | {
        Permission.USERS_READ_ESTATE,
        Permission.REGISTRY_MANAGE_ESTATE,
        Permission.EQUIPMENT_MANAGE_ESTATE,
        Permission.TELEMETRY_INGEST_ESTATE,
        Permission.ALARMS_HANDLE_ESTATE,
        Permission.WORKORDERS_MANAGE_ESTATE,
        Permission.WORKORDERS_SUBMIT_FOR_ESTATE,
        Permission.MAINTENANCE_MANAGE_ESTATE,
        Permission.APPROVALS_DECIDE_ESTATE,
        Permission.SERVICES_REQUEST_ESTATE,
        Permission.SERVICES_HANDLE_ESTATE,
        Permission.SURVEYS_READ_ESTATE,
        Permission.ANNOUNCEMENTS_PUBLISH_ESTATE,
        Permission.NOTIFICATIONS_SEND_ESTATE,
        Permission.FINANCE_READ_ESTATE,
        Permission.EXPENSES_SUBMIT_ESTATE,
        Permission.FUND_READ_ESTATE,
        Permission.LEDGER_READ_ESTATE,
        Permission.COMPLIANCE_READ_ESTATE,
        Permission.COMPLIANCE_RECTIFY_ESTATE,
        Permission.METERS_RECORD_ESTATE,
        Permission.METERS_MANAGE_ESTATE,
        Permission.PATROLS_MANAGE_ESTATE,
        Permission.STORES_READ_ESTATE,
        Permission.STORES_REQUEST_ESTATE,
        Permission.VISITORS_READ_ESTATE,
        Permission.VISITORS_INVITE_ESTATE,
        Permission.PARKING_READ_ESTATE,
        Permission.PARKING_MANAGE_ESTATE,
        Permission.QUALITY_READ_ESTATE,
        Permission.QUALITY_RUN_ESTATE,
        Permission.DASHBOARD_READ_ESTATE,
    },
    Role.CUSTOMER_SERVICE: _SELF_SERVICE
    | _ESTATE_STAFF
    | {
        Permission.USERS_READ_ESTATE,
        Permission.ALARMS_HANDLE_ESTATE,
        Permission.WORKORDERS_MANAGE_ESTATE,
        Permission.WORKORDERS_SUBMIT_FOR_ESTATE,
        Permission.APPROVALS_DECIDE_ESTATE,
        Permission.SERVICES_REQUEST_ESTATE,
        Permission.SERVICES_HANDLE_ESTATE,
        Permission.SURVEYS_READ_ESTATE,
        Permission.FINANCE_READ_ESTATE,
        Permission.PAYMENTS_RECORD_ESTATE,
        Permission.METERS_RECORD_ESTATE,
        Permission.VISITORS_READ_ESTATE,
        Permission.VISITORS_INVITE_ESTATE,
        Permission.PARKING_READ_ESTATE,
        Permission.DASHBOARD_READ_ESTATE,
    },
    # Finance staff keep the books of the estates they serve and decide the
    # approval levels given to the finance role (refunds, waivers, expenses).
    Role.FINANCE: _SELF_SERVICE
    | {
        Permission.REGISTRY_READ_ESTATE,
        Permission.APPROVALS_READ_ESTATE,
        Permission.APPROVALS_DECIDE_ESTATE,
        Permission.FINANCE_READ_ESTATE,
        Permission.FINANCE_MANAGE_ESTATE,
        Permission.PAYMENTS_RECORD_ESTATE,
        Permission.PAYMENTS_PAY_ESTATE,
        Permission.EXPENSES_SUBMIT_ESTATE,
        Permission.EXPENSES_MANAGE_ESTATE,
        Permission.FUND_READ_ESTATE,
        Permission.FUND_MANAGE_ESTATE,
        Permission.LEDGER_READ_ESTATE,
        Permission.LEDGER_CLOSE_ESTATE,
        Permission.COMPLIANCE_RUN_ESTATE,
        Permission.COMPLIANCE_READ_ESTATE,
        Permission.COMPLIANCE_RECTIFY_ESTATE,
        Permission.METERS_READ_ESTATE,
        Permission.STORES_READ_ESTATE,
        Permission.PARKING_READ_ESTATE,
        Permission.DASHBOARD_READ_ESTATE,
    },
    # A technician reads the equipment of the estates they serve and works the
    # orders assigned to them; "own" orders are those assigned to them.
    Role.TECHNICIAN: _SELF_SERVICE
    | {
        Permission.EQUIPMENT_READ_ESTATE,
        Permission.ALARMS_READ_ESTATE,
        Permission.ALARMS_HANDLE_ESTATE,
        Permission.WORKORDERS_READ_OWN,
        Permission.WORKORDERS_WORK_OWN,
        Permission.WORKORDERS_SUBMIT_ESTATE,
        Permission.MAINTENANCE_READ_ESTATE,
        Permission.ANNOUNCEMENTS_READ_ESTATE,
        Permission.METERS_READ_ESTATE,
        Permission.METERS_RECORD_ESTATE,
        Permission.PATROLS_READ_OWN,
        Permission.PATROLS_WORK_OWN,
        Permission.STORES_READ_ESTATE,
        Permission.STORES_REQUEST_ESTATE,
    },
    # Owners and residents: their own units, requests, ratings and notices.
    # They record no payments: until a payment provider's verified notice
    # exists, only finance staff record money received.
    Role.OWNER: _SELF_SERVICE
    | {
        Permission.REGISTRY_READ_OWN,
        Permission.WORKORDERS_SUBMIT_OWN,
        Permission.WORKORDERS_READ_OWN,
        Permission.WORKORDERS_RATE_OWN,
        Permission.SERVICES_REQUEST_OWN,
        Permission.SERVICES_READ_OWN,
        Permission.SURVEYS_ANSWER_OWN,
        Permission.ANNOUNCEMENTS_READ_OWN,
        Permission.APPROVALS_READ_OWN,
        Permission.FINANCE_READ_OWN,
        Permission.FUND_READ_OWN,
        Permission.PAYMENTS_PAY_OWN,
        Permission.METERS_READ_OWN,
        Permission.METERS_RECORD_OWN,
        Permission.VISITORS_INVITE_OWN,
        Permission.VISITORS_READ_OWN,
        Permission.PARKING_READ_OWN,
    },
    # A visitor with an account sees the passes issued to them, and nothing else.
    Role.VISITOR: frozenset(
        {Permission.USERS_READ_OWN, Permission.PASSWORD_CHANGE_OWN, Permission.VISITORS_READ_OWN}
    ),
    # A storekeeper keeps the stores of the estates they serve: receives
    # against purchase requests, issues parts to the orders they read.
    Role.STOREKEEPER: _SELF_SERVICE
    | {
        Permission.REGISTRY_READ_ESTATE,
        Permission.WORKORDERS_READ_ESTATE,
        Permission.APPROVALS_READ_ESTATE,
        Permission.ANNOUNCEMENTS_READ_ESTATE,
        Permission.STORES_READ_ESTATE,
        Permission.STORES_REQUEST_ESTATE,
        Permission.STORES_MANAGE_ESTATE,
    },
    # A gate guard checks visitors and vehicles in and out, walks the night
    # patrol assigned to them and answers the door alarms of their estates.
    Role.GATE_GUARD: _SELF_SERVICE
    | {
        Permission.REGISTRY_READ_ESTATE,
        Permission.ANNOUNCEMENTS_READ_ESTATE,
        Permission.ALARMS_READ_ESTATE,
        Permission.ALARMS_HANDLE_ESTATE,
        Permission.VISITORS_READ_ESTATE,
        Permission.GATE_OPERATE_ESTATE,
        Permission.PARKING_READ_ESTATE,
        Permission.PATROLS_READ_OWN,
        Permission.PATROLS_WORK_OWN,
    },
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
    granted: frozenset[Permission],
    action: str,
    *,
    actor_id: object,
    owner_id: object | None,
    estate_id: object | None = None,
    actor_estates: Collection[object] = (),
) -> bool:
    """Object-level check: may the actor do ``action`` to this record?

    ``action`` is ``resource:action``. Holding the ``any`` scope allows every
    record; ``estate`` allows records of an estate in ``actor_estates``;
    ``own`` allows records whose owner is the actor. ``owner_id`` may be one
    ID or a collection of them (a unit has several occupants; an order has a
    requester and an assignee).
    """
    for permission in granted:
        if permission.action != action:
            continue
        if permission.scope is Scope.ANY:
            return True
        if permission.scope is Scope.ESTATE:
            if estate_id is not None and estate_id in actor_estates:
                return True
        elif _owned_by(owner_id, actor_id):
            return True
    return False


def _owned_by(owner_id: object | None, actor_id: object) -> bool:
    if owner_id is None:
        return False
    if isinstance(owner_id, (set, frozenset, list, tuple)):
        return actor_id in owner_id
    return owner_id == actor_id


def widest_scope(granted: frozenset[Permission], action: str) -> Scope | None:
    """The widest scope at which ``action`` is held: any > estate > own; None if not."""
    scopes = {p.scope for p in granted if p.action == action}
    for scope in (Scope.ANY, Scope.ESTATE, Scope.OWN):
        if scope in scopes:
            return scope
    return None


def holds_action(granted: frozenset[Permission], action: str) -> bool:
    """Does the actor hold ``action`` at any scope (the route-level check)?"""
    return any(p.action == action for p in granted)
