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
    ESTATE = "estate"
    OWN = "own"


class Permission(StrEnum):
    SESSION_OWN = "session:manage:own"
    USERS_CREATE = "users:create:any"
    USERS_READ = "users:read:any"
    USERS_READ_ESTATE = "users:read:estate"
    USERS_READ_OWN = "users:read:own"
    USERS_UPDATE = "users:update:any"
    USERS_UPDATE_OWN = "users:update:own"
    USERS_MANAGE_ACCESS = "users:manage_access:any"
    USERS_ERASE_PERSONAL_DATA = "users:erase_personal_data:any"
    PASSWORD_CHANGE_OWN = "password:change:own"  # noqa: S105 (a permission name)
    SECOND_FACTOR_OWN = "second_factor:manage:own"
    AUDIT_READ = "audit:read:any"
    AUDIT_READ_OWN = "audit:read:own"
    AUDIT_EXPORT = "audit:export:any"
    AUDIT_VERIFY = "audit:verify:any"
    PROJECTIONS_READ = "projections:read:any"
    HISTORY_READ = "history:read:any"
    # Incidents (R6.2) and the administrators' alert inbox: operators' business
    INCIDENTS_READ = "incidents:read:any"
    INCIDENTS_MANAGE = "incidents:manage:any"
    ALERTS_READ = "alerts:read:any"
    ALERTS_MANAGE = "alerts:manage:any"
    # Registry: estates, buildings, units, parking, people and occupancy (R1.1, R3.3)
    REGISTRY_READ = "registry:read:any"
    REGISTRY_READ_ESTATE = "registry:read:estate"
    REGISTRY_READ_OWN = "registry:read:own"
    REGISTRY_MANAGE = "registry:manage:any"
    REGISTRY_MANAGE_ESTATE = "registry:manage:estate"
    # Equipment, telemetry and alarms (R4.3, R4.5, R7.1)
    EQUIPMENT_READ = "equipment:read:any"
    EQUIPMENT_READ_ESTATE = "equipment:read:estate"
    EQUIPMENT_MANAGE = "equipment:manage:any"
    EQUIPMENT_MANAGE_ESTATE = "equipment:manage:estate"
    TELEMETRY_INGEST = "telemetry:ingest:any"
    TELEMETRY_INGEST_ESTATE = "telemetry:ingest:estate"
    ALARMS_READ = "alarms:read:any"
    ALARMS_READ_ESTATE = "alarms:read:estate"
    ALARMS_HANDLE = "alarms:handle:any"
    ALARMS_HANDLE_ESTATE = "alarms:handle:estate"
    # Work orders and preventive maintenance (R4.2, R4.4)
    WORKORDERS_SUBMIT = "workorders:submit:any"
    WORKORDERS_SUBMIT_ESTATE = "workorders:submit:estate"
    WORKORDERS_SUBMIT_OWN = "workorders:submit:own"
    # Log a resident's order for them (they phoned, came by): the order is theirs.
    WORKORDERS_SUBMIT_FOR = "workorders:submit_for:any"
    WORKORDERS_SUBMIT_FOR_ESTATE = "workorders:submit_for:estate"
    WORKORDERS_READ = "workorders:read:any"
    WORKORDERS_READ_ESTATE = "workorders:read:estate"
    WORKORDERS_READ_OWN = "workorders:read:own"
    WORKORDERS_MANAGE = "workorders:manage:any"
    WORKORDERS_MANAGE_ESTATE = "workorders:manage:estate"
    WORKORDERS_WORK_OWN = "workorders:work:own"
    WORKORDERS_RATE_OWN = "workorders:rate:own"
    MAINTENANCE_READ = "maintenance:read:any"
    MAINTENANCE_READ_ESTATE = "maintenance:read:estate"
    MAINTENANCE_MANAGE = "maintenance:manage:any"
    MAINTENANCE_MANAGE_ESTATE = "maintenance:manage:estate"
    # Approvals (R2.3, R4.1)
    APPROVALS_CONFIGURE = "approvals:configure:any"
    APPROVALS_READ = "approvals:read:any"
    APPROVALS_READ_ESTATE = "approvals:read:estate"
    APPROVALS_READ_OWN = "approvals:read:own"
    APPROVALS_DECIDE = "approvals:decide:any"
    APPROVALS_DECIDE_ESTATE = "approvals:decide:estate"
    # Service requests, complaints, surveys, announcements (R4.1, R1.1)
    SERVICES_REQUEST = "services:request:any"
    SERVICES_REQUEST_ESTATE = "services:request:estate"
    SERVICES_REQUEST_OWN = "services:request:own"
    SERVICES_READ = "services:read:any"
    SERVICES_READ_ESTATE = "services:read:estate"
    SERVICES_READ_OWN = "services:read:own"
    SERVICES_HANDLE = "services:handle:any"
    SERVICES_HANDLE_ESTATE = "services:handle:estate"
    SURVEYS_ANSWER_OWN = "surveys:answer:own"
    SURVEYS_READ = "surveys:read:any"
    SURVEYS_READ_ESTATE = "surveys:read:estate"
    ANNOUNCEMENTS_READ = "announcements:read:any"
    ANNOUNCEMENTS_READ_ESTATE = "announcements:read:estate"
    ANNOUNCEMENTS_READ_OWN = "announcements:read:own"
    ANNOUNCEMENTS_PUBLISH = "announcements:publish:any"
    ANNOUNCEMENTS_PUBLISH_ESTATE = "announcements:publish:estate"
    # Notifications and each user's to-do list (R3.2, R3.4)
    NOTIFICATIONS_READ = "notifications:read:any"
    NOTIFICATIONS_READ_OWN = "notifications:read:own"
    # Changing one's own inbox, preferences and reminders: a write, so a
    # read-only role's ``notifications:read:any`` never opens another's.
    NOTIFICATIONS_MANAGE = "notifications:manage:any"
    NOTIFICATIONS_MANAGE_OWN = "notifications:manage:own"
    NOTIFICATIONS_SEND = "notifications:send:any"
    NOTIFICATIONS_SEND_ESTATE = "notifications:send:estate"
    TASKS_READ_OWN = "tasks:read:own"
    # Finance: fees, bills, payments, expenses, the maintenance fund, the ledger (R5)
    FINANCE_READ = "finance:read:any"
    FINANCE_READ_ESTATE = "finance:read:estate"
    FINANCE_READ_OWN = "finance:read:own"
    FINANCE_MANAGE = "finance:manage:any"
    FINANCE_MANAGE_ESTATE = "finance:manage:estate"
    PAYMENTS_RECORD = "payments:record:any"
    PAYMENTS_RECORD_ESTATE = "payments:record:estate"
    # Granted to no role: an owner's own "online" payment had no proof behind
    # it. Kept because stored direct grants name it; it opens nothing.
    PAYMENTS_RECORD_OWN = "payments:record:own"
    # Asking to pay online (a payment order, decision 0027): the occupants of a
    # unit, or estate finance staff at the counter for them. Pays nothing:
    # only the provider's verified notification does.
    PAYMENTS_PAY = "payments:pay:any"
    PAYMENTS_PAY_OWN = "payments:pay:own"
    PAYMENTS_PAY_ESTATE = "payments:pay:estate"
    EXPENSES_SUBMIT = "expenses:submit:any"
    EXPENSES_SUBMIT_ESTATE = "expenses:submit:estate"
    EXPENSES_MANAGE = "expenses:manage:any"
    EXPENSES_MANAGE_ESTATE = "expenses:manage:estate"
    # Vendors are company master data (their bank accounts receive every
    # estate's money): only a company-wide grant changes them.
    VENDORS_MANAGE = "vendors:manage:any"
    FUND_READ = "fund:read:any"
    FUND_READ_ESTATE = "fund:read:estate"
    FUND_READ_OWN = "fund:read:own"
    FUND_MANAGE = "fund:manage:any"
    FUND_MANAGE_ESTATE = "fund:manage:estate"
    LEDGER_READ = "ledger:read:any"
    LEDGER_READ_ESTATE = "ledger:read:estate"
    LEDGER_CLOSE = "ledger:close:any"
    LEDGER_CLOSE_ESTATE = "ledger:close:estate"
    COMPLIANCE_RUN = "compliance:run:any"
    COMPLIANCE_RUN_ESTATE = "compliance:run:estate"
    COMPLIANCE_READ = "compliance:read:any"
    COMPLIANCE_READ_ESTATE = "compliance:read:estate"
    COMPLIANCE_RECTIFY = "compliance:rectify:any"
    COMPLIANCE_RECTIFY_ESTATE = "compliance:rectify:estate"

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
    },
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
