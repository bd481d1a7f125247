"""User administration handlers: who may hand out what, and what is recorded."""

from __future__ import annotations

from uuid import uuid4

import pytest

from application.actor import SYSTEM_ACTOR
from application.errors import Forbidden, NotFound
from application.identity.commands import (
    AssignEstate,
    ChangeProfile,
    DisableAccount,
    ErasePersonalData,
    GrantPermission,
    GrantRole,
    LockAccount,
    PreassignEstate,
    RegisterUser,
    ResetPassword,
    RevokeRole,
)
from application.identity.errors import UsernameTaken, UserNotFound
from domain.errors import InvalidTransition, ValidationFailed
from domain.identity.policy import Permission, Role
from domain.identity.user import UserStatus
from domain.registry.places import Estate
from tests.unit.identity.world import PASSWORD, World, world


@pytest.fixture
def w() -> World:
    return world()


def test_an_admin_grants_a_role_and_the_grant_is_recorded(w: World) -> None:
    admin, tech = w.user("root", Role.ADMIN), w.user("tech.wu", Role.OWNER)
    w.identity.admin.grant_role(GrantRole(w.actor(admin), tech, Role.TECHNICIAN))
    assert w.identity.get(tech).roles == {"owner", "technician"}
    assert w.names_of_events(tech)[-1] == "RoleGranted"


def test_an_estate_manager_cannot_grant_admin(w: World) -> None:
    manager, tech = w.user("pm.zhou", Role.PROPERTY_MANAGER), w.user("tech.wu", Role.TECHNICIAN)
    with pytest.raises(Forbidden):
        w.identity.admin.grant_role(GrantRole(w.actor(manager), tech, Role.ADMIN))
    assert w.names_of_events(tech) == ["Registered"]


def test_a_user_administrator_cannot_hand_out_more_than_they_hold(w: World) -> None:
    """Holding users:manage_access is not enough to make an admin, or to grant
    a permission one lacks: access only flows downwards."""
    helper, other = w.user("it.helper", Role.CUSTOMER_SERVICE), w.user("li.wei", Role.OWNER)
    w.identity.admin.grant_permission(
        GrantPermission(SYSTEM_ACTOR, helper, Permission.USERS_MANAGE_ACCESS)
    )
    actor = w.actor(helper)
    with pytest.raises(Forbidden, match="do not hold"):
        w.identity.admin.grant_role(GrantRole(actor, other, Role.ADMIN))
    with pytest.raises(Forbidden, match="do not hold"):
        w.identity.admin.grant_permission(GrantPermission(actor, other, Permission.AUDIT_EXPORT))
    with pytest.raises(Forbidden, match="do not hold"):
        w.identity.admin.revoke_role(RevokeRole(actor, other, Role.OWNER))
    # What they hold themselves they may pass on.
    w.identity.admin.grant_permission(
        GrantPermission(actor, other, Permission.SERVICES_READ_ESTATE)
    )
    assert Permission.SERVICES_READ_ESTATE in w.identity.get(other).permissions


def test_registering_with_a_role_needs_every_permission_of_it(w: World) -> None:
    creator = w.user("hr.li", Role.CUSTOMER_SERVICE)
    w.identity.admin.grant_permission(
        GrantPermission(SYSTEM_ACTOR, creator, Permission.USERS_CREATE)
    )
    command = RegisterUser(w.actor(creator), "new.admin", PASSWORD, "New Admin", [Role.ADMIN])
    with pytest.raises(Forbidden):
        w.identity.admin.register(command)
    assert w.identity.find("new.admin") is None


def test_a_taken_username_is_refused(w: World) -> None:
    admin = w.user("root", Role.ADMIN)
    command = RegisterUser(w.actor(admin), "Root", PASSWORD, "Another", [Role.OWNER])
    with pytest.raises(UsernameTaken):
        w.identity.admin.register(command)


def test_a_missing_user_is_not_found_before_anything_else(w: World) -> None:
    resident = w.user("owner.li", Role.OWNER)
    with pytest.raises(UserNotFound, match="no such user"):
        w.identity.admin.lock(LockAccount(w.actor(resident), uuid4(), "why"))


def test_a_resident_may_not_lock_anyone(w: World) -> None:
    resident, other = w.user("owner.li", Role.OWNER), w.user("owner.wang", Role.OWNER)
    with pytest.raises(Forbidden):
        w.identity.admin.lock(LockAccount(w.actor(resident), other, "noisy"))
    assert w.identity.get(other).status is UserStatus.NORMAL


def test_an_admin_lock_names_who_locked(w: World) -> None:
    admin, other = w.user("root", Role.ADMIN), w.user("owner.wang", Role.OWNER)
    w.identity.admin.lock(LockAccount(w.actor(admin), other, "asked by the owner"))
    locked = w.log.domain_events(other)[-1]
    assert type(locked).__name__ == "AccountLocked" and locked.by == admin


def test_nobody_disables_their_own_account(w: World) -> None:
    admin = w.user("root", Role.ADMIN)
    with pytest.raises(InvalidTransition, match="your own account"):
        w.identity.admin.disable(DisableAccount(w.actor(admin), admin, "tired"))


def test_another_users_profile_is_reported_missing(w: World) -> None:
    me, other = w.user("owner.li", Role.OWNER), w.user("owner.wang", Role.OWNER)
    with pytest.raises(NotFound, match="not yours to see"):
        w.identity.admin.change_profile(ChangeProfile(w.actor(me), other, {"gender": "f"}))
    # ... exactly as one that does not exist.
    with pytest.raises(NotFound, match="not yours to see"):
        w.identity.admin.change_profile(ChangeProfile(w.actor(me), uuid4(), {"gender": "f"}))


def test_ones_own_profile_changes_with_the_name_sealed(w: World) -> None:
    me = w.user("owner.li", Role.OWNER)
    w.identity.admin.change_profile(ChangeProfile(w.actor(me), me, {"display_name": "Li Na"}))
    user = w.identity.get(me)
    assert user.display_name_enc == "sealed:Li Na" and w.identity.display_name(user) == "Li Na"
    with pytest.raises(ValidationFailed):
        w.identity.admin.change_profile(ChangeProfile(w.actor(me), me, {"display_name": ""}))
    with pytest.raises(ValidationFailed):
        w.identity.admin.change_profile(ChangeProfile(w.actor(me), me, {}))


def test_an_estate_is_assigned_only_if_the_registry_has_it(w: World) -> None:
    admin, manager = w.user("root", Role.ADMIN), w.user("pm.zhou", Role.PROPERTY_MANAGER)
    with pytest.raises(ValidationFailed, match="there is no estate"):
        w.identity.admin.assign_estate(AssignEstate(w.actor(admin), manager, uuid4()))
    estate = Estate.register(code="HVG", name="Harbour View", address="1 Quay")
    w.log.save_and_position(estate)
    w.identity.admin.assign_estate(AssignEstate(w.actor(admin), manager, estate.id))
    assert w.identity.get(manager).estates == {estate.id}


def test_a_loader_preassigns_an_estate_the_registry_does_not_hold_yet(w: World) -> None:
    """Only for who manages access: a resident cannot give themselves an estate."""
    resident, manager = w.user("li.wei", Role.OWNER), w.user("pm.zhou", Role.PROPERTY_MANAGER)
    ahead = uuid4()
    with pytest.raises(Forbidden):
        w.identity.admin.preassign_estate(PreassignEstate(w.actor(resident), resident, ahead))
    assert w.identity.get(resident).estates == set()
    w.identity.admin.preassign_estate(PreassignEstate(SYSTEM_ACTOR, manager, ahead))
    assert w.identity.get(manager).estates == {ahead}


def test_a_reset_password_follows_the_password_rule_and_ends_sessions(w: World) -> None:
    admin, other = w.user("root", Role.ADMIN), w.user("owner.wang", Role.OWNER)
    w.identity.login("owner.wang", PASSWORD, "198.51.100.7", "pytest")
    with pytest.raises(ValidationFailed):
        w.identity.admin.reset_password(ResetPassword(w.actor(admin), other, "password123"))
    w.identity.admin.reset_password(ResetPassword(w.actor(admin), other, "quiet-ferry-lamp-90"))
    assert w.identity.get(other).password_hash == "plain$quiet-ferry-lamp-90"
    assert not w.identity.get(other).sessions


def test_erasing_personal_data_needs_the_erasure_permission(w: World) -> None:
    admin, auditor = w.user("root", Role.ADMIN), w.user("audit.he", Role.AUDITOR)
    other = w.user("owner.wang", Role.OWNER)
    with pytest.raises(Forbidden):
        w.identity.admin.erase_personal_data(ErasePersonalData(w.actor(auditor), other, "asked"))
    w.identity.admin.erase_personal_data(ErasePersonalData(w.actor(admin), other, "asked"))
    assert w.identity.display_name(w.identity.get(other)) is None
    assert w.names_of_events(other)[-1] == "PersonalDataErased"
