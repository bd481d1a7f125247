"""Roles, the scopes a grant can have, and every permission (R2.1).

Permissions are ``resource:action:scope`` strings; :mod:`domain.identity.policy`
says which role holds which, and how a grant's scope is checked.
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
    # Issue 17's field roles: the stores (仓库) and the gate and car park (门岗).
    STOREKEEPER = "storekeeper"
    GATE_GUARD = "gate_guard"


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
    # Meters and their readings (抄表): ``own`` are the meters of the caller's
    # units, whose readings a resident may submit for staff to confirm.
    METERS_READ = "meters:read:any"
    METERS_READ_ESTATE = "meters:read:estate"
    METERS_READ_OWN = "meters:read:own"
    METERS_RECORD = "meters:record:any"
    METERS_RECORD_ESTATE = "meters:record:estate"
    METERS_RECORD_OWN = "meters:record:own"
    METERS_MANAGE = "meters:manage:any"
    METERS_MANAGE_ESTATE = "meters:manage:estate"

    # Patrols (巡检): ``own`` are the patrol tasks assigned to the caller.
    PATROLS_READ = "patrols:read:any"
    PATROLS_READ_ESTATE = "patrols:read:estate"
    PATROLS_READ_OWN = "patrols:read:own"
    PATROLS_MANAGE = "patrols:manage:any"
    PATROLS_MANAGE_ESTATE = "patrols:manage:estate"
    PATROLS_WORK_OWN = "patrols:work:own"

    # Stores and procurement (仓库/采购)
    STORES_READ = "stores:read:any"
    STORES_READ_ESTATE = "stores:read:estate"
    STORES_REQUEST = "stores:request:any"
    STORES_REQUEST_ESTATE = "stores:request:estate"
    STORES_MANAGE = "stores:manage:any"
    STORES_MANAGE_ESTATE = "stores:manage:estate"

    # Visitors and the gate (访客/门禁): ``own`` are the passes a resident
    # issued for their units, or, for a visitor, the passes issued to them.
    VISITORS_INVITE = "visitors:invite:any"
    VISITORS_INVITE_ESTATE = "visitors:invite:estate"
    VISITORS_INVITE_OWN = "visitors:invite:own"
    VISITORS_READ = "visitors:read:any"
    VISITORS_READ_ESTATE = "visitors:read:estate"
    VISITORS_READ_OWN = "visitors:read:own"
    GATE_OPERATE = "gate:operate:any"
    GATE_OPERATE_ESTATE = "gate:operate:estate"

    # The car park (停车/道闸): ``own`` are the vehicles and passes of the
    # caller's units.
    PARKING_READ = "parking:read:any"
    PARKING_READ_ESTATE = "parking:read:estate"
    PARKING_READ_OWN = "parking:read:own"
    PARKING_MANAGE = "parking:manage:any"
    PARKING_MANAGE_ESTATE = "parking:manage:estate"

    # Data quality (R7.5) and the estate dashboard
    QUALITY_READ = "quality:read:any"
    QUALITY_READ_ESTATE = "quality:read:estate"
    QUALITY_RUN = "quality:run:any"
    QUALITY_RUN_ESTATE = "quality:run:estate"
    DASHBOARD_READ = "dashboard:read:any"
    DASHBOARD_READ_ESTATE = "dashboard:read:estate"

    @property
    def action(self) -> str:
        resource, action, _ = self.value.split(":")
        return f"{resource}:{action}"

    @property
    def scope(self) -> Scope:
        return Scope(self.value.rsplit(":", 1)[1])
