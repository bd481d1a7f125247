"""Roles, permissions and scopes (R2.1): deny by default, least privilege."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.identity.policy import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    Scope,
    allows,
    effective_permissions,
    holds_action,
)

ME = uuid4()
SOMEONE_ELSE = uuid4()


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_a_permission_names_its_action_and_scope() -> None:
    assert Permission.USERS_READ_OWN.action == "users:read"
    assert Permission.USERS_READ_OWN.scope is Scope.OWN
    assert Permission.AUDIT_EXPORT.action == "audit:export"
    assert Permission.AUDIT_EXPORT.scope is Scope.ANY


def test_the_administrator_holds_every_permission() -> None:
    assert effective_permissions({Role.ADMIN}, set()) == frozenset(Permission)


def test_nobody_without_roles_or_grants_may_do_anything() -> None:
    granted = effective_permissions(set(), set())

    assert granted == frozenset()
    assert not holds_action(granted, "users:read")
    assert not allows(granted, "users:read", actor_id=ME, owner_id=ME)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_the_administrator_creates_users_and_manages_access(role: Role) -> None:
    granted = ROLE_PERMISSIONS[role]

    assert Permission.USERS_CREATE not in granted
    assert Permission.USERS_MANAGE_ACCESS not in granted
    assert Permission.USERS_ERASE_PERSONAL_DATA not in granted


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.ADMIN, Role.AUDITOR)])
def test_only_administrators_and_auditors_read_the_whole_audit_trail(role: Role) -> None:
    assert Permission.AUDIT_READ not in ROLE_PERMISSIONS[role]
    assert Permission.AUDIT_READ in ROLE_PERMISSIONS[Role.AUDITOR]


def test_the_auditor_reads_and_verifies_but_changes_nothing() -> None:
    granted = ROLE_PERMISSIONS[Role.AUDITOR]

    assert {Permission.AUDIT_READ, Permission.AUDIT_EXPORT, Permission.AUDIT_VERIFY} <= granted
    assert Permission.USERS_UPDATE not in granted  # only their own record (self-service)
    assert not any(p.action in ("users:create", "users:manage_access") for p in granted)


def test_a_visitor_may_only_read_their_own_record_passes_and_change_their_password() -> None:
    assert ROLE_PERMISSIONS[Role.VISITOR] == {
        Permission.USERS_READ_OWN,
        Permission.PASSWORD_CHANGE_OWN,
        Permission.VISITORS_READ_OWN,
    }


def test_effective_permissions_are_the_union_of_roles_and_direct_grants() -> None:
    granted = effective_permissions({Role.VISITOR, Role.FINANCE}, {Permission.AUDIT_VERIFY})

    assert granted == (
        ROLE_PERMISSIONS[Role.VISITOR] | ROLE_PERMISSIONS[Role.FINANCE] | {Permission.AUDIT_VERIFY}
    )


def test_own_scope_allows_only_the_actors_own_records() -> None:
    owner = ROLE_PERMISSIONS[Role.OWNER]

    assert allows(owner, "users:read", actor_id=ME, owner_id=ME)
    assert not allows(owner, "users:read", actor_id=ME, owner_id=SOMEONE_ELSE)
    assert not allows(owner, "users:read", actor_id=ME, owner_id=None)


def test_any_scope_allows_every_record() -> None:
    auditor = ROLE_PERMISSIONS[Role.AUDITOR]

    assert allows(auditor, "users:read", actor_id=ME, owner_id=SOMEONE_ELSE)
    assert allows(auditor, "users:read", actor_id=ME, owner_id=None)


def test_a_property_manager_reads_users_of_their_estates_only() -> None:
    manager = ROLE_PERMISSIONS[Role.PROPERTY_MANAGER]

    assert not allows(manager, "users:read", actor_id=ME, owner_id=SOMEONE_ELSE)
    assert allows(manager, "users:read", actor_id=ME, owner_id=None, estate_id=1, actor_estates={1})
    assert not allows(
        manager, "users:read", actor_id=ME, owner_id=None, estate_id=2, actor_estates={1}
    )


def test_an_action_not_granted_at_any_scope_is_denied() -> None:
    owner = ROLE_PERMISSIONS[Role.OWNER]

    assert not allows(owner, "users:manage_access", actor_id=ME, owner_id=ME)
    assert not holds_action(owner, "audit:export")


def test_the_route_check_accepts_either_scope() -> None:
    assert holds_action(frozenset({Permission.AUDIT_READ_OWN}), "audit:read")
    assert holds_action(frozenset({Permission.AUDIT_READ}), "audit:read")
    assert not holds_action(frozenset({Permission.AUDIT_READ_OWN}), "audit:export")


ESTATE_A = uuid4()
ESTATE_B = uuid4()


def test_the_estate_scope_opens_only_the_estates_the_actor_serves() -> None:
    granted = frozenset({Permission.WORKORDERS_READ_ESTATE})

    def sees(estate: object) -> bool:
        return allows(
            granted,
            "workorders:read",
            actor_id=ME,
            owner_id=None,
            estate_id=estate,
            actor_estates={ESTATE_A},
        )

    assert sees(ESTATE_A)
    assert not sees(ESTATE_B)
    assert not sees(None)


def test_an_owner_scope_matches_any_of_several_owners() -> None:
    granted = frozenset({Permission.REGISTRY_READ_OWN})

    assert allows(granted, "registry:read", actor_id=ME, owner_id={SOMEONE_ELSE, ME})
    assert not allows(granted, "registry:read", actor_id=ME, owner_id={SOMEONE_ELSE})
    assert not allows(granted, "registry:read", actor_id=ME, owner_id=set())


@pytest.mark.parametrize("role", [Role.OWNER, Role.VISITOR, Role.TECHNICIAN])
def test_residents_visitors_and_technicians_hold_nothing_company_wide(role: Role) -> None:
    assert all(p.scope is not Scope.ANY for p in ROLE_PERMISSIONS[role])


def test_the_widest_scope_wins() -> None:
    from domain.identity.policy import widest_scope

    granted = frozenset({Permission.WORKORDERS_READ_OWN, Permission.WORKORDERS_READ_ESTATE})
    assert widest_scope(granted, "workorders:read") is Scope.ESTATE
    assert widest_scope(granted | {Permission.WORKORDERS_READ}, "workorders:read") is Scope.ANY
    assert widest_scope(granted, "alarms:read") is None
